//! Test-only writer of small synthetic E5S1 files, so the reader, tokenizer and encoder are
//! tested without the 72 MB model. It writes exactly the layout `format.rs` documents.

use crate::format::{MAGIC, Q4_BLOCK, VERSION};
use crate::q4::quantize;

/// A tensor to write: name, type code (0 f32, 1 Q4_0), element count, data bytes.
pub(crate) struct SynthTensor {
    name: String,
    type_code: u8,
    n_elements: usize,
    data: Vec<u8>,
}

pub(crate) fn tensor_f32(name: &str, values: &[f32]) -> SynthTensor {
    SynthTensor {
        name: name.to_owned(),
        type_code: 0,
        n_elements: values.len(),
        data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

pub(crate) fn tensor_q4(name: &str, values: &[f32]) -> SynthTensor {
    SynthTensor {
        name: name.to_owned(),
        type_code: 1,
        n_elements: values.len(),
        data: quantize(values),
    }
}

/// A synthetic model description; fields are public to the tests so each can break one.
pub(crate) struct Synth {
    pub(crate) hidden: usize,
    pub(crate) layers: usize,
    pub(crate) heads: i32,
    pub(crate) ffn: usize,
    pub(crate) max_positions: usize,
    pub(crate) pieces: Vec<(String, f32)>,
    pub(crate) unk: i32,
    pub(crate) norm: Vec<(u32, Vec<u32>)>,
    pub(crate) tensors: Vec<SynthTensor>,
}

/// The synthetic vocabulary: XLM-R's four specials first, then a few pieces.
const PIECES: &[(&str, f32)] = &[
    ("<s>", 0.0),
    ("<pad>", 0.0),
    ("</s>", 0.0),
    ("<unk>", 0.0),
    ("▁", -3.0),
    ("▁the", -2.0),
    ("▁cat", -4.0),
    ("▁ca", -5.0),
    ("t", -4.5),
    ("s", -3.5),
    ("▁a", -3.0),
    ("b", -4.0),
    ("▁ab", -6.5),
    ("c", -4.0),
    ("▁abc", -9.0),
    ("query", -6.0),
    ("▁query", -5.0),
    (":", -3.0),
    ("e", -4.0),
    ("h", -4.0),
    ("▁中", -6.0),
    ("国", -5.0),
    ("▁中国", -9.5),
    ("A", -5.0),
    ("<mask>", 0.0),
];

impl Synth {
    /// A valid, tensor-less file: hidden 64, 2 layers, 2 heads, 16 positions.
    pub(crate) fn tiny() -> Self {
        Self {
            hidden: 64,
            layers: 2,
            heads: 2,
            ffn: 128,
            max_positions: 16,
            pieces: PIECES
                .iter()
                .map(|&(piece, score)| (piece.to_owned(), score))
                .collect(),
            unk: 3,
            norm: vec![
                (0x3000, vec![0x20]),
                (0x09, vec![0x20]),
                (0xFF21, vec![0x41]),
            ],
            tensors: Vec::new(),
        }
    }

    /// `tiny()` with every tensor the encoder needs, filled with deterministic noise.
    pub(crate) fn tiny_model() -> Self {
        let mut synth = Self::tiny();
        let (h, ff) = (synth.hidden, synth.ffn);
        let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
        let mut tensors = vec![
            tensor_q4("emb.word", &noise.take(synth.pieces.len() * h, 0.5)),
            tensor_f32("emb.pos", &noise.take(synth.max_positions * h, 0.1)),
            tensor_f32("emb.type", &noise.take(2 * h, 0.1)),
            tensor_f32("emb.ln.w", &noise.around_one(h)),
            tensor_f32("emb.ln.b", &noise.take(h, 0.05)),
        ];
        for layer in 0..synth.layers {
            let name = |suffix: &str| format!("l{layer}.{suffix}");
            for proj in ["q", "k", "v", "ao"] {
                tensors.push(tensor_q4(
                    &name(&format!("{proj}.w")),
                    &noise.take(h * h, 0.2),
                ));
                tensors.push(tensor_f32(
                    &name(&format!("{proj}.b")),
                    &noise.take(h, 0.05),
                ));
            }
            tensors.push(tensor_f32(&name("aln.w"), &noise.around_one(h)));
            tensors.push(tensor_f32(&name("aln.b"), &noise.take(h, 0.05)));
            tensors.push(tensor_q4(&name("fi.w"), &noise.take(ff * h, 0.2)));
            tensors.push(tensor_f32(&name("fi.b"), &noise.take(ff, 0.05)));
            tensors.push(tensor_q4(&name("fo.w"), &noise.take(h * ff, 0.2)));
            tensors.push(tensor_f32(&name("fo.b"), &noise.take(h, 0.05)));
            tensors.push(tensor_f32(&name("oln.w"), &noise.around_one(h)));
            tensors.push(tensor_f32(&name("oln.b"), &noise.take(h, 0.05)));
        }
        synth.tensors = tensors;
        synth
    }

    pub(crate) fn tensor_data_len(&self) -> usize {
        self.tensors
            .iter()
            .map(|t| t.data.len().div_ceil(32) * 32)
            .sum()
    }

    /// Serialises the description as an E5S1 image.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let i32_le = |out: &mut Vec<u8>, v: i32| out.extend_from_slice(&v.to_le_bytes());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        for value in [
            self.hidden as i32,
            self.layers as i32,
            self.heads,
            self.ffn as i32,
            self.pieces.len() as i32,
            self.max_positions as i32,
            2,
        ] {
            i32_le(&mut out, value);
        }
        out.extend_from_slice(&1e-12f32.to_le_bytes());
        i32_le(&mut out, Q4_BLOCK as i32);

        // Vocabulary.
        i32_le(&mut out, self.pieces.len() as i32);
        for special in [0, 2, 1, self.unk] {
            i32_le(&mut out, special);
        }
        let blob: Vec<u8> = self.pieces.iter().flat_map(|(p, _)| p.bytes()).collect();
        out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
        let mut offset = 0u32;
        out.extend_from_slice(&0u32.to_le_bytes());
        for (piece, _) in &self.pieces {
            offset += piece.len() as u32;
            out.extend_from_slice(&offset.to_le_bytes());
        }
        for (_, score) in &self.pieces {
            out.extend_from_slice(&score.to_le_bytes());
        }
        out.extend_from_slice(&blob);

        // Normalisation table, sorted by codepoint.
        let mut norm = self.norm.clone();
        norm.sort_by_key(|(cp, _)| *cp);
        let mut section = Vec::new();
        for (cp, outs) in &norm {
            section.extend_from_slice(&cp.to_le_bytes());
            section.push(outs.len() as u8);
            for o in outs {
                section.extend_from_slice(&o.to_le_bytes());
            }
        }
        i32_le(&mut out, norm.len() as i32);
        out.extend_from_slice(&(section.len() as u32).to_le_bytes());
        out.extend_from_slice(&section);

        // Directory, then the data, each tensor 32-byte aligned.
        i32_le(&mut out, self.tensors.len() as i32);
        let dir_len: usize = self
            .tensors
            .iter()
            .map(|t| 2 + t.name.len() + 1 + 4 + 8 + 8)
            .sum();
        let mut data_at = (out.len() + dir_len).div_ceil(32) * 32;
        for tensor in &self.tensors {
            out.extend_from_slice(&(tensor.name.len() as u16).to_le_bytes());
            out.extend_from_slice(tensor.name.as_bytes());
            out.push(tensor.type_code);
            out.extend_from_slice(&(tensor.n_elements as u32).to_le_bytes());
            out.extend_from_slice(&(data_at as u64).to_le_bytes());
            out.extend_from_slice(&(tensor.data.len() as u64).to_le_bytes());
            data_at += tensor.data.len().div_ceil(32) * 32;
        }
        for tensor in &self.tensors {
            out.resize(out.len().div_ceil(32) * 32, 0);
            out.extend_from_slice(&tensor.data);
        }
        out
    }
}

/// A small deterministic generator (splitmix64) for synthetic weights.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }

    fn take(&mut self, n: usize, amplitude: f32) -> Vec<f32> {
        (0..n).map(|_| self.next() * amplitude).collect()
    }

    fn around_one(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| 1.0 + self.next() * 0.1).collect()
    }
}
