//! The matching engine: for a listing, the listings (and so organizations) on the other
//! side that fit it best, with the reasons as data and as one readable line in en and zh.
//!
//! Pipeline per query:
//! 1. **Candidates**: the union of the lexical top-N (BM25 over multilingual terms) and
//!    the semantic top-N (cosine of stored embeddings), or every live counterpart when
//!    the index is small.
//! 2. **Hard rules** ([`rules`]): offers meet seeks, both listings live, each side's
//!    targets accept the other side's country (unless relaxed), never the same owner.
//! 3. **Scoring** ([`score`]): semantic similarity, latent-term overlap (the embedding
//!    model's sparse features), lexical score, sector overlap, category compatibility and
//!    shared working language, combined in both directions.
//! 4. **Network** ([`Network`], optional): a boost for region pairs where ties are thin
//!    (`MatchConfig::thin_tie_boost`, default off) and "warm introduction available via
//!    X" on the best matches.
//!
//! Invariant: no IO. The caller feeds listings, owners and embeddings in and out.

#![warn(missing_docs)]

mod codes;
mod engine;
mod explain;
mod language_sums;
mod latent;
mod network;
pub mod rules;
mod score;

pub use engine::{Engine, EngineStats, IndexedListing, MatchError, Owner, Query};
pub use explain::{LineLanguage, Reason, Signal};
pub use language_sums::centre_unit;
pub use network::{Network, WarmIntro};
pub use score::{Match, MatchConfig, Mode};
