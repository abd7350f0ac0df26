//! The in-memory match index: every listing with its owner's country and languages, its
//! analysed terms in the lexical index and its embedding in the vector index. Updated one
//! listing at a time (from the change log); queries see changes after `commit`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bridgehub_domain::{CountryCode, Date, LangTag, Listing};
use bridgehub_search::{analyze, codes, dot, Code, LexicalIndex, SearchError, SearchKind, VectorIndex};

use crate::codes::CodeIndex;

use crate::language_sums::{centre_unit, LanguageSums, Means};
use crate::latent::LatentIndex;
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
    /// Its latent terms `(feature, weight)`, strongest first, when computed.
    pub latent: Option<Vec<(u16, f32)>>,
}

pub(crate) struct Entry {
    pub(crate) listing: Listing,
    /// Shared by the owner's listings (one copy of its id and languages per owner).
    pub(crate) owner: Arc<Owner>,
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
    /// Listings with latent terms.
    pub with_latent_terms: usize,
    /// Approximate bytes held by vectors, latent terms, entries, owners and the lexical
    /// index.
    pub memory_bytes: usize,
    /// How vector queries are answered at this size.
    pub vector_search: SearchKind,
}

/// The match index.
pub struct Engine {
    entries: Vec<Option<Entry>>,
    by_id: HashMap<String, u32>,
    free: Vec<u32>,
    lexical: LexicalIndex,
    vectors: VectorIndex,
    latent: LatentIndex,
    /// Names and codes of each listing (acronyms, model numbers, ...).
    codes: CodeIndex,
    /// One shared copy per owner.
    owners: HashMap<String, Arc<Owner>>,
    n_embeddings: usize,
    /// Sum of the embeddings of each listing language, and their number: the language's
    /// mean vector, removed before comparing texts across languages.
    language_sums: LanguageSums,
}

/// The names and codes of a listing's title and body.
pub(crate) fn listing_codes(listing: &Listing) -> Vec<Code> {
    codes(&format!("{}\n{}", listing.title, listing.body))
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
            latent: LatentIndex::new(),
            codes: CodeIndex::default(),
            owners: HashMap::new(),
            n_embeddings: 0,
            language_sums: LanguageSums::default(),
        })
    }

    /// Makes room for `listings` in all at once, for a build that knows its size (growing
    /// one listing at a time copies the vector buffer at each doubling, old and new both
    /// resident).
    pub fn reserve(&mut self, listings: usize) {
        let more = listings.saturating_sub(self.entries.len());
        self.entries.reserve_exact(more);
        self.by_id.reserve(more);
        self.vectors.reserve(listings);
        self.latent.expect(listings);
    }

    /// Adds or replaces a listing (searchable after [`Engine::commit`]).
    pub fn upsert(&mut self, item: IndexedListing) -> Result<(), MatchError> {
        let known = self.by_id.contains_key(item.listing.id.as_str());
        let key = self.key_for(item.listing.id.as_str());
        let terms = listing_terms(&item.listing);
        if known {
            self.lexical.upsert(key, &terms)?;
        } else {
            // A new id, or a freed key whose old document's delete is already queued.
            self.lexical.add(key, &terms)?;
        }
        self.forget_language_sums(key);
        self.codes.set(key, &listing_codes(&item.listing));
        if let Some(terms) = &item.latent {
            self.latent.set(key, item.listing.language.as_str(), terms);
        }
        let had_vector = self.vectors.contains(key);
        match &item.embedding {
            Some(vector) => {
                self.vectors.set(key, vector);
                // The language sums take the vector as stored (half precision), so that
                // forgetting it later subtracts exactly what was added.
                if let Some(stored) = self.vectors.get(key) {
                    self.add_language_vector(item.listing.language.as_str(), &stored, 1.0);
                }
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
        let owner = self.intern_owner(item.owner);
        self.entries[key as usize] = Some(Entry { listing: item.listing, owner });
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
            self.codes.remove(key);
            self.forget_language_sums(key);
            if self.vectors.contains(key) {
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
        let shared = Arc::new(owner.clone());
        let mut any = false;
        for entry in self.entries.iter_mut().flatten() {
            if entry.owner.id == owner.id {
                entry.owner = Arc::clone(&shared);
                any = true;
            }
        }
        if any {
            self.owners.insert(owner.id.clone(), shared);
        }
    }

    /// The shared copy of `owner` (a new one when its details changed).
    fn intern_owner(&mut self, owner: Owner) -> Arc<Owner> {
        match self.owners.get(&owner.id) {
            Some(shared) if **shared == owner => Arc::clone(shared),
            _ => {
                let shared = Arc::new(owner);
                self.owners.insert(shared.id.clone(), Arc::clone(&shared));
                shared
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
        self.owners.remove(owner_id);
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
            .map(|e| std::mem::size_of::<Entry>() + e.listing.title.len() + e.listing.body.len() + e.listing.id.as_str().len())
            .sum::<usize>()
            + self.owners.values().map(|o| std::mem::size_of::<Owner>() + o.id.len() + o.languages.len() * std::mem::size_of::<LangTag>()).sum::<usize>();
        EngineStats {
            listings: self.by_id.len(),
            with_embeddings: self.n_embeddings,
            with_latent_terms: self.latent.len(),
            memory_bytes: text_bytes + self.vectors.memory_bytes() + self.latent.memory_bytes() + self.codes.memory_bytes() + self.lexical.memory_bytes(),
            vector_search: self.vectors.search_kind(),
        }
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
        let query_vector = query_vector.as_deref();
        // The query's text without its language's background: what the vector retriever
        // asks for and what the semantic signal compares (see `similarities`).
        let mut language_means = self.language_sums.means(config.min_language_sample);
        let query_direction = query_vector.map(|v| centred_unit(v, language_means.of(q.listing.language.as_str()).as_deref()));
        let exhaustive = self.by_id.len() < config.exhaustive_below;
        // Lexical scores for the candidate pool (the query's terms are analysed here rather
        // than kept for every listing: a hundred short strings per listing was most of the
        // index's memory).
        let n_lexical = if exhaustive { self.by_id.len() } else { config.candidates };
        let lexical_hits =
            if matches!(config.mode, Mode::SemanticOnly | Mode::LatentOnly) { Vec::new() } else { self.lexical.search(&listing_terms(&q.listing), n_lexical.max(1))? };
        let lexical: HashMap<u32, f32> = lexical_hits.iter().filter(|(doc, _)| passes(*doc)).copied().collect();
        let max_lexical = lexical.values().copied().fold(0.0_f32, f32::max);
        // Candidate pool: every counterpart when small, else both retrievers' best.
        let pool: Vec<u32> = if exhaustive {
            self.by_id.values().copied().filter(|c| passes(*c)).collect()
        } else {
            let mut set: HashSet<u32> = lexical.keys().copied().collect();
            // Asked with the centred query: with the plain embedding, the nearest vectors
            // are mostly in the query's own language and a counterpart in another language
            // can miss the pool altogether (on match-dev, with pools the size they have at
            // 100,000 listings, recall@10 fell to 0.825; `eval match`'s retrieval row).
            if let Some(direction) = &query_direction {
                set.extend(self.vectors.top_k_centred(direction, config.candidates, passes).into_iter().map(|(doc, _)| doc));
            }
            set.into_iter().collect()
        };
        let similarities = match (query_vector, &query_direction) {
            (Some(vector), Some(direction)) => self.similarities(vector, direction, &mut language_means, &pool),
            _ => vec![None; pool.len()],
        };
        let semantic_values = scale_to_pool(&similarities.iter().map(|s| s.map(|(_, centred)| centred)).collect::<Vec<_>>());
        let latent = if config.mode == Mode::SemanticOnly || config.mode == Mode::LexicalOnly {
            vec![None; pool.len()]
        } else {
            let language_of = |c: u32| self.entries.get(c as usize).and_then(Option::as_ref).map(|e| e.listing.language.as_str());
            self.latent.similarities(key, q.listing.language.as_str(), &pool, language_of, config.min_language_sample)
        };
        let latent_values = scale_to_pool(&latent);
        // Without latent terms on the query's side (a hub without the sparse head), their
        // weight goes to the sentence vectors: the text keeps its share of the score against
        // the structural signals.
        let adjusted;
        let config = if config.mode == Mode::Full && !self.latent.contains(key) {
            adjusted = MatchConfig { semantic: config.semantic + config.latent, latent: 0.0, ..*config };
            &adjusted
        } else {
            config
        };
        let boost = match network {
            Some(network) if config.thin_tie_boost > 0.0 && config.mode == Mode::Full => Some(network),
            _ => None,
        };
        // Rank on numbers only; reasons and lines are written for the returned matches.
        let mut ranked: Vec<(f64, &Entry, score::Contributions)> = pool
            .iter()
            .zip(similarities.iter().zip(semantic_values))
            .zip(latent.iter().zip(latent_values))
            .filter_map(|((&candidate, (similarity, semantic_value)), (latent_cos, latent_value))| {
                let c = self.entries[candidate as usize].as_ref()?;
                let lexical = lexical.get(&candidate).map(|s| if max_lexical > 0.0 { f64::from(s / max_lexical) } else { 0.0 }).unwrap_or(0.0);
                let latent = latent_cos.zip(latent_value);
                let codes = if config.mode == Mode::Full { self.codes.shared(key, candidate) } else { None };
                let signals = Signals { semantic: similarity.map(|(cos, _)| cos), semantic_value, lexical, latent, codes };
                let parts = score::contributions(q, c, signals, config);
                let extra = boost
                    .and_then(|network| score::thin_tie_value(q.owner.country, c.owner.country, network, config.thin_tie_boost))
                    .map_or(0.0, |(_, _, contribution)| contribution);
                Some((parts.total + extra, c, parts))
            })
            .collect();
        let order = |a: &(f64, &Entry, score::Contributions), b: &(f64, &Entry, score::Contributions)| {
            b.0.total_cmp(&a.0).then_with(|| a.1.listing.id.as_str().cmp(b.1.listing.id.as_str()))
        };
        if ranked.len() > query.limit {
            ranked.select_nth_unstable_by(query.limit, order);
            ranked.truncate(query.limit);
        }
        ranked.sort_by(order);
        let spellings: score::Spellings = listing_codes(&q.listing).into_iter().map(|c| (c.key, c.display)).collect();
        let mut matches: Vec<Match> = ranked
            .into_iter()
            .map(|(_, c, parts)| {
                let mut m = score::explain(q, c, parts, config, &self.codes, &spellings);
                if let Some(network) = boost {
                    score::thin_tie_boost(&mut m, q.owner.country, c.owner.country, network, config.thin_tie_boost);
                }
                m
            })
            .collect();
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
        self.language_sums.add(language, vector.iter().enumerate().map(|(i, x)| (i, f64::from(*x))), sign);
    }

    /// Takes `key`'s vector and latent terms out of its language's sums (before the key is
    /// replaced or removed; the entry still holds the language they were added under).
    fn forget_language_sums(&mut self, key: u32) {
        let Some(language) = self.entries.get(key as usize).and_then(Option::as_ref).map(|e| e.listing.language.as_str().to_owned()) else {
            return;
        };
        if let Some(vector) = self.vectors.get(key) {
            self.add_language_vector(&language, &vector, -1.0);
        }
        self.latent.remove(key, &language);
    }

    /// Per pool candidate: the raw cosine with the query, and the cosine between the two
    /// language-centred embeddings. Multilingual models place texts of one language near
    /// each other whatever they say; removing each language's mean vector (estimated over
    /// every indexed listing of that language) leaves what the texts mean, so a better
    /// counterpart in another language can outrank a weaker one in the query's.
    ///
    /// With `q̂` the centred, normalised query (`direction`) and `m` the candidate
    /// language's mean, the centred cosine is `q̂·(c − m) / |c − m|`: one pass per
    /// candidate, no copies.
    fn similarities(&self, query_vector: &[f32], q_hat: &[f32], language_means: &mut Means<'_>, pool: &[u32]) -> Vec<Option<(f64, f64)>> {
        let mut means: HashMap<&str, Option<Vec<f32>>> = HashMap::new();
        let mut buffer = vec![0.0_f32; query_vector.len()];
        pool.iter()
            .map(|&candidate| {
                let entry = self.entries.get(candidate as usize)?.as_ref()?;
                if !self.vectors.read(candidate, &mut buffer) {
                    return None;
                }
                let vector = buffer.as_slice();
                let cos = f64::from(dot(query_vector, vector));
                let language = entry.listing.language.as_str();
                let mean = means.entry(language).or_insert_with(|| language_means.of(language).map(|mean| mean.iter().map(|x| *x as f32).collect()));
                let centred = match mean {
                    Some(mean) => {
                        // One pass over c − m in f64: the difference is taken before it is
                        // squared, so a candidate next to its language's mean gives a small
                        // norm, not a rounding error divided by one.
                        let (mut numerator, mut norm_sq) = (0.0_f64, 0.0_f64);
                        for ((c, m), q) in vector.iter().zip(mean.iter()).zip(q_hat) {
                            let d = f64::from(*c) - f64::from(*m);
                            numerator += f64::from(*q) * d;
                            norm_sq += d * d;
                        }
                        if norm_sq < 1e-12 { 0.0 } else { (numerator / norm_sq.sqrt()).clamp(-1.0, 1.0) }
                    }
                    None => (f64::from(dot(q_hat, vector)) / f64::from(dot(vector, vector)).sqrt().max(1e-12)).clamp(-1.0, 1.0),
                };
                Some((cos, centred))
            })
            .collect()
    }
}

/// `vector` minus `mean` (when given), scaled to unit length.
fn centred_unit(vector: &[f32], mean: Option<&[f64]>) -> Vec<f32> {
    let mut out: Vec<f64> = vector.iter().map(|x| f64::from(*x)).collect();
    centre_unit(&mut out, mean);
    out.iter().map(|x| *x as f32).collect()
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
