//! The in-memory match index: every listing with its owner's country and languages, its
//! analysed terms in the lexical index and its embedding in the vector index. Updated one
//! listing at a time (from the change log); queries see changes after `commit`.

use std::collections::{HashMap, HashSet};

use bridgehub_domain::{CountryCode, Date, LangTag, Listing};
use bridgehub_search::{analyze, dot, LexicalIndex, SearchError, VectorIndex};

use crate::network::Network;
use crate::rules;
use crate::score::{self, Match, MatchConfig, Mode, Signals};

/// Matching failures.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// The query listing is not in the index.
    #[error("listing \"{0}\" is not in the match index")]
    UnknownListing(String),
    /// The lexical index failed.
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// What the engine needs to know of a listing's owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    /// Organization id.
    pub id: String,
    /// Its country.
    pub country: CountryCode,
    /// Its working languages.
    pub languages: Vec<LangTag>,
}

/// A listing as fed to the engine.
#[derive(Debug, Clone)]
pub struct IndexedListing {
    /// The listing.
    pub listing: Listing,
    /// Its owner.
    pub owner: Owner,
    /// Its text embedding (L2-normalised), when computed.
    pub embedding: Option<Vec<f32>>,
}

pub(crate) struct Entry {
    pub(crate) listing: Listing,
    pub(crate) owner: Owner,
    pub(crate) terms: Vec<String>,
}

/// A match query.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// The listing to find counterparts for.
    pub listing_id: &'a str,
    /// The day expiry is judged against.
    pub today: Date,
    /// How many matches to return.
    pub limit: usize,
    /// Lift the target rules.
    pub relax: bool,
}

/// Size and memory of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineStats {
    /// Listings indexed.
    pub listings: usize,
    /// Listings with an embedding.
    pub with_embeddings: usize,
    /// Approximate bytes held by vectors and entries.
    pub memory_bytes: usize,
}

/// The match index.
pub struct Engine {
    entries: Vec<Option<Entry>>,
    by_id: HashMap<String, u32>,
    free: Vec<u32>,
    lexical: LexicalIndex,
    vectors: VectorIndex,
    n_embeddings: usize,
    /// Sum of the embeddings of each listing language, and their number: the language's
    /// mean vector, removed before comparing texts across languages.
    language_sums: HashMap<String, (Vec<f64>, usize)>,
}

/// The text a listing is matched on.
pub(crate) fn listing_terms(listing: &Listing) -> Vec<String> {
    let lang = listing.language.as_str();
    let mut terms = analyze(&listing.title, lang);
    // The title says what the listing is about: count it twice.
    terms.extend(terms.clone());
    terms.extend(analyze(&listing.body, lang));
    terms
}

impl Engine {
    /// An empty index for embeddings of `dim` dimensions.
    pub fn new(dim: usize) -> Result<Engine, MatchError> {
        Ok(Engine {
            entries: Vec::new(),
            by_id: HashMap::new(),
            free: Vec::new(),
            lexical: LexicalIndex::new()?,
            vectors: VectorIndex::new(dim),
            n_embeddings: 0,
            language_sums: HashMap::new(),
        })
    }

    /// Adds or replaces a listing (searchable after [`Engine::commit`]).
    pub fn upsert(&mut self, item: IndexedListing) -> Result<(), MatchError> {
        let key = self.key_for(item.listing.id.as_str());
        let terms = listing_terms(&item.listing);
        self.lexical.upsert(key, &terms)?;
        self.forget_language_vector(key);
        if let Some(vector) = &item.embedding {
            self.add_language_vector(item.listing.language.as_str(), vector, 1.0);
        }
        let had_vector = self.vectors.get(key).is_some();
        match &item.embedding {
            Some(vector) => {
                self.vectors.set(key, vector);
                if !had_vector {
                    self.n_embeddings += 1;
                }
            }
            None if had_vector => {
                self.vectors.remove(key);
                self.n_embeddings -= 1;
            }
            None => {}
        }
        self.entries[key as usize] = Some(Entry { listing: item.listing, owner: item.owner, terms });
        Ok(())
    }

    fn key_for(&mut self, id: &str) -> u32 {
        if let Some(key) = self.by_id.get(id) {
            return *key;
        }
        let key = self.free.pop().unwrap_or_else(|| {
            self.entries.push(None);
            (self.entries.len() - 1) as u32
        });
        self.by_id.insert(id.to_owned(), key);
        key
    }

    /// Removes a listing.
    pub fn remove(&mut self, id: &str) {
        if let Some(key) = self.by_id.remove(id) {
            self.lexical.remove(key);
            self.forget_language_vector(key);
            if self.vectors.get(key).is_some() {
                self.vectors.remove(key);
                self.n_embeddings -= 1;
            }
            self.entries[key as usize] = None;
            self.free.push(key);
        }
    }

    /// Updates the owner details of every listing of `owner.id` (a changed country or
    /// working languages changes which rules pass).
    pub fn update_owner(&mut self, owner: &Owner) {
        for entry in self.entries.iter_mut().flatten() {
            if entry.owner.id == owner.id {
                entry.owner = owner.clone();
            }
        }
    }

    /// Removes every listing of an organization.
    pub fn remove_owner(&mut self, owner_id: &str) {
        let ids: Vec<String> = self
            .entries
            .iter()
            .flatten()
            .filter(|e| e.owner.id == owner_id)
            .map(|e| e.listing.id.to_string())
            .collect();
        for id in ids {
            self.remove(&id);
        }
    }

    /// Makes every change so far visible to queries.
    pub fn commit(&mut self) -> Result<(), MatchError> {
        self.vectors.commit();
        Ok(self.lexical.commit()?)
    }

    /// Whether a listing is indexed.
    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Size and memory.
    pub fn stats(&self) -> EngineStats {
        let text_bytes: usize = self
            .entries
            .iter()
            .flatten()
            .map(|e| e.listing.title.len() + e.listing.body.len() + e.terms.iter().map(|t| t.len() + 24).sum::<usize>())
            .sum();
        EngineStats { listings: self.by_id.len(), with_embeddings: self.n_embeddings, memory_bytes: text_bytes + self.vectors.memory_bytes() }
    }

    /// The best counterparts of a listing, best first.
    pub fn matches(&self, query: &Query<'_>, config: &MatchConfig) -> Result<Vec<Match>, MatchError> {
        self.matches_with(query, config, None)
    }

    /// [`Engine::matches`] with what the tie network adds: the thin-tie boost (when
    /// `config.thin_tie_boost > 0`) before ranking, and a warm-introduction reason on the
    /// first `config.warm_intro_top` matches.
    pub fn matches_with(
        &self,
        query: &Query<'_>,
        config: &MatchConfig,
        network: Option<&dyn Network>,
    ) -> Result<Vec<Match>, MatchError> {
        let key = *self.by_id.get(query.listing_id).ok_or_else(|| MatchError::UnknownListing(query.listing_id.to_owned()))?;
        let Some(q) = self.entries[key as usize].as_ref() else {
            return Err(MatchError::UnknownListing(query.listing_id.to_owned()));
        };
        let passes = |candidate: u32| -> bool {
            match self.entries.get(candidate as usize).and_then(Option::as_ref) {
                Some(c) => rules::check(&q.listing, q.owner.country, &c.listing, c.owner.country, query.today, query.relax).is_ok(),
                None => false,
            }
        };
        let query_vector = self.vectors.get(key);
        // Lexical scores for the candidate pool.
        let n_lexical = if self.by_id.len() < config.exhaustive_below { self.by_id.len() } else { config.candidates };
        let lexical_hits = if config.mode == Mode::SemanticOnly { Vec::new() } else { self.lexical.search(&q.terms, n_lexical.max(1))? };
        let lexical: HashMap<u32, f32> = lexical_hits.iter().filter(|(doc, _)| passes(*doc)).copied().collect();
        let max_lexical = lexical.values().copied().fold(0.0_f32, f32::max);
        // Candidate pool: every counterpart when small, else both retrievers' best.
        let pool: Vec<u32> = if self.by_id.len() < config.exhaustive_below {
            self.by_id.values().copied().filter(|c| passes(*c)).collect()
        } else {
            let mut set: HashSet<u32> = lexical.keys().copied().collect();
            if let Some(vector) = query_vector {
                set.extend(self.vectors.top_k(vector, config.candidates, passes).into_iter().map(|(doc, _)| doc));
            }
            set.into_iter().collect()
        };
        let cosines: Vec<Option<f64>> = pool
            .iter()
            .map(|&candidate| match (query_vector, self.vectors.get(candidate)) {
                (Some(a), Some(b)) => Some(f64::from(dot(a, b))),
                _ => None,
            })
            .collect();
        let centred = self.language_centred_cosines(q, query_vector, &pool, config);
        let semantic_values = scale_to_pool(&centred);
        let mut matches: Vec<Match> = pool
            .iter()
            .zip(cosines.iter().zip(semantic_values))
            .filter_map(|(&candidate, (&semantic, semantic_value))| {
                let c = self.entries[candidate as usize].as_ref()?;
                let lexical = lexical.get(&candidate).map(|s| if max_lexical > 0.0 { f64::from(s / max_lexical) } else { 0.0 }).unwrap_or(0.0);
                Some(score::score(q, c, &Signals { semantic, semantic_value, lexical }, config, c.listing.id.as_str()))
            })
            .collect();
        if let Some(network) = network
            && config.thin_tie_boost > 0.0
            && config.mode == Mode::Full
        {
            for m in &mut matches {
                if let Some(c) = self.by_id.get(&m.listing_id).and_then(|k| self.entries[*k as usize].as_ref()) {
                    score::thin_tie_boost(m, q.owner.country, c.owner.country, network, config.thin_tie_boost);
                }
            }
        }
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.listing_id.cmp(&b.listing_id)));
        matches.truncate(query.limit);
        if let Some(network) = network {
            for m in matches.iter_mut().take(config.warm_intro_top) {
                score::warm_introduction(m, &q.owner.id, network);
            }
        }
        Ok(matches)
    }
}

impl Engine {
    fn add_language_vector(&mut self, language: &str, vector: &[f32], sign: f64) {
        let slot = self.language_sums.entry(language.to_owned()).or_insert_with(|| (vec![0.0; vector.len()], 0));
        if slot.0.len() != vector.len() {
            return;
        }
        for (sum, x) in slot.0.iter_mut().zip(vector) {
            *sum += sign * f64::from(*x);
        }
        if sign > 0.0 {
            slot.1 += 1;
        } else {
            slot.1 = slot.1.saturating_sub(1);
        }
    }

    fn forget_language_vector(&mut self, key: u32) {
        let old = match (self.entries.get(key as usize).and_then(Option::as_ref), self.vectors.get(key)) {
            (Some(entry), Some(vector)) => Some((entry.listing.language.as_str().to_owned(), vector.to_vec())),
            _ => None,
        };
        if let Some((language, vector)) = old {
            self.add_language_vector(&language, &vector, -1.0);
        }
    }

    /// The mean embedding of a language (of all listings when it has too few).
    fn language_mean(&self, language: &str, config: &MatchConfig) -> Option<Vec<f64>> {
        let (sum, n) = match self.language_sums.get(language) {
            Some((sum, n)) if *n >= config.min_language_sample => (sum.clone(), *n),
            _ => {
                let mut total: Option<(Vec<f64>, usize)> = None;
                for (sum, n) in self.language_sums.values() {
                    let slot = total.get_or_insert_with(|| (vec![0.0; sum.len()], 0));
                    for (a, b) in slot.0.iter_mut().zip(sum) {
                        *a += b;
                    }
                    slot.1 += n;
                }
                total?
            }
        };
        (n > 0).then(|| sum.iter().map(|x| x / n as f64).collect())
    }

    /// Cosines between language-centred embeddings. Multilingual models place texts of one
    /// language near each other whatever they say; removing each language's mean vector
    /// (estimated over every indexed listing of that language) leaves what the texts mean,
    /// so a better counterpart in another language can outrank a weaker one in the query's.
    fn language_centred_cosines(&self, q: &Entry, query_vector: Option<&[f32]>, pool: &[u32], config: &MatchConfig) -> Vec<Option<f64>> {
        let Some(query_vector) = query_vector else { return vec![None; pool.len()] };
        let mut means: HashMap<String, Option<Vec<f64>>> = HashMap::new();
        let mut centred = |language: &str, vector: &[f32]| -> Vec<f64> {
            let mean = means.entry(language.to_owned()).or_insert_with(|| self.language_mean(language, config)).clone();
            let mut out: Vec<f64> = match mean {
                Some(mean) => vector.iter().zip(&mean).map(|(x, m)| f64::from(*x) - m).collect(),
                None => vector.iter().map(|x| f64::from(*x)).collect(),
            };
            let norm = out.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
            out.iter_mut().for_each(|x| *x /= norm);
            out
        };
        let q_centred = centred(q.listing.language.as_str(), query_vector);
        pool.iter()
            .map(|&candidate| {
                let entry = self.entries.get(candidate as usize)?.as_ref()?;
                let vector = self.vectors.get(candidate)?;
                let c = centred(entry.listing.language.as_str(), vector);
                Some(q_centred.iter().zip(&c).map(|(a, b)| a * b).sum())
            })
            .collect()
    }
}

/// Scales values so that the pool's mean maps to 0 and its best to 1 (clamped below 0).
fn scale_to_pool(values: &[Option<f64>]) -> Vec<Option<f64>> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    if present.is_empty() {
        return vec![None; values.len()];
    }
    let mean = present.iter().sum::<f64>() / present.len() as f64;
    let best = present.iter().copied().fold(f64::MIN, f64::max);
    let span = (best - mean).max(1e-9);
    values.iter().map(|v| v.map(|v| ((v - mean) / span).clamp(0.0, 1.0))).collect()
}

#[cfg(test)]
mod tests;
