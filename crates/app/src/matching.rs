//! Matching use cases: the match index built from the store, kept current from the change
//! log, queried by listing or by organization; and the evaluation on a gold set.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock};

use bridgehub_domain::Organization;
use bridgehub_matching::{Engine, IndexedListing, Match, MatchConfig, Mode, Owner, Query};
use bridgehub_store::{Change, ExportItem};

use crate::{AppError, AppResult, ChangeListener, Hub, ImportOptions, ImportSource, Progress, TextVectors};

/// Dimension of the stored text embeddings (multilingual-e5-small).
pub const EMBEDDING_DIM: usize = 384;

fn owner_of(org: &Organization) -> Owner {
    Owner { id: org.id.to_string(), country: org.country, languages: org.languages.clone() }
}

/// The text a listing is embedded as: title and body (the embedder adds e5's "query: "
/// prefix, the convention for symmetric matching).
pub fn embedding_text(listing: &bridgehub_domain::Listing) -> String {
    format!("{}\n{}", listing.title, listing.body)
}

fn text_hash(text: &str) -> String {
    format!("{:016x}", bridgehub_domain::fnv1a(text))
}

const EMBED_BATCH: usize = 16;

impl Hub {
    /// The embeddings of `listings` (stored ones reused when their text is unchanged, the
    /// rest computed and stored), or `None` for every listing when no embedder is loaded.
    pub(crate) fn embeddings_for(
        &self,
        listings: &[&bridgehub_domain::Listing],
        progress: &dyn Progress,
    ) -> AppResult<Vec<Option<TextVectors>>> {
        let mut out = self.stored_embeddings(listings)?;
        self.embed_missing(listings, &mut out, progress)?;
        Ok(out)
    }

    /// Computes (and stores) the embeddings `out` lacks for `listings`; nothing when no
    /// embedder is loaded.
    fn embed_missing(
        &self,
        listings: &[&bridgehub_domain::Listing],
        out: &mut [Option<TextVectors>],
        progress: &dyn Progress,
    ) -> AppResult<()> {
        let Some(embedder) = &self.embedder else {
            return Ok(());
        };
        let missing: Vec<usize> = out.iter().enumerate().filter(|(_, v)| v.is_none()).map(|(i, _)| i).collect();
        if !missing.is_empty() {
            let model = embedder.model_id().to_owned();
            progress.phase("embedding listings", Some(missing.len() as u64));
            let mut done = 0u64;
            for batch in missing.chunks(EMBED_BATCH) {
                let batch_texts: Vec<String> = batch.iter().map(|&i| embedding_text(listings[i])).collect();
                let refs: Vec<&str> = batch_texts.iter().map(String::as_str).collect();
                let vectors = embedder.embed_with_latent(&refs).map_err(|e| AppError::Io(format!("embedding failed: {e}")))?;
                let rows: Vec<bridgehub_store::StoredEmbedding> = batch
                    .iter()
                    .zip(&batch_texts)
                    .zip(vectors)
                    .map(|((&i, text), v)| bridgehub_store::StoredEmbedding {
                        listing_id: listings[i].id.to_string(),
                        text_hash: text_hash(text),
                        vector: v.vector,
                        latent: v.latent,
                    })
                    .collect();
                self.store.put_embeddings(&model, &rows)?;
                for (&i, row) in batch.iter().zip(rows) {
                    out[i] = Some(TextVectors { vector: row.vector, latent: row.latent });
                }
                done += batch.len() as u64;
                progress.position(done);
            }
            progress.finish();
        }
        Ok(())
    }

    /// The stored embeddings of `listings` whose text has not changed since (`None` for
    /// the rest, for those stored without latent terms when the embedder now has its sparse
    /// head, and for every listing when no embedder is loaded). Nothing is computed.
    fn stored_embeddings(&self, listings: &[&bridgehub_domain::Listing]) -> AppResult<Vec<Option<TextVectors>>> {
        let Some(embedder) = &self.embedder else {
            return Ok(vec![None; listings.len()]);
        };
        let model = embedder.model_id();
        let needs_latent = embedder.has_latent();
        let mut out: Vec<Option<TextVectors>> = vec![None; listings.len()];
        for (chunk_index, chunk) in listings.chunks(STORED_CHUNK).enumerate() {
            let ids: Vec<&str> = chunk.iter().map(|l| l.id.as_str()).collect();
            let mut stored: HashMap<String, bridgehub_store::StoredEmbedding> =
                self.store.embeddings(model, &ids)?.into_iter().map(|e| (e.listing_id.clone(), e)).collect();
            for (offset, listing) in chunk.iter().enumerate() {
                if let Some(e) = stored.remove(listing.id.as_str())
                    && e.vector.len() == embedder.dim()
                    && e.text_hash == text_hash(&embedding_text(listing))
                    && (e.latent.is_some() || !needs_latent)
                {
                    out[chunk_index * STORED_CHUNK + offset] = Some(TextVectors { vector: e.vector, latent: e.latent });
                }
            }
        }
        Ok(out)
    }
}

/// The vector and the latent terms apart, as the engine takes them.
fn split(v: Option<TextVectors>) -> (Option<Vec<f32>>, Option<Vec<(u16, f32)>>) {
    match v {
        Some(TextVectors { vector, latent }) => (Some(vector), latent),
        None => (None, None),
    }
}

/// Listings whose stored embeddings are read in one go.
const STORED_CHUNK: usize = 2_000;

fn engine_error(err: bridgehub_matching::MatchError) -> AppError {
    match err {
        bridgehub_matching::MatchError::UnknownListing(id) => AppError::NotFound { kind: "listing", id },
        other => AppError::Io(format!("match index: {other}")),
    }
}

/// The match index of one node, shared by its request handlers.
pub struct Matcher {
    hub: Hub,
    engine: RwLock<Engine>,
    owners: RwLock<HashMap<String, Owner>>,
    /// The node's tie network: thin-tie boost and warm introductions (issue #7).
    network: RwLock<Option<Arc<crate::analytics::TieNetwork>>>,
}

impl Matcher {
    /// The best counterparts of a listing.
    pub fn matches(&self, listing_id: &str, limit: usize, relax: bool, mode: Mode) -> AppResult<Vec<Match>> {
        self.run(listing_id, limit, relax, mode, None)
    }

    /// [`Matcher::matches`] with the candidate pool taken from the retrievers, `candidates`
    /// from each, whatever the index's size (as above 20,000 listings): how the evaluation
    /// measures retrieval on a small set.
    pub fn matches_retrieved(&self, listing_id: &str, limit: usize, relax: bool, mode: Mode, candidates: usize) -> AppResult<Vec<Match>> {
        self.run(listing_id, limit, relax, mode, Some(candidates))
    }

    fn run(&self, listing_id: &str, limit: usize, relax: bool, mode: Mode, retrieved: Option<usize>) -> AppResult<Vec<Match>> {
        let network = self.network.read().ok().and_then(|n| n.clone());
        let thin_tie_boost = network.as_ref().map(|n| n.settings().thin_tie_boost).unwrap_or(0.0);
        let mut config = MatchConfig { mode, thin_tie_boost, ..MatchConfig::default() };
        if let Some(candidates) = retrieved {
            config.candidates = candidates.max(1);
            config.exhaustive_below = 0;
        }
        let query = Query { listing_id, today: crate::today(), limit, relax };
        let engine = self.engine.read().map_err(|_| AppError::Io("match index lock poisoned".into()))?;
        let network = network.as_deref().map(|n| n as &dyn bridgehub_matching::Network);
        engine.matches_with(&query, &config, network).map_err(engine_error)
    }

    /// Lets matching use the node's tie network: the thin-tie boost (when the network's
    /// settings turn it on) and "warm introduction available via X".
    pub fn set_network(&self, network: Arc<crate::analytics::TieNetwork>) {
        if let Ok(mut slot) = self.network.write() {
            *slot = Some(network);
        }
    }

    /// Listings recommended to an organization (the best counterparts of each of its live
    /// listings, each counterpart once with its best score), and the organizations behind
    /// them ranked by their best listing.
    pub fn for_organization(&self, org_id: &str, limit: usize) -> AppResult<(Vec<Match>, Vec<(String, f64)>)> {
        self.hub.organization(org_id)?;
        let own: Vec<String> = self
            .hub
            .list_listings(&crate::ListingFilter { owner: Some(org_id.to_owned()), limit: Some(crate::MAX_LIMIT), ..Default::default() })?
            .items
            .into_iter()
            .map(|l| l.record.id.to_string())
            .collect();
        let mut best: BTreeMap<String, Match> = BTreeMap::new();
        for listing_id in own {
            for m in self.matches(&listing_id, limit, false, Mode::Full)? {
                let keep = best.get(&m.listing_id).is_none_or(|b| b.score < m.score);
                if keep {
                    best.insert(m.listing_id.clone(), m);
                }
            }
        }
        let mut listings: Vec<Match> = best.into_values().collect();
        listings.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.listing_id.cmp(&b.listing_id)));
        let mut orgs: BTreeMap<String, f64> = BTreeMap::new();
        for m in &listings {
            let entry = orgs.entry(m.organization_id.clone()).or_insert(f64::MIN);
            *entry = entry.max(m.score);
        }
        let mut orgs: Vec<(String, f64)> = orgs.into_iter().collect();
        orgs.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        listings.truncate(limit);
        orgs.truncate(limit);
        Ok((listings, orgs))
    }

    /// Listings indexed and memory held.
    pub fn stats(&self) -> bridgehub_matching::EngineStats {
        self.engine.read().map(|e| e.stats()).unwrap_or(bridgehub_matching::EngineStats {
            listings: 0,
            with_embeddings: 0,
            with_latent_terms: 0,
            memory_bytes: 0,
            vector_search: bridgehub_search::SearchKind::Exact,
        })
    }

    fn refresh(&self, changes: &[Change]) -> AppResult<()> {
        let mut engine = self.engine.write().map_err(|_| AppError::Io("match index lock poisoned".into()))?;
        for change in changes {
            match (change.entity.as_str(), change.op.as_str()) {
                ("organization", "delete") => {
                    engine.remove_owner(&change.id);
                    if let Ok(mut owners) = self.owners.write() {
                        owners.remove(&change.id);
                    }
                }
                ("organization", _) => {
                    if let Some(org) = self.hub.store.organization(&change.id)? {
                        let owner = owner_of(&org.record);
                        engine.update_owner(&owner);
                        if let Ok(mut owners) = self.owners.write() {
                            owners.insert(owner.id.clone(), owner);
                        }
                    }
                }
                ("listing", "delete") => engine.remove(&change.id),
                ("listing", _) => match self.hub.store.listing(&change.id)? {
                    Some(listing) => {
                        let owner = self.owner(listing.record.owner.as_str())?;
                        if let Some(owner) = owner {
                            let embedding = self.hub.embeddings_for(&[&listing.record], &crate::NoProgress)?.pop().flatten();
                            let (embedding, latent) = split(embedding);
                            engine.upsert(IndexedListing { listing: listing.record, owner, embedding, latent }).map_err(engine_error)?;
                        }
                    }
                    None => engine.remove(&change.id),
                },
                _ => {}
            }
        }
        engine.commit().map_err(engine_error)
    }

    fn owner(&self, id: &str) -> AppResult<Option<Owner>> {
        if let Some(owner) = self.owners.read().ok().and_then(|o| o.get(id).cloned()) {
            return Ok(Some(owner));
        }
        let owner = self.hub.store.organization(id)?.map(|org| owner_of(&org.record));
        if let (Some(owner), Ok(mut owners)) = (&owner, self.owners.write()) {
            owners.insert(owner.id.clone(), owner.clone());
        }
        Ok(owner)
    }
}

impl ChangeListener for Matcher {
    fn apply(&self, changes: &[Change]) {
        if let Err(err) = self.refresh(changes) {
            tracing::error!(error = %err, "match index could not apply changes");
        }
    }
}

impl Hub {
    /// Builds the match index from every stored listing.
    pub fn build_matcher(&self, progress: &dyn Progress) -> AppResult<Arc<Matcher>> {
        let mut engine = Engine::new(EMBEDDING_DIM).map_err(engine_error)?;
        let mut owners: HashMap<String, Owner> = HashMap::new();
        let total = self.store.counts()?.listings;
        progress.phase("building the match index", Some(total));
        // Read in chunks that are dropped once indexed, so that the listings read but not yet
        // indexed are all that is held twice.
        let mut chunks: Vec<Vec<bridgehub_domain::Listing>> = Vec::new();
        self.store.for_each_record(&mut |item| {
            match item {
                ExportItem::Organization(org) => {
                    owners.insert(org.id.to_string(), owner_of(&org));
                }
                ExportItem::Listing(listing) => match chunks.last_mut() {
                    Some(chunk) if chunk.len() < STORED_CHUNK => chunk.push(listing),
                    _ => {
                        let mut chunk = Vec::with_capacity(STORED_CHUNK);
                        chunk.push(listing);
                        chunks.push(chunk);
                    }
                },
                _ => {}
            }
            Ok(())
        })?;
        progress.finish();
        // Listings go into the index a chunk at a time with their stored vectors, so that
        // at no point are all vectors held twice; those without a current stored vector
        // are embedded (and stored) at the end.
        progress.phase("indexing listings", Some(total));
        engine.reserve(usize::try_from(total).unwrap_or(0));
        let mut unembedded: Vec<(bridgehub_domain::Listing, Owner)> = Vec::new();
        let mut done = 0u64;
        chunks.reverse();
        while let Some(chunk) = chunks.pop() {
            let refs: Vec<&bridgehub_domain::Listing> = chunk.iter().collect();
            let stored = self.stored_embeddings(&refs)?;
            for (listing, embedding) in chunk.into_iter().zip(stored) {
                let Some(owner) = owners.get(listing.owner.as_str()) else { continue };
                match embedding {
                    None if self.embedder.is_some() => unembedded.push((listing, owner.clone())),
                    embedding => {
                        let (embedding, latent) = split(embedding);
                        engine.upsert(IndexedListing { listing, owner: owner.clone(), embedding, latent }).map_err(engine_error)?
                    }
                }
            }
            done += STORED_CHUNK as u64;
            progress.position(done.min(total));
            // Committing now and then lets the lexical index flush what it buffered.
            if done % (STORED_CHUNK as u64 * 10) == 0 {
                engine.commit().map_err(engine_error)?;
            }
        }
        progress.finish();
        if !unembedded.is_empty() {
            // The chunk loop already found no current stored vector for these.
            let refs: Vec<&bridgehub_domain::Listing> = unembedded.iter().map(|(l, _)| l).collect();
            let mut embeddings = vec![None; refs.len()];
            self.embed_missing(&refs, &mut embeddings, progress)?;
            for ((listing, owner), embedding) in unembedded.into_iter().zip(embeddings) {
                let (embedding, latent) = split(embedding);
                engine.upsert(IndexedListing { listing, owner, embedding, latent }).map_err(engine_error)?;
            }
        }
        progress.phase("committing the match index", None);
        engine.commit().map_err(engine_error)?;
        progress.finish();
        Ok(Arc::new(Matcher { hub: self.clone(), engine: RwLock::new(engine), owners: RwLock::new(owners), network: RwLock::new(None) }))
    }
}

/// Recall and rank figures of one engine configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalFigures {
    /// Queries evaluated.
    pub queries: usize,
    /// Share of queries whose gold is first.
    pub recall_at_1: f64,
    /// Share of queries whose gold is in the first ten.
    pub recall_at_10: f64,
    /// Mean reciprocal rank of the gold (0 when not returned).
    pub mrr: f64,
}

/// Evaluation of full engine and baselines, overall and by language pair.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    /// Per configuration (`full`, `retrieval`, `lexical`, `semantic`, `latent`): overall
    /// figures.
    pub overall: BTreeMap<String, EvalFigures>,
    /// Per configuration and language pair (`zh-Hans->vi`).
    pub by_pair: BTreeMap<String, BTreeMap<String, EvalFigures>>,
    /// Per configuration: same-language and cross-language pairs.
    pub by_crossing: BTreeMap<String, BTreeMap<String, EvalFigures>>,
    /// Candidates per retriever in the `retrieval` configuration.
    pub retrieval_pool: usize,
}

fn figures(ranks: &[Option<usize>]) -> EvalFigures {
    let n = ranks.len().max(1) as f64;
    EvalFigures {
        queries: ranks.len(),
        recall_at_1: ranks.iter().filter(|r| **r == Some(1)).count() as f64 / n,
        recall_at_10: ranks.iter().filter(|r| r.is_some_and(|r| r <= 10)).count() as f64 / n,
        mrr: ranks.iter().map(|r| r.map(|r| 1.0 / r as f64).unwrap_or(0.0)).sum::<f64>() / n,
    }
}

/// Candidates per retriever for the evaluation's retrieval row: the share of `listings`
/// that the engine's 300 per retriever are of 100,000 listings, at least 5.
fn scaled_pool(listings: usize) -> usize {
    let default = MatchConfig::default().candidates;
    (default * listings).div_ceil(100_000).max(5)
}

/// Imports every `*.jsonl` of `dir` into a fresh database in `work_dir`, ranks all offers
/// for every query of `dir/gold.tsv` and measures where the gold lands.
pub fn evaluate_matching(
    dir: &Path,
    work_dir: &Path,
    embedder: Option<Arc<dyn crate::TextEmbedder>>,
    retrieval_pool: Option<usize>,
    progress: &dyn Progress,
) -> AppResult<EvalReport> {
    // A kept work folder keeps its database: the import is idempotent and stored
    // embeddings of unchanged texts are reused.
    let db = work_dir.join("eval.db");
    let mut hub = Hub::open(&db.display().to_string())?;
    if let Some(embedder) = embedder {
        hub = hub.with_embedder(embedder);
    }
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| AppError::Io(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let sources: Vec<ImportSource> = files.iter().map(ImportSource::new).collect();
    hub.import(&sources, ImportOptions::default(), progress)?;
    let gold_path = dir.join("gold.tsv");
    let gold_text = std::fs::read_to_string(&gold_path).map_err(|e| AppError::Io(format!("cannot read {}: {e}", gold_path.display())))?;
    let gold: Vec<(String, String, String)> = gold_text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.len() >= 2).then(|| (cols[0].to_owned(), cols[1].to_owned(), cols.get(2).copied().unwrap_or("").to_owned()))
        })
        .collect();
    let matcher = hub.build_matcher(progress)?;
    // The full engine as a node runs it: with the tie network (its thin-tie boost is off
    // unless BRIDGEHUB_THIN_TIE_BOOST turns it on).
    matcher.set_network(hub.build_tie_network(crate::analytics::AnalyticsSettings::from_env()?, progress)?);
    // The retrieval row: the full engine with its pool from the retrievers, each asked for
    // the share of the index they see at 100,000 listings (300 each), at least 5.
    let retrieval_pool = retrieval_pool.unwrap_or_else(|| scaled_pool(matcher.stats().listings));
    let mut report = EvalReport { retrieval_pool, ..EvalReport::default() };
    for (name, mode, retrieved) in [
        ("full", Mode::Full, None),
        ("retrieval", Mode::Full, Some(retrieval_pool)),
        ("lexical", Mode::LexicalOnly, None),
        ("semantic", Mode::SemanticOnly, None),
        ("latent", Mode::LatentOnly, None),
    ] {
        let mut all = Vec::new();
        let mut pairs: BTreeMap<String, Vec<Option<usize>>> = BTreeMap::new();
        let mut crossing: BTreeMap<String, Vec<Option<usize>>> = BTreeMap::new();
        for (query, gold_id, note) in &gold {
            let matches = match retrieved {
                Some(candidates) => matcher.matches_retrieved(query, 100_000, false, mode, candidates)?,
                None => matcher.matches(query, 100_000, false, mode)?,
            };
            let rank = matches.iter().position(|m| &m.listing_id == gold_id).map(|p| p + 1);
            all.push(rank);
            pairs.entry(note.clone()).or_default().push(rank);
            let same = note.split("->").collect::<Vec<_>>();
            let key = if same.len() == 2 && same[0] == same[1] { "same-language" } else { "cross-language" };
            crossing.entry(key.to_owned()).or_default().push(rank);
        }
        report.overall.insert(name.into(), figures(&all));
        report.by_pair.insert(name.into(), pairs.iter().map(|(k, v)| (k.clone(), figures(v))).collect());
        report.by_crossing.insert(name.into(), crossing.iter().map(|(k, v)| (k.clone(), figures(v))).collect());
    }
    Ok(report)
}
