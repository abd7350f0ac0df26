//! Latent terms of the indexed listings: the sparse features the embedding model's sparse
//! head reads off each listing's tokens (`bridgehub_embed::LatentTerms`), and their
//! language-centred cosine with a query's.
//!
//! The features come from token states of a multilingual encoder, so one concept written in
//! two languages tends to light the same features; the overlap is a second cross-language
//! signal next to the sentence vector. Like the vectors, latent vectors carry a language
//! component (features that fire on a script or a language's function words), so each
//! language's mean latent vector is removed from both sides before the cosine.
//!
//! Storage per listing: the `KEPT` strongest features as u16 ids and u8 weights with one f32
//! scale (≈ 390 bytes), in flat arrays with a fixed stride.

use std::collections::HashMap;

use crate::language_sums::{centre_unit, LanguageSums};

/// Features kept per listing.
pub(crate) const KEPT: usize = 128;

pub(crate) struct LatentIndex {
    features: Vec<u16>,
    weights: Vec<u8>,
    scale: Vec<f32>,
    len: Vec<u8>,
    norm_sq: Vec<f32>,
    n: usize,
    /// Slots announced by [`LatentIndex::expect`].
    expected: usize,
    /// Per listing language: the sum of its listings' latent vectors (dense, as long as
    /// the highest feature seen) and their number.
    pub(crate) language_sums: LanguageSums,
}

impl LatentIndex {
    pub(crate) fn new() -> Self {
        LatentIndex { features: Vec::new(), weights: Vec::new(), scale: Vec::new(), len: Vec::new(), norm_sq: Vec::new(), n: 0, expected: 0, language_sums: LanguageSums::default() }
    }

    pub(crate) fn len(&self) -> usize {
        self.n
    }

    fn ensure(&mut self, key: u32) {
        let slots = key as usize + 1;
        if self.len.len() < slots {
            // Grow by an eighth at a time, not by doubling: at 100k listings a doubled
            // buffer would hold up to 39 MB of unused slots.
            if self.features.capacity() < slots * KEPT {
                self.reserve(self.expected.max(slots + slots / 8 + 64));
            }
            self.len.resize(slots, 0);
            self.scale.resize(slots, 0.0);
            self.norm_sq.resize(slots, 0.0);
            self.features.resize(slots * KEPT, 0);
            self.weights.resize(slots * KEPT, 0);
        }
    }

    /// Notes that keys `0..slots` are coming; the room is taken at the first
    /// [`LatentIndex::set`] (a hub without the sparse head reserves nothing).
    pub(crate) fn expect(&mut self, slots: usize) {
        self.expected = self.expected.max(slots);
    }

    /// Makes room for keys `0..slots` at once.
    fn reserve(&mut self, slots: usize) {
        self.len.reserve_exact(slots.saturating_sub(self.len.len()));
        self.scale.reserve_exact(slots.saturating_sub(self.scale.len()));
        self.norm_sq.reserve_exact(slots.saturating_sub(self.norm_sq.len()));
        self.features.reserve_exact((slots * KEPT).saturating_sub(self.features.len()));
        self.weights.reserve_exact((slots * KEPT).saturating_sub(self.weights.len()));
    }

    pub(crate) fn contains(&self, key: u32) -> bool {
        self.len.get(key as usize).is_some_and(|&n| n > 0)
    }

    /// The stored terms of `key` (weights as held: 8-bit steps of the strongest).
    fn terms(&self, key: u32) -> impl Iterator<Item = (usize, f64)> + '_ {
        let k = key as usize;
        let n = self.len.get(k).copied().unwrap_or(0) as usize;
        let scale = f64::from(self.scale.get(k).copied().unwrap_or(0.0));
        let range = k * KEPT..k * KEPT + n;
        self.features[range.clone()].iter().zip(&self.weights[range]).map(move |(&f, &w)| (usize::from(f), f64::from(w) * scale))
    }

    /// Sets the terms of `key` (a listing of `language`), replacing what it had under the
    /// same language. The sums are per language: when a key changes language the caller
    /// removes it first under the old one ([`LatentIndex::remove`]), as `Engine::upsert` does.
    pub(crate) fn set(&mut self, key: u32, language: &str, terms: &[(u16, f32)]) {
        self.remove(key, language);
        let kept: Vec<(u16, f32)> = terms.iter().copied().filter(|(_, w)| w.is_finite() && *w > 0.0).take(KEPT).collect();
        let strongest = kept.iter().map(|(_, w)| *w).fold(0.0_f32, f32::max);
        if kept.is_empty() || strongest <= 0.0 {
            return;
        }
        self.ensure(key);
        let k = key as usize;
        let scale = strongest / 255.0;
        let mut stored = 0;
        for (f, w) in kept {
            let q = (w / scale).round().clamp(0.0, 255.0) as u8;
            if q == 0 {
                continue;
            }
            self.features[k * KEPT + stored] = f;
            self.weights[k * KEPT + stored] = q;
            stored += 1;
        }
        self.len[k] = stored as u8;
        self.scale[k] = scale;
        self.norm_sq[k] = self.terms(key).map(|(_, w)| w * w).sum::<f64>() as f32;
        self.n += 1;
        self.add_to_language(key, language, 1.0);
    }

    /// Forgets the terms of `key` (a listing of `language`), if it had any.
    pub(crate) fn remove(&mut self, key: u32, language: &str) {
        if !self.contains(key) {
            return;
        }
        self.add_to_language(key, language, -1.0);
        self.len[key as usize] = 0;
        self.n -= 1;
    }

    fn add_to_language(&mut self, key: u32, language: &str, sign: f64) {
        let terms: Vec<(usize, f64)> = self.terms(key).collect();
        self.language_sums.add(language, terms, sign);
    }

    /// The language-centred cosine of the query's latent vector with each pool candidate's
    /// (`None` where either has no terms). `language_of` gives a candidate's listing
    /// language.
    ///
    /// With `q̂` the centred, normalised query and `m` the candidate language's mean (dense),
    /// the cosine is `(q̂·c − q̂·m) / |c − m|` with `|c − m|² = |c|² − 2c·m + |m|²`: the
    /// candidate side touches only its own few features.
    pub(crate) fn similarities<'a>(
        &self,
        query: u32,
        query_language: &str,
        pool: &[u32],
        language_of: impl Fn(u32) -> Option<&'a str>,
        min_sample: usize,
    ) -> Vec<Option<f64>> {
        if !self.contains(query) {
            return vec![None; pool.len()];
        }
        let width = self.language_sums.width();
        let mut q_hat = vec![0.0_f64; width];
        for (f, w) in self.terms(query) {
            if f < width {
                q_hat[f] += w;
            }
        }
        let mut means = self.language_sums.means(min_sample);
        if centre_unit(&mut q_hat, means.of(query_language).as_deref()) < 1e-12 {
            return vec![None; pool.len()];
        }
        // Per candidate language: (q̂[f], m[f]) side by side (one lookup per feature), q̂·m
        // and |m|²; without a mean, m = 0.
        let mut per_language: HashMap<&str, (Vec<[f32; 2]>, f64, f64)> = HashMap::new();
        pool.iter()
            .map(|&candidate| {
                if !self.contains(candidate) {
                    return None;
                }
                let language = language_of(candidate)?;
                let (pairs, q_m, m_m) = per_language.entry(language).or_insert_with(|| {
                    let mean = means.of(language).unwrap_or_default();
                    let q_m = q_hat.iter().zip(&mean).map(|(q, m)| q * m).sum::<f64>();
                    let m_m = mean.iter().map(|m| m * m).sum::<f64>();
                    let pairs = (0..width).map(|f| [q_hat[f] as f32, mean.get(f).copied().unwrap_or(0.0) as f32]).collect();
                    (pairs, q_m, m_m)
                });
                let k = candidate as usize;
                let n = usize::from(self.len[k]);
                let (mut q_c, mut c_m) = (0.0_f32, 0.0_f32);
                for (&f, &w) in self.features[k * KEPT..k * KEPT + n].iter().zip(&self.weights[k * KEPT..k * KEPT + n]) {
                    if let Some([q, m]) = pairs.get(usize::from(f)) {
                        let w = f32::from(w);
                        q_c += q * w;
                        c_m += m * w;
                    }
                }
                // Weights are held in steps of `scale`.
                let scale = f64::from(self.scale[k]);
                let (q_c, c_m) = (f64::from(q_c) * scale, f64::from(c_m) * scale);
                let c_c = f64::from(self.norm_sq[k]);
                let (numerator, norm_sq) = (q_c - *q_m, c_c - 2.0 * c_m + *m_m);
                // Relative guard: a candidate (nearly) at its language's mean has no direction
                // left, and f32 cancellation would give it an arbitrary one.
                Some(if norm_sq <= 1e-9 * (c_c + *m_m) { 0.0 } else { (numerator / norm_sq.sqrt()).clamp(-1.0, 1.0) })
            })
            .collect()
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.features.capacity() * 2
            + self.weights.capacity()
            + (self.scale.capacity() + self.norm_sq.capacity()) * 4
            + self.len.capacity()
            + self.language_sums.memory_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_round_trip_within_a_step_and_language_sums_follow_set_and_remove() {
        let mut index = LatentIndex::new();
        index.set(3, "en", &[(7, 2.0), (1, 1.0), (9, 0.001)]);
        assert!(index.contains(3) && !index.contains(0) && !index.contains(99));
        let terms: Vec<(usize, f64)> = index.terms(3).collect();
        // 0.001 is below one 8-bit step of 2.0 and is dropped.
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[0].0, 7);
        assert!((terms[0].1 - 2.0).abs() < 1e-6 && (terms[1].1 - 1.0).abs() < 2.0 / 255.0);
        index.set(3, "en", &[(2, 1.0)]);
        index.set(4, "en", &[(2, 3.0)]);
        assert_eq!(index.len(), 2);
        let sums = &index.language_sums["en"];
        assert_eq!(sums.1, 2);
        assert!(sums.0[7].abs() < 1e-9 && (sums.0[2] - 4.0).abs() < 1e-6, "{:?}", sums.0);
        index.remove(3, "en");
        index.remove(3, "en");
        assert_eq!((index.len(), index.language_sums["en"].1), (1, 1));
    }

    #[test]
    fn the_centred_cosine_prefers_shared_features_over_the_language_background() {
        // Every "xx" listing carries feature 0 (its language background); the query and
        // candidate 2 share feature 5, candidate 3 shares only the background.
        let mut index = LatentIndex::new();
        let language = |_: u32| Some("xx");
        index.set(1, "xx", &[(0, 1.0), (5, 1.0)]);
        index.set(2, "xx", &[(0, 1.0), (5, 0.8), (6, 0.2)]);
        index.set(3, "xx", &[(0, 1.0), (7, 1.0)]);
        index.set(4, "xx", &[(0, 1.0), (8, 1.0)]);
        let sims = index.similarities(1, "xx", &[2, 3, 9], language, 1);
        let (shared, background) = (sims[0].expect("2"), sims[1].expect("3"));
        assert!(shared > 0.5 && background < 0.0, "{sims:?}");
        assert_eq!(sims[2], None);
        // Without terms for the query, nothing is said.
        assert_eq!(index.similarities(9, "xx", &[2], language, 1), vec![None]);
    }
}
