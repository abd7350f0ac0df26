//! Reciprocal rank fusion of ranked lists (Cormack et al. 2009): each list contributes
//! `weight / (k + rank)` for every document it ranks.

use std::collections::HashMap;

/// A fused result with the rank each input list gave it (1-based; `None`: not ranked).
#[derive(Debug, Clone, PartialEq)]
pub struct Fused {
    /// The document.
    pub doc: u32,
    /// Fused score.
    pub score: f64,
    /// Rank in each input list.
    pub ranks: Vec<Option<usize>>,
}

/// Fuses ranked lists (best first) with per-list weights and the usual `k = 60`.
pub fn fuse(lists: &[(&[u32], f64)], k: f64) -> Vec<Fused> {
    let mut by_doc: HashMap<u32, Fused> = HashMap::new();
    for (list_idx, (list, weight)) in lists.iter().enumerate() {
        for (rank0, doc) in list.iter().enumerate() {
            let entry = by_doc
                .entry(*doc)
                .or_insert_with(|| Fused { doc: *doc, score: 0.0, ranks: vec![None; lists.len()] });
            if entry.ranks[list_idx].is_none() {
                entry.ranks[list_idx] = Some(rank0 + 1);
                entry.score += weight / (k + (rank0 + 1) as f64);
            }
        }
    }
    let mut fused: Vec<Fused> = by_doc.into_values().collect();
    fused.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_high_in_both_lists_wins() {
        let fused = fuse(&[(&[1, 2, 3], 1.0), (&[2, 3, 1], 1.0)], 60.0);
        assert_eq!(fused[0].doc, 2);
        assert_eq!(fused[0].ranks, vec![Some(2), Some(1)]);
        assert_eq!(fused.len(), 3);
    }
}
