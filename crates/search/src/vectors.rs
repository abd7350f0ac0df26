//! Dense vectors (L2-normalised embeddings) with exact inner-product top-k search over a
//! contiguous matrix. Exact search is O(n·d) per query; it is the reference an
//! approximate index must match, and fast enough for the development set sizes.

/// Vectors of one dimension, addressed by document number.
#[derive(Debug, Clone, Default)]
pub struct VectorIndex {
    dim: usize,
    data: Vec<f32>,
    present: Vec<bool>,
}

impl VectorIndex {
    /// An empty index for `dim`-dimensional vectors.
    pub fn new(dim: usize) -> Self {
        VectorIndex { dim, data: Vec::new(), present: Vec::new() }
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Sets (or replaces) the vector of `doc`; a vector of the wrong dimension is ignored.
    pub fn set(&mut self, doc: u32, vector: &[f32]) {
        if vector.len() != self.dim {
            return;
        }
        let idx = doc as usize;
        if self.present.len() <= idx {
            self.present.resize(idx + 1, false);
            self.data.resize((idx + 1) * self.dim, 0.0);
        }
        self.data[idx * self.dim..(idx + 1) * self.dim].copy_from_slice(vector);
        self.present[idx] = true;
    }

    /// Forgets the vector of `doc`.
    pub fn remove(&mut self, doc: u32) {
        if let Some(flag) = self.present.get_mut(doc as usize) {
            *flag = false;
        }
    }

    /// The vector of `doc`.
    pub fn get(&self, doc: u32) -> Option<&[f32]> {
        let idx = doc as usize;
        (*self.present.get(idx)?).then(|| &self.data[idx * self.dim..(idx + 1) * self.dim])
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.data.capacity() * 4 + self.present.capacity()
    }

    /// The `k` documents with the highest inner product with `query` among those `keep`
    /// accepts, best first.
    pub fn top_k(&self, query: &[f32], k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        if query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let mut scored: Vec<(u32, f32)> = self
            .present
            .iter()
            .enumerate()
            .filter(|(idx, present)| **present && keep(*idx as u32))
            .map(|(idx, _)| (idx as u32, dot(query, &self.data[idx * self.dim..(idx + 1) * self.dim])))
            .collect();
        let cut = k.min(scored.len());
        if cut < scored.len() {
            scored.select_nth_unstable_by(cut, |a, b| b.1.total_cmp(&a.1));
            scored.truncate(cut);
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored
    }
}

/// Inner product.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
