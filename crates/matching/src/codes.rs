//! Names and codes of the indexed listings (`bridgehub_search::codes`: acronyms, model and
//! standard numbers, Latin words in texts of other scripts) and how much two listings
//! share of them.
//!
//! Such tokens read the same in every language: a Chinese seek that asks for "ISM/ISPS"
//! and a "BIMCO SHIPMAN" contract and a French offer that names both speak of the same
//! service, whatever the sentence model makes of the two languages. A code is worth more
//! the rarer it is (`ln(N/df) / ln N`: 0.91 for a code only two of 2,000 listings hold,
//! near 0 for one most listings name), and a pair's value is `1 − e^(−Σ worth)`: one rare
//! shared code gives about 0.6, three about 0.93.

use std::collections::HashMap;

use bridgehub_search::Code;

/// Codes kept per listing (the first ones in the text).
const KEPT: usize = 64;

#[derive(Default)]
pub(crate) struct CodeIndex {
    ids: HashMap<Box<str>, u32>,
    /// Per code id: its key (lowercased), and how many listings hold it (0: a free id).
    keys: Vec<Box<str>>,
    df: Vec<u32>,
    free: Vec<u32>,
    /// Per listing key: its code ids, sorted (`None`: not indexed).
    of: Vec<Option<Box<[u32]>>>,
    /// Listings indexed.
    docs: usize,
}

/// The codes two listings share and what they are worth together.
pub(crate) struct Shared {
    /// `1 − e^(−Σ worth)`, in 0..1.
    pub(crate) value: f64,
    /// Code ids, the rarest first.
    pub(crate) ids: Vec<u32>,
}

impl CodeIndex {
    /// Sets the codes of `key` (replacing any it had).
    pub(crate) fn set(&mut self, key: u32, codes: &[Code]) {
        self.remove(key);
        let mut ids: Vec<u32> = codes.iter().take(KEPT).map(|code| self.intern(code)).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in &ids {
            self.df[*id as usize] += 1;
        }
        let slot = key as usize;
        if self.of.len() <= slot {
            self.of.resize(slot + 1, None);
        }
        self.of[slot] = Some(ids.into_boxed_slice());
        self.docs += 1;
    }

    /// Forgets the codes of `key`.
    pub(crate) fn remove(&mut self, key: u32) {
        let Some(ids) = self.of.get_mut(key as usize).and_then(Option::take) else { return };
        self.docs -= 1;
        for id in ids.iter() {
            let df = &mut self.df[*id as usize];
            *df -= 1;
            if *df == 0 {
                let key = std::mem::take(&mut self.keys[*id as usize]);
                self.ids.remove(&key);
                self.free.push(*id);
            }
        }
    }

    fn intern(&mut self, code: &Code) -> u32 {
        if let Some(id) = self.ids.get(code.key.as_str()) {
            return *id;
        }
        let id = match self.free.pop() {
            Some(id) => {
                self.keys[id as usize] = code.key.as_str().into();
                id
            }
            None => {
                self.keys.push(code.key.as_str().into());
                self.df.push(0);
                (self.keys.len() - 1) as u32
            }
        };
        self.ids.insert(code.key.as_str().into(), id);
        id
    }

    /// What one code held by `df` listings is worth.
    fn worth(&self, df: u32) -> f64 {
        let n = self.docs.max(2) as f64;
        ((n / f64::from(df.max(1))).ln() / n.ln()).clamp(0.0, 1.0)
    }

    /// The codes `a` and `b` share (`None` when they share none).
    pub(crate) fn shared(&self, a: u32, b: u32) -> Option<Shared> {
        let (Some(Some(x)), Some(Some(y))) = (self.of.get(a as usize), self.of.get(b as usize)) else { return None };
        let (mut i, mut j) = (0, 0);
        let mut ids = Vec::new();
        while i < x.len() && j < y.len() {
            match x[i].cmp(&y[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    ids.push(x[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
        if ids.is_empty() {
            return None;
        }
        ids.sort_by_key(|id| (self.df[*id as usize], *id));
        let sum: f64 = ids.iter().map(|id| self.worth(self.df[*id as usize])).sum();
        Some(Shared { value: 1.0 - (-sum).exp(), ids })
    }

    /// A code's key (lowercased; the query's own spelling is shown in reasons).
    pub(crate) fn key(&self, id: u32) -> &str {
        self.keys.get(id as usize).map_or("", |k| k)
    }

    /// Approximate bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        let names: usize = self.keys.iter().map(|k| k.len() * 2 + 48).sum();
        let lists: usize = self.of.iter().map(|l| 16 + l.as_ref().map_or(0, |l| l.len() * 4)).sum();
        names + self.df.len() * 4 + lists
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bridgehub_search::codes;

    #[test]
    fn rare_shared_codes_are_worth_more_and_removal_forgets_them() {
        let mut index = CodeIndex::default();
        index.set(0, &codes("需要ISM/ISPS体系和BIMCO SHIPMAN合同，面向ASEAN"));
        index.set(1, &codes("Nous assurons la certification ISM et ISPS des navires, sous contrats BIMCO SHIPMAN, en Asie et dans l'ASEAN"));
        index.set(2, &codes("Salon pour exportateurs de l'ASEAN"));
        for key in 3..20 {
            index.set(key, &codes(&format!("Offre {key} pour l'ASEAN")));
        }
        let rare = index.shared(0, 1).unwrap();
        let common = index.shared(0, 2).unwrap();
        assert!(rare.value > 0.9 && common.value < 0.2, "{} {}", rare.value, common.value);
        // The rarest first; ASEAN (in every listing) last.
        assert_eq!(index.key(*rare.ids.last().unwrap()), "asean");
        assert!(index.shared(2, 3).unwrap().value < 0.05);
        index.remove(1);
        assert!(index.shared(0, 1).is_none());
        // Codes no listing holds any more give their ids back.
        index.set(1, &codes("Model A320neo"));
        index.set(2, &codes("Model A320neo"));
        assert_eq!(index.key(index.shared(1, 2).unwrap().ids[0]), "a320neo");
        assert!(index.shared(0, 1).is_none());
        assert_eq!(index.ids.len(), index.df.iter().filter(|df| **df > 0).count());
        assert!(index.ids.iter().all(|(key, id)| index.key(*id) == &**key));
    }
}
