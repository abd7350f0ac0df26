//! Retrieval for matching: multilingual text analysis ([`analyze`]), an in-memory
//! tantivy lexical index ([`LexicalIndex`]), a vector index ([`VectorIndex`]) and
//! reciprocal-rank fusion ([`fuse`]). Keys are the caller's dense `u32` document numbers.
//!
//! Invariant: no IO; everything lives in memory and is rebuilt or updated by the caller.

#![warn(missing_docs)]

mod analyze;
mod fusion;
mod lexical;
mod vectors;

pub use analyze::analyze;
pub use fusion::{fuse, Fused};
pub use lexical::{LexicalIndex, SearchError};
pub use vectors::{dot, VectorIndex};
