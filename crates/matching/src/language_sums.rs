//! Per listing language: the sum of its listings' vectors and their number, from which
//! each language's mean is removed before texts are compared across languages (sentence
//! vectors in `engine`, latent terms in `latent`). A language with too few listings uses
//! the mean of all listings.

use std::collections::HashMap;

#[derive(Default)]
pub(crate) struct LanguageSums {
    /// Sum (as long as the highest index added) and count per language.
    sums: HashMap<String, (Vec<f64>, usize)>,
}

impl LanguageSums {
    /// Adds (`sign` 1) or subtracts (`sign` −1) one listing's vector, given as `(index,
    /// value)` pairs, to its language.
    pub(crate) fn add(&mut self, language: &str, values: impl IntoIterator<Item = (usize, f64)>, sign: f64) {
        let slot = self.sums.entry(language.to_owned()).or_insert_with(|| (Vec::new(), 0));
        for (i, x) in values {
            if slot.0.len() <= i {
                slot.0.resize(i + 1, 0.0);
            }
            slot.0[i] += sign * x;
        }
        if sign > 0.0 {
            slot.1 += 1;
        } else {
            slot.1 = slot.1.saturating_sub(1);
        }
    }

    /// The longest sum (the highest index added, plus one).
    pub(crate) fn width(&self) -> usize {
        self.sums.values().map(|(s, _)| s.len()).max().unwrap_or(0)
    }

    /// The mean of `language`, when it has at least `min_sample` listings (and any).
    fn own_mean(&self, language: &str, min_sample: usize) -> Option<Vec<f64>> {
        match self.sums.get(language) {
            Some((sum, n)) if *n >= min_sample && *n > 0 => Some(sum.iter().map(|x| x / *n as f64).collect()),
            _ => None,
        }
    }

    /// The mean of all listings.
    fn overall_mean(&self) -> Option<Vec<f64>> {
        let mut total: (Vec<f64>, usize) = (Vec::new(), 0);
        for (sum, n) in self.sums.values() {
            if total.0.len() < sum.len() {
                total.0.resize(sum.len(), 0.0);
            }
            total.0.iter_mut().zip(sum).for_each(|(a, b)| *a += b);
            total.1 += n;
        }
        (total.1 > 0).then(|| total.0.iter().map(|x| x / total.1 as f64).collect())
    }

    /// The means one query needs: a language's own, or the overall mean for languages with
    /// fewer than `min_sample` listings (computed once, when first asked).
    pub(crate) fn means(&self, min_sample: usize) -> Means<'_> {
        Means { sums: self, min_sample, overall: None }
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.sums.values().map(|(s, _)| s.capacity() * 8).sum()
    }
}

impl std::ops::Index<&str> for LanguageSums {
    type Output = (Vec<f64>, usize);

    fn index(&self, language: &str) -> &Self::Output {
        &self.sums[language]
    }
}

/// Removes `mean` (when given) from `values` and scales them to unit length (a zero
/// vector stays zero); returns the length before scaling. How a query is centred on its
/// language, for sentence vectors and for latent terms alike.
pub fn centre_unit(values: &mut [f64], mean: Option<&[f64]>) -> f64 {
    if let Some(mean) = mean {
        values.iter_mut().zip(mean).for_each(|(x, m)| *x -= m);
    }
    let norm = values.iter().map(|x| x * x).sum::<f64>().sqrt();
    let scale = norm.max(1e-12);
    values.iter_mut().for_each(|x| *x /= scale);
    norm
}

/// See [`LanguageSums::means`].
pub(crate) struct Means<'a> {
    sums: &'a LanguageSums,
    min_sample: usize,
    overall: Option<Option<Vec<f64>>>,
}

impl Means<'_> {
    /// The mean `language`'s listings are centred on (`None` when nothing is indexed).
    pub(crate) fn of(&mut self, language: &str) -> Option<Vec<f64>> {
        self.sums.own_mean(language, self.min_sample).or_else(|| self.overall.get_or_insert_with(|| self.sums.overall_mean()).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_languages_share_the_overall_mean_and_sums_follow_add_and_remove() {
        let mut sums = LanguageSums::default();
        sums.add("en", [(0, 1.0), (1, 3.0)], 1.0);
        sums.add("en", [(0, 3.0)], 1.0);
        sums.add("fr", [(2, 6.0)], 1.0);
        assert_eq!(sums.width(), 3);
        let mut means = sums.means(2);
        assert_eq!(means.of("en"), Some(vec![2.0, 1.5]));
        // French has one listing: the mean of all three.
        assert_eq!(means.of("fr"), Some(vec![4.0 / 3.0, 1.0, 2.0]));
        assert_eq!(means.of("unknown"), Some(vec![4.0 / 3.0, 1.0, 2.0]));
        sums.add("en", [(0, 3.0)], -1.0);
        assert_eq!(sums["en"], (vec![1.0, 3.0], 1));
        assert_eq!(LanguageSums::default().means(1).of("en"), None);
    }
}
