//! Retrieval for matching: multilingual text analysis ([`analyze`]), an in-memory
//! tantivy lexical index ([`LexicalIndex`]) and a vector index ([`VectorIndex`]). Keys
//! are the caller's dense `u32` document numbers. The matching engine blends the two
//! scores itself (score blending, not rank fusion).
//!
//! Invariant: no IO; everything lives in memory and is rebuilt or updated by the caller.

#![warn(missing_docs)]

mod analyze;
mod lexical;
mod vectors;

pub use analyze::{analyze, codes, Code};
pub use lexical::{LexicalIndex, SearchError};
pub use vectors::{dot, SearchKind, VectorIndex, ANN_THRESHOLD, QUANTIZED_SCAN_MIN};
