//! Dense vectors (L2-normalised embeddings) with inner-product top-k search.
//!
//! Below [`QUANTIZED_SCAN_MIN`] live vectors a query scans them all (exact, O(n·d): about
//! 1.5 ms at 10k × 384, and the caller's filter is asked best-first, only until `k`
//! passed). From there to [`ANN_THRESHOLD`], a scan of sign-bit codes (48 bytes a vector)
//! picks a shortlist that is scored exactly (about 3 ms at 100k, 15 ms at 1M). From the
//! threshold on, [`VectorIndex::commit`] builds an
//! HNSW graph (crate `hnsw_rs`, Malkov & Yashunin) over the stored vectors and queries walk
//! the graph instead. Changes stay cheap and visible at once:
//!
//! - a replaced or removed vector leaves a *tombstone*: its graph point no longer maps to
//!   its document, and searches skip it through the graph filter;
//! - a vector set after the last commit is *pending*: queries scan the pending ones
//!   exactly and merge them with the graph's answer, and the next commit inserts them;
//! - when tombstones outnumber live points, the next commit rebuilds the graph from the
//!   stored vectors (in parallel, see [`VectorIndex::rebuild`]).
//!
//! The exact scan stays the reference: the tests and `bridgehub bench match` measure
//! the graph's recall against it.

use std::fmt;

use half::f16;
use half::slice::HalfFloatSliceExt;
use hnsw_rs::prelude::{Distance, Hnsw};

/// Live vectors from which [`VectorIndex::commit`] builds the HNSW graph (below it,
/// queries scan the sign-bit codes, or every vector below [`QUANTIZED_SCAN_MIN`]).
/// Measured (`bridgehub bench vectors`, real embeddings with near-duplicates): at 1M
/// vectors the sign-bit scan answers in about 15 ms p50 with recall@10 ≥ 0.95 against
/// exact search, while the graph took about 10 minutes to build on 2 cores and recalled
/// 0.54; the graph is for larger indexes.
pub const ANN_THRESHOLD: usize = 2_000_000;

/// Links per graph node (HNSW `M`; layer 0 keeps twice as many).
const MAX_CONNECTIONS: usize = 24;
/// Candidate list while building (HNSW `efConstruction`).
const EF_CONSTRUCTION: usize = 200;
/// Graph layers at most.
const MAX_LAYERS: usize = 16;
/// Smallest candidate list while searching (HNSW `ef`); a query asking for more
/// neighbours uses its `k` plus this margin.
const EF_SEARCH: usize = 256;
/// Vectors widened to f32 and inserted into the graph together.
const INSERT_BATCH: usize = 50_000;
/// No graph point (for documents without a live point).
const NONE: u32 = u32::MAX;

/// The graph's distance: `1 − inner product`, clamped at 0 (rounding can push the inner
/// product of unit vectors a hair above 1, and the graph requires distances ≥ 0).
#[derive(Debug, Clone, Copy, Default)]
struct InnerProductDistance;

impl Distance<f32> for InnerProductDistance {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        (1.0 - dot(a, b)).max(0.0)
    }
}

/// The approximate layer: an HNSW graph whose point numbers map to documents.
struct Ann {
    graph: Hnsw<'static, f32, InnerProductDistance>,
    /// Graph point → document.
    point_doc: Vec<u32>,
    /// Document → its live graph point, [`NONE`] when it has none (tombstoned or pending).
    doc_point: Vec<u32>,
    /// Documents set since the graph last took them in (scanned exactly by queries).
    pending: Vec<u32>,
    /// Whether a document is in `pending`.
    is_pending: Vec<bool>,
    /// Graph points that no longer map to their document.
    dead: usize,
}

impl Ann {
    fn new(capacity: usize) -> Ann {
        Ann {
            graph: Hnsw::new(MAX_CONNECTIONS, capacity.max(1_000), MAX_LAYERS, EF_CONSTRUCTION, InnerProductDistance),
            point_doc: Vec::with_capacity(capacity),
            doc_point: Vec::new(),
            pending: Vec::new(),
            is_pending: Vec::new(),
            dead: 0,
        }
    }

    fn point_of(&self, doc: u32) -> u32 {
        self.doc_point.get(doc as usize).copied().unwrap_or(NONE)
    }

    /// The document's graph point (if any) becomes a tombstone.
    fn retire(&mut self, doc: u32) {
        if let Some(slot) = self.doc_point.get_mut(doc as usize)
            && *slot != NONE
        {
            *slot = NONE;
            self.dead += 1;
        }
    }

    fn mark_pending(&mut self, doc: u32) {
        let idx = doc as usize;
        if self.is_pending.len() <= idx {
            self.is_pending.resize(idx + 1, false);
        }
        if !self.is_pending[idx] {
            self.is_pending[idx] = true;
            self.pending.push(doc);
        }
    }

    /// Inserts `docs` (their vectors read from `index`) as new graph points.
    fn insert(&mut self, index: &VectorIndex, docs: &[u32]) {
        let first = self.point_doc.len();
        // The graph keeps its own f32 copy of each point; the widened vectors are made a
        // batch at a time so that the build holds at most one batch twice.
        for batch in docs.chunks(INSERT_BATCH) {
            let mut vectors: Vec<(Vec<f32>, usize)> = Vec::with_capacity(batch.len());
            for &doc in batch {
                if let Some(vector) = index.get(doc) {
                    let point = self.point_doc.len();
                    self.point_doc.push(doc);
                    vectors.push((vector, point));
                }
            }
            let items: Vec<(&[f32], usize)> = vectors.iter().map(|(v, p)| (v.as_slice(), *p)).collect();
            if items.len() >= 64 {
                self.graph.parallel_insert_slice(&items);
            } else {
                for item in items {
                    self.graph.insert_slice(item);
                }
            }
        }
        for (point, &doc) in self.point_doc.iter().enumerate().skip(first) {
            let idx = doc as usize;
            if self.doc_point.len() <= idx {
                self.doc_point.resize(idx + 1, NONE);
            }
            self.doc_point[idx] = point as u32;
        }
    }

    fn memory_bytes(&self, dim: usize) -> usize {
        // Each graph point holds a copy of its vector, its links (about 1.5·M per layer-0
        // node, one `Arc` and a distance each) and bookkeeping.
        let points = self.point_doc.len();
        points * (dim * 4 + MAX_CONNECTIONS * 3 / 2 * 24 + 96)
            + self.point_doc.capacity() * 4
            + self.doc_point.capacity() * 4
            + self.pending.capacity() * 4
            + self.is_pending.capacity()
    }
}

/// Vectors of one dimension, addressed by document number.
pub struct VectorIndex {
    dim: usize,
    /// The vectors, in half precision (relative error below 0.05 %; halves the memory of
    /// the largest part of the match index).
    data: Vec<f16>,
    /// Per vector, [`VectorIndex::words`] words of sign bits of the vector minus `center`:
    /// the Hamming distance between two codes estimates the angle between the centred
    /// vectors, and a scan of 48 bytes per vector (for 384 dimensions) shortlists the
    /// vectors that are then scored exactly.
    bits: Vec<u64>,
    /// The mean of the vectors when the codes were last computed (empty: no codes yet).
    /// Embeddings share a large common component; without removing it most sign bits
    /// would be the same for every vector.
    center: Vec<f32>,
    /// Live vectors when `center` was computed.
    center_live: usize,
    present: Vec<bool>,
    live: usize,
    threshold: usize,
    ann: Option<Ann>,
}

impl Default for VectorIndex {
    fn default() -> Self {
        VectorIndex::new(0)
    }
}

impl Clone for VectorIndex {
    /// The copy holds the same vectors; its graph is built again by its next commit.
    fn clone(&self) -> Self {
        VectorIndex {
            dim: self.dim,
            data: self.data.clone(),
            bits: self.bits.clone(),
            center: self.center.clone(),
            center_live: self.center_live,
            present: self.present.clone(),
            live: self.live,
            threshold: self.threshold,
            ann: None,
        }
    }
}

impl fmt::Debug for VectorIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VectorIndex")
            .field("dim", &self.dim)
            .field("live", &self.live)
            .field("threshold", &self.threshold)
            .field("graph_points", &self.ann.as_ref().map(|a| a.point_doc.len()))
            .finish()
    }
}

/// How a query was answered (for benchmarks and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    /// Every live vector was scored.
    Exact,
    /// The sign-bit codes were scanned and a shortlist scored exactly.
    Shortlist,
    /// The HNSW graph was walked (plus the pending vectors, scanned).
    Approximate,
}

impl SearchKind {
    /// How the benchmarks name it.
    pub fn label(self) -> &'static str {
        match self {
            SearchKind::Exact => "exact",
            SearchKind::Shortlist => "sign-bit shortlist, scored exactly",
            SearchKind::Approximate => "hnsw",
        }
    }
}

impl VectorIndex {
    /// An empty index for `dim`-dimensional vectors that builds its graph from
    /// [`ANN_THRESHOLD`] vectors on.
    pub fn new(dim: usize) -> Self {
        VectorIndex::with_threshold(dim, ANN_THRESHOLD)
    }

    /// An empty index that builds its graph from `threshold` live vectors on
    /// (`usize::MAX`: never; below [`QUANTIZED_SCAN_MIN`] live vectors queries scan
    /// exactly, above it the sign-bit codes).
    pub fn with_threshold(dim: usize, threshold: usize) -> Self {
        VectorIndex {
            dim,
            data: Vec::new(),
            bits: Vec::new(),
            center: Vec::new(),
            center_live: 0,
            present: Vec::new(),
            live: 0,
            threshold: threshold.max(1),
            ann: None,
        }
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Live vectors.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no vector is live.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// How queries are answered now.
    pub fn search_kind(&self) -> SearchKind {
        if self.ann.is_some() {
            SearchKind::Approximate
        } else if self.live >= QUANTIZED_SCAN_MIN && !self.center.is_empty() {
            SearchKind::Shortlist
        } else {
            SearchKind::Exact
        }
    }

    /// Makes room for documents `0..docs` at once (a build that knows its size): growing
    /// one document at a time doubles the buffer, and while it is copied the old and the
    /// new one are both resident (at 100k vectors, a 50 MB spike).
    pub fn reserve(&mut self, docs: usize) {
        self.present.reserve_exact(docs.saturating_sub(self.present.len()));
        self.data.reserve_exact((docs * self.dim).saturating_sub(self.data.len()));
        self.bits.reserve_exact((docs * self.words()).saturating_sub(self.bits.len()));
    }

    /// Sets (or replaces) the vector of `doc`; a vector of the wrong dimension is ignored.
    /// Searchable at once (scanned exactly until the next [`VectorIndex::commit`]).
    pub fn set(&mut self, doc: u32, vector: &[f32]) {
        if vector.len() != self.dim {
            return;
        }
        let idx = doc as usize;
        if self.present.len() <= idx {
            self.present.resize(idx + 1, false);
            self.data.resize((idx + 1) * self.dim, f16::ZERO);
            self.bits.resize((idx + 1) * self.words(), 0);
        }
        self.data[idx * self.dim..(idx + 1) * self.dim].convert_from_f32_slice(vector);
        if !self.present[idx] {
            self.present[idx] = true;
            self.live += 1;
        }
        if !self.center.is_empty() {
            self.write_code(doc, &mut vec![0.0_f32; self.dim]);
        }
        if let Some(ann) = &mut self.ann {
            ann.retire(doc);
            ann.mark_pending(doc);
        }
    }

    /// Forgets the vector of `doc`.
    pub fn remove(&mut self, doc: u32) {
        if let Some(flag) = self.present.get_mut(doc as usize)
            && *flag
        {
            *flag = false;
            self.live -= 1;
            if let Some(ann) = &mut self.ann {
                ann.retire(doc);
            }
        }
    }

    /// The vector of `doc` (as stored: in half precision, widened).
    pub fn get(&self, doc: u32) -> Option<Vec<f32>> {
        let mut out = vec![0.0; self.dim];
        self.read(doc, &mut out).then_some(out)
    }

    /// Whether `doc` has a vector.
    pub fn contains(&self, doc: u32) -> bool {
        self.present.get(doc as usize).copied().unwrap_or(false)
    }

    /// Writes the vector of `doc` into `out` (of the index's dimension); false when `doc`
    /// has none.
    pub fn read(&self, doc: u32, out: &mut [f32]) -> bool {
        let idx = doc as usize;
        if !self.contains(doc) || out.len() != self.dim {
            return false;
        }
        self.data[idx * self.dim..(idx + 1) * self.dim].convert_to_f32_slice(out);
        true
    }

    /// The inner product of `query` with the vector of `doc`, widened into `buffer`.
    fn dot_doc(&self, query: &[f32], doc: u32, buffer: &mut [f32]) -> Option<f32> {
        self.read(doc, buffer).then(|| dot(query, buffer))
    }

    /// Brings the graph up to date: builds it once [`ANN_THRESHOLD`] vectors are live,
    /// inserts the vectors set since the last commit, rebuilds it when tombstones
    /// outnumber live points, and drops it when the index shrinks far below the threshold.
    pub fn commit(&mut self) {
        if self.live >= QUANTIZED_SCAN_MIN
            && (self.center.is_empty() || self.live >= 2 * self.center_live || 2 * self.live <= self.center_live)
        {
            self.recenter();
        }
        if self.live < self.threshold / 2 {
            self.ann = None;
            return;
        }
        match &self.ann {
            None if self.live >= self.threshold => self.rebuild(),
            None => {}
            Some(ann) if ann.dead > self.live.max(1_000) => self.rebuild(),
            Some(ann) if !ann.pending.is_empty() => {
                let Some(mut ann) = self.ann.take() else { return };
                let mut pending = std::mem::take(&mut ann.pending);
                for &doc in &pending {
                    ann.is_pending[doc as usize] = false;
                }
                pending.retain(|&doc| self.contains(doc) && ann.point_of(doc) == NONE);
                ann.insert(self, &pending);
                self.ann = Some(ann);
            }
            Some(_) => {}
        }
    }

    /// Words of sign bits per vector.
    fn words(&self) -> usize {
        self.dim.div_ceil(64)
    }

    /// Takes the mean of the live vectors as the codes' center and recomputes every code
    /// (O(n·d); [`VectorIndex::commit`] does it when the index passes
    /// [`QUANTIZED_SCAN_MIN`], and again each time it has doubled or halved since).
    pub fn recenter(&mut self) {
        let mut sum = vec![0.0_f64; self.dim];
        let mut buffer = vec![0.0_f32; self.dim];
        for doc in 0..self.present.len() as u32 {
            if self.read(doc, &mut buffer) {
                for (s, x) in sum.iter_mut().zip(&buffer) {
                    *s += f64::from(*x);
                }
            }
        }
        let n = self.live.max(1) as f64;
        self.center = sum.iter().map(|s| (s / n) as f32).collect();
        self.center_live = self.live;
        self.bits.resize(self.present.len() * self.words(), 0);
        for doc in 0..self.present.len() as u32 {
            self.write_code(doc, &mut buffer);
        }
    }

    /// Writes the sign-bit code of `doc`'s stored vector (widened into `buffer`) against
    /// the current center; nothing when `doc` has no vector.
    fn write_code(&mut self, doc: u32, buffer: &mut [f32]) {
        if self.read(doc, buffer) {
            let (words, idx) = (self.words(), doc as usize);
            sign_bits(buffer, Some(&self.center), &mut self.bits[idx * words..(idx + 1) * words]);
        }
    }

    /// Builds the graph anew from the stored vectors (in parallel over the available
    /// cores), whatever the number of vectors.
    pub fn rebuild(&mut self) {
        let docs: Vec<u32> = self.present.iter().enumerate().filter(|(_, p)| **p).map(|(d, _)| d as u32).collect();
        let mut ann = Ann::new(docs.len());
        ann.insert(self, &docs);
        self.ann = Some(ann);
    }

    /// Bytes held (the stored vectors and, when built, the graph).
    pub fn memory_bytes(&self) -> usize {
        self.data.capacity() * 2 + self.bits.capacity() * 8 + self.center.capacity() * 4 + self.present.capacity() + self.ann.as_ref().map_or(0, |a| a.memory_bytes(self.dim))
    }

    /// The `k` documents with the highest inner product with `query` among those `keep`
    /// accepts, best first: exact below the threshold, approximate above it.
    pub fn top_k(&self, query: &[f32], k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        self.search(query, QueryCode::AroundCenter, k, keep)
    }

    /// [`VectorIndex::top_k`] for a query that is already a direction in the centred space
    /// (for instance an embedding minus its language's mean): ranked by the inner product
    /// with `direction` as given, and the sign-bit scan compares the direction's own signs
    /// with the codes (which are signs of each vector minus the index's mean), instead of
    /// the signs of the direction minus that mean.
    pub fn top_k_centred(&self, direction: &[f32], k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        self.search(direction, QueryCode::Centred, k, keep)
    }

    fn search(&self, query: &[f32], code: QueryCode, k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        if query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let Some(ann) = &self.ann else {
            return if self.live >= QUANTIZED_SCAN_MIN { self.scan(query, code, k, keep) } else { self.exact_top_k(query, k, keep) };
        };
        // The graph is searched without a filter (hnsw_rs's filtered search keeps walking
        // once its list is full, close to a full scan) for more neighbours than asked, and
        // tombstones and rejected documents are dropped afterwards; when too few pass, a
        // wider search, then the exact scan (asking `keep` best-first) answers.
        let mut scored: Vec<(u32, f32)> = Vec::new();
        let mut buffer = vec![0.0_f32; self.dim];
        let mut wanted = (2 * k).max(EF_SEARCH);
        loop {
            let n = wanted.min(ann.point_doc.len());
            let found = ann.graph.search(query, n, n.max(EF_SEARCH));
            scored.clear();
            scored.extend(found.iter().filter_map(|neighbour| {
                let doc = *ann.point_doc.get(neighbour.d_id)?;
                if ann.point_of(doc) != neighbour.d_id as u32 || !keep(doc) {
                    return None;
                }
                Some((doc, self.dot_doc(query, doc, &mut buffer)?))
            }));
            if scored.len() >= k {
                break;
            }
            if n >= ann.point_doc.len() || wanted >= 16 * k.max(EF_SEARCH) {
                return self.exact_top_k(query, k, keep);
            }
            wanted *= 4;
        }
        scored.extend(
            ann.pending
                .iter()
                .filter(|&&doc| ann.point_of(doc) == NONE && keep(doc))
                .filter_map(|&doc| Some((doc, self.dot_doc(query, doc, &mut buffer)?))),
        );
        best_first(scored, k)
    }

    /// The top `k` by a scan of the sign-bit codes: live vectors are taken in order of
    /// Hamming distance to the query's code, `keep` is asked, and those it accepts are
    /// scored exactly, until at least `SHORTLIST_PER_K·k + SHORTLIST_MIN` vectors were
    /// looked at and `4k + 64` passed (or none are left); the best `k` of those are
    /// returned. Without codes yet (a small index), the exact scan answers.
    pub fn scan_top_k(&self, query: &[f32], k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        self.scan(query, QueryCode::AroundCenter, k, keep)
    }

    /// [`VectorIndex::scan_top_k`] for a direction already in the centred space (see
    /// [`VectorIndex::top_k_centred`]).
    pub fn scan_top_k_centred(&self, direction: &[f32], k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        self.scan(direction, QueryCode::Centred, k, keep)
    }

    fn scan(&self, query: &[f32], code: QueryCode, k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        if query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        if self.center.is_empty() {
            return self.exact_top_k(query, k, keep);
        }
        let words = self.words();
        let mut query_bits = vec![0u64; words];
        let center = match code {
            QueryCode::AroundCenter => Some(self.center.as_slice()),
            QueryCode::Centred => None,
        };
        sign_bits(query, center, &mut query_bits);
        // Hamming distances (0..=dim), then the live documents in ascending distance by a
        // counting sort.
        let distances: Vec<u32> =
            self.bits.chunks_exact(words).map(|code| code.iter().zip(&query_bits).map(|(a, b)| (a ^ b).count_ones()).sum()).collect();
        let mut counts = vec![0u32; words * 64 + 2];
        let mut live = 0u32;
        for (d, present) in distances.iter().zip(&self.present) {
            if *present {
                counts[*d as usize] += 1;
                live += 1;
            }
        }
        let mut start = 0u32;
        for count in counts.iter_mut() {
            let n = *count;
            *count = start;
            start += n;
        }
        let mut order = vec![0u32; live as usize];
        for (doc, (&d, present)) in distances.iter().zip(&self.present).enumerate() {
            if *present {
                let slot = &mut counts[d as usize];
                order[*slot as usize] = doc as u32;
                *slot += 1;
            }
        }
        let look_at = SHORTLIST_PER_K * k + SHORTLIST_MIN;
        let enough = 4 * k + 64;
        let mut scored: Vec<(u32, f32)> = Vec::with_capacity(enough);
        let mut buffer = vec![0.0_f32; self.dim];
        for (seen, &doc) in order.iter().enumerate() {
            if seen >= look_at && scored.len() >= enough {
                break;
            }
            if keep(doc)
                && let Some(score) = self.dot_doc(query, doc, &mut buffer)
            {
                scored.push((doc, score));
            }
        }
        best_first(scored, k)
    }

    /// The exact top `k`: every live vector scored; `keep` is asked best-first, only until
    /// `k` documents passed (it may be far dearer than an inner product).
    pub fn exact_top_k(&self, query: &[f32], k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        if query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let mut buffer = vec![0.0_f32; self.dim];
        let mut scored: Vec<(u32, f32)> = (0..self.present.len() as u32)
            .filter_map(|doc| Some((doc, self.dot_doc(query, doc, &mut buffer)?)))
            .collect();
        best_passing(&mut scored, k, &keep)
    }
}

/// The best `k` of `scored` that `keep` accepts, best first; `keep` is asked best-first,
/// only until `k` passed.
fn best_passing(scored: &mut [(u32, f32)], k: usize, keep: &impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    let mut out = Vec::with_capacity(k);
    let mut start = 0;
    let mut window = (4 * k).max(256);
    while start < scored.len() && out.len() < k {
        let rest = &mut scored[start..];
        let cut = window.min(rest.len());
        if cut < rest.len() {
            rest.select_nth_unstable_by(cut, order);
        }
        rest[..cut].sort_by(order);
        for &(doc, score) in &rest[..cut] {
            if keep(doc) {
                out.push((doc, score));
                if out.len() == k {
                    break;
                }
            }
        }
        start += cut;
        window *= 4;
    }
    out
}

/// The `k` best of `scored`, best first (ties by document number).
fn best_first(mut scored: Vec<(u32, f32)>, k: usize) -> Vec<(u32, f32)> {
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    let cut = k.min(scored.len());
    if cut < scored.len() {
        scored.select_nth_unstable_by(cut, order);
        scored.truncate(cut);
    }
    scored.sort_by(order);
    scored
}

/// How a query's sign-bit code is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueryCode {
    /// A vector like the stored ones: the signs of the query minus the index's mean.
    AroundCenter,
    /// A direction already in the centred space: its own signs.
    Centred,
}

/// Writes the sign bits of `v − center` (bit `i % 64` of word `i / 64` set when
/// component `i` is above the center's); without a center, the signs of `v` itself.
fn sign_bits(v: &[f32], center: Option<&[f32]>, out: &mut [u64]) {
    out.iter_mut().for_each(|w| *w = 0);
    for (i, x) in v.iter().enumerate() {
        let c = center.map_or(0.0, |c| c[i]);
        if *x > c {
            out[i / 64] |= 1 << (i % 64);
        }
    }
}

/// Vectors looked at per result asked for by the sign-bit scan (see
/// [`VectorIndex::scan_top_k`]), and the least it looks at. Measured on 100,000 real
/// embeddings with 20 near-duplicates each (the set `bridgehub bench match` makes): the
/// exact top 300 are among the 6,000 nearest codes 98 % of the time, the exact top 10
/// always.
const SHORTLIST_PER_K: usize = 16;
const SHORTLIST_MIN: usize = 1_200;

/// Live vectors from which queries below the graph threshold scan the sign-bit codes and
/// score only a shortlist exactly (smaller indexes are scanned exactly).
pub const QUANTIZED_SCAN_MIN: usize = 20_000;

/// Inner product (eight running sums, so the compiler can use vector instructions).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut sums = [0.0_f32; 8];
    let mut chunks_a = a.chunks_exact(8);
    let mut chunks_b = b.chunks_exact(8);
    for (x, y) in (&mut chunks_a).zip(&mut chunks_b) {
        for i in 0..8 {
            sums[i] += x[i] * y[i];
        }
    }
    let tail: f32 = chunks_a.remainder().iter().zip(chunks_b.remainder()).map(|(x, y)| x * y).sum();
    sums.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unit(v: Vec<f32>) -> Vec<f32> {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        v.into_iter().map(|x| x / norm).collect()
    }

    fn random_unit(rng: &mut u64, dim: usize) -> Vec<f32> {
        unit(
            (0..dim)
                .map(|_| {
                    // xorshift64*
                    *rng ^= *rng >> 12;
                    *rng ^= *rng << 25;
                    *rng ^= *rng >> 27;
                    (rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                })
                .collect(),
        )
    }

    #[test]
    fn the_nearest_vectors_come_first_and_filters_apply() {
        let mut index = VectorIndex::new(2);
        index.set(0, &[1.0, 0.0]);
        index.set(1, &[0.0, 1.0]);
        index.set(2, &[0.7, 0.7]);
        let top = index.top_k(&[1.0, 0.0], 2, |_| true);
        assert_eq!(top.iter().map(|t| t.0).collect::<Vec<_>>(), vec![0, 2]);
        let top = index.top_k(&[1.0, 0.0], 2, |d| d != 0);
        assert_eq!(top[0].0, 2);
        index.remove(2);
        assert_eq!(index.top_k(&[1.0, 0.0], 5, |_| true).len(), 2);
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn dot_agrees_with_the_plain_sum() {
        let mut rng = 7;
        for dim in [1, 7, 8, 9, 384] {
            let (a, b) = (random_unit(&mut rng, dim), random_unit(&mut rng, dim));
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-5);
        }
    }

    #[test]
    fn the_graph_is_built_at_the_threshold_and_follows_changes() {
        let dim = 32;
        let mut rng = 42;
        let mut index = VectorIndex::with_threshold(dim, 500);
        let vectors: Vec<Vec<f32>> = (0..1_000).map(|_| random_unit(&mut rng, dim)).collect();
        for (doc, v) in vectors.iter().enumerate().take(400) {
            index.set(doc as u32, v);
        }
        index.commit();
        assert_eq!(index.search_kind(), SearchKind::Exact);
        for (doc, v) in vectors.iter().enumerate().skip(400) {
            index.set(doc as u32, v);
        }
        index.commit();
        assert_eq!(index.search_kind(), SearchKind::Approximate);
        // A vector's own document is its nearest neighbour.
        assert_eq!(index.top_k(&vectors[10], 1, |_| true)[0].0, 10);
        // Removed: gone at once, before any commit.
        index.remove(10);
        assert!(index.top_k(&vectors[10], 10, |_| true).iter().all(|(d, _)| *d != 10));
        // Replaced: found under its new vector at once (pending), and after the commit.
        index.set(11, &vectors[10]);
        assert_eq!(index.top_k(&vectors[10], 1, |_| true)[0].0, 11);
        index.commit();
        assert_eq!(index.top_k(&vectors[10], 1, |_| true)[0].0, 11);
        assert!(index.top_k(&vectors[11], 5, |_| true).iter().all(|(d, _)| *d != 11 || (index.get(11).is_some())));
        // Filters apply on the graph.
        let odd = index.top_k(&vectors[20], 10, |d| d % 2 == 1);
        assert_eq!(odd.len(), 10);
        assert!(odd.iter().all(|(d, _)| d % 2 == 1));
        // Shrinking far below the threshold drops the graph.
        for doc in 0..900 {
            index.remove(doc);
        }
        index.commit();
        assert_eq!(index.search_kind(), SearchKind::Exact);
        assert_eq!(index.len(), 100);
    }

    #[test]
    fn recall_at_10_against_exact_search_is_high() {
        let dim = 48;
        let mut rng = 3;
        let mut index = VectorIndex::with_threshold(dim, 1);
        // Clustered data, like embeddings: 50 centres, points near them.
        let centres: Vec<Vec<f32>> = (0..50).map(|_| random_unit(&mut rng, dim)).collect();
        for doc in 0..3_000u32 {
            let noise = random_unit(&mut rng, dim);
            let c = &centres[doc as usize % centres.len()];
            index.set(doc, &unit(c.iter().zip(&noise).map(|(a, b)| a + 0.6 * b).collect()));
        }
        index.commit();
        assert_eq!(index.search_kind(), SearchKind::Approximate);
        let (mut hit, mut total) = (0, 0);
        for q in 0..100 {
            let query = random_unit(&mut rng, dim);
            let keep = |d: u32| (d + q) % 3 != 0;
            let exact: Vec<u32> = index.exact_top_k(&query, 10, keep).into_iter().map(|t| t.0).collect();
            let approx: Vec<u32> = index.top_k(&query, 10, keep).into_iter().map(|t| t.0).collect();
            hit += exact.iter().filter(|d| approx.contains(d)).count();
            total += exact.len();
        }
        let recall = hit as f64 / total as f64;
        assert!(recall >= 0.95, "recall@10 {recall}");
    }

    #[test]
    fn the_quantized_scan_finds_what_the_exact_scan_finds() {
        let dim = 384; // the embeddings' size: 384 sign bits
        let mut rng = 11;
        let mut index = VectorIndex::new(dim);
        let centres: Vec<Vec<f32>> = (0..40).map(|_| random_unit(&mut rng, dim)).collect();
        for doc in 0..4_000u32 {
            let noise = random_unit(&mut rng, dim);
            let c = &centres[doc as usize % centres.len()];
            index.set(doc, &unit(c.iter().zip(&noise).map(|(a, b)| a + 0.5 * b).collect()));
        }
        // Codes are made from QUANTIZED_SCAN_MIN vectors on; here, by hand. Vectors set
        // afterwards get their codes at once.
        assert!(index.center.is_empty());
        index.recenter();
        for doc in 4_000..4_500u32 {
            let noise = random_unit(&mut rng, dim);
            let c = &centres[doc as usize % centres.len()];
            index.set(doc, &unit(c.iter().zip(&noise).map(|(a, b)| a + 0.5 * b).collect()));
        }
        index.remove(7);
        let (mut hit, mut total) = (0, 0);
        for q in 0..50u32 {
            // Queries like the documents: a cluster's centre plus noise.
            let noise = random_unit(&mut rng, dim);
            let query = unit(centres[q as usize % centres.len()].iter().zip(&noise).map(|(a, b)| a + 0.5 * b).collect());
            let keep = |d: u32| (d + q) % 3 != 0;
            let exact = index.exact_top_k(&query, 10, keep);
            let scanned = index.scan_top_k(&query, 10, keep);
            assert!(scanned.iter().all(|(d, s)| *d != 7 && keep(*d) && (dot(&query, &index.get(*d).unwrap()) - s).abs() < 1e-6));
            hit += exact.iter().filter(|e| scanned.iter().any(|s| s.0 == e.0)).count();
            total += exact.len();
        }
        assert!(hit as f64 / total as f64 >= 0.99, "recall@10 {hit}/{total}");
    }

    #[test]
    fn a_centred_direction_is_scanned_by_its_own_signs() {
        // Like sentence embeddings, every vector shares a large common component and carries
        // its "language's" offset (three languages); a query asks with its topic alone (its
        // vector minus its language's mean), as the match engine does to find counterparts
        // in every language.
        let dim = 384;
        let mut rng = 29;
        let mut index = VectorIndex::new(dim);
        let languages: Vec<Vec<f32>> = (0..3).map(|_| random_unit(&mut rng, dim)).collect();
        let topics: Vec<Vec<f32>> = (0..1_000).map(|_| random_unit(&mut rng, dim)).collect();
        let common = random_unit(&mut rng, dim);
        let doc_vector = |rng: &mut u64, doc: u32| {
            let noise = random_unit(rng, dim);
            let (language, topic) = (&languages[doc as usize % 3], &topics[doc as usize % topics.len()]);
            unit((0..dim).map(|i| 3.0 * common[i] + 1.5 * language[i] + topic[i] + 0.5 * noise[i]).collect())
        };
        for doc in 0..8_000u32 {
            let v = doc_vector(&mut rng, doc);
            index.set(doc, &v);
        }
        index.recenter();
        let (mut hit, mut total) = (0, 0);
        for q in 0..40u32 {
            let direction = unit(topics[q as usize % topics.len()].iter().zip(random_unit(&mut rng, dim)).map(|(t, n)| t + 0.5 * n).collect());
            let keep = |d: u32| (d + q) % 3 != 0;
            let exact = index.exact_top_k(&direction, 10, keep);
            let scanned = index.top_k_centred(&direction, 10, keep);
            assert!(scanned.iter().all(|(d, s)| keep(*d) && (dot(&direction, &index.get(*d).unwrap()) - s).abs() < 1e-6));
            hit += exact.iter().filter(|e| scanned.iter().any(|s| s.0 == e.0)).count();
            total += exact.len();
        }
        assert!(hit as f64 / total as f64 >= 0.95, "recall@10 {hit}/{total}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Small indexes (exact, and a graph over a few hundred points) agree with
        /// exact search, under changes and filters.
        #[test]
        fn small_indexes_agree_with_exact_search(
            seed in 1u64..u64::MAX,
            n in 1usize..120,
            removed in proptest::collection::vec(0u32..120, 0..40),
            k in 1usize..12,
            modulus in 1u32..4,
            graph in proptest::bool::ANY,
        ) {
            let dim = 8;
            let mut rng = seed;
            let mut index = VectorIndex::with_threshold(dim, if graph { 1 } else { usize::MAX });
            for doc in 0..n as u32 {
                index.set(doc, &random_unit(&mut rng, dim));
            }
            index.commit();
            for doc in &removed {
                index.remove(*doc);
            }
            let query = random_unit(&mut rng, dim);
            let keep = |d: u32| d % modulus == 0;
            let exact = index.exact_top_k(&query, k, keep);
            let got = index.top_k(&query, k, keep);
            prop_assert_eq!(got.len(), exact.len());
            prop_assert!(got.iter().all(|(d, _)| index.get(*d).is_some() && keep(*d)));
            if !graph {
                prop_assert_eq!(got, exact);
            } else {
                // Tiny graphs are searched with a candidate list larger than the index:
                // the same documents as exact search.
                let mut a: Vec<u32> = got.iter().map(|t| t.0).collect();
                let mut b: Vec<u32> = exact.iter().map(|t| t.0).collect();
                a.sort_unstable();
                b.sort_unstable();
                prop_assert_eq!(a, b);
            }
        }
    }
}
