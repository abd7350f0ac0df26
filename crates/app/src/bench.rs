//! Benchmark workloads: synthetic records for `bridgehub bench import` (valid
//! exchange-format JSON Lines with realistic field sizes and a fixed mix of types), and the
//! match and vector-index benchmarks (`bench match`, `bench vectors`), which re-use the real
//! stored embeddings of a base hub.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use bridgehub_domain::{reference, Category, EntityId, Listing, OrgKind, Organization, Sector};
use bridgehub_exchange::{write_jsonl, ContactRecord, ListingRecord, OrganizationRecord, PersonRecord, Record, TieRecord};
use bridgehub_search::VectorIndex;
use bridgehub_store::{ExportItem, ImportBatch, StoredEmbedding};
use serde_json::{json, Value};

use crate::{AppError, AppResult, Hub, MatchMode, NoProgress, TextEmbedder, EMBEDDING_DIM, MODEL_ID};

/// How many records of each type were generated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GeneratedCounts {
    /// Organizations (20 %).
    pub organizations: u64,
    /// People (10 %).
    pub people: u64,
    /// Listings (40 %).
    pub listings: u64,
    /// Ties (30 %).
    pub ties: u64,
}

const WORDS: &[&str] = &[
    "cold", "chain", "logistics", "partner", "distributor", "investment", "research", "exchange", "programme",
    "halal", "certification", "solar", "port", "warehouse", "durian", "export", "import", "fintech", "university",
    "冷链", "物流", "合作", "投资", "ลงทุน", "โลจิสติกส์", "kerjasama", "pelaburan", "استثمار", "شراكة", "vận chuyển",
];

fn sentence(rng: &mut fastrand::Rng, n_words: usize) -> String {
    (0..n_words).map(|_| *rng.choice(WORDS).unwrap_or(&"trade")).collect::<Vec<_>>().join(" ")
}

/// Writes `n` records: organizations first, then people, listings and ties that refer to them.
pub fn generate_records(n: u64, seed: u64, out: &mut dyn Write) -> std::io::Result<GeneratedCounts> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let countries: Vec<&str> = reference::reference().countries().iter().filter(|c| !c.region.is_empty()).map(|c| c.code.as_str()).collect();
    let n_orgs = (n / 5).max(2);
    let n_people = n / 10;
    let n_ties = n * 3 / 10;
    let n_listings = n.saturating_sub(n_orgs + n_people + n_ties);
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    for idx in 0..n_orgs {
        let country = *rng.choice(&countries).unwrap_or(&"SG");
        let record = OrganizationRecord {
            id: format!("bo-{idx:07}"),
            name: format!("Bench Organization {idx} {}", sentence(&mut rng, 2)),
            names: Default::default(),
            kind: rng.choice(OrgKind::ALL).map(|k| k.code()).unwrap_or("enterprise").into(),
            country: country.into(),
            city: Some("Metropolis".into()),
            sectors: vec![rng.choice(Sector::ALL).map(|s| s.code()).unwrap_or("trade").into()],
            languages: vec!["en".into()],
            description: Some(sentence(&mut rng, 20)),
            website: Some(format!("https://bo-{idx}.example")),
            contact: Some(ContactRecord { email: Some(format!("info@bo-{idx}.example")), phone: Some("+65 6000 0000".into()) }),
            verified: false,
        };
        write_jsonl(&mut out, &Record::Organization(record))?;
    }
    for idx in 0..n_people {
        let record = PersonRecord {
            id: format!("bp-{idx:07}"),
            name: format!("Bench Person {idx}"),
            names: Default::default(),
            affiliation: Some(format!("bo-{:07}", rng.u64(..n_orgs))),
            title: Some("Director".into()),
            country: Some(rng.choice(&countries).copied().unwrap_or("SG").into()),
            expertise: vec![sentence(&mut rng, 2)],
            sectors: vec![],
            languages: vec!["en".into()],
            bio: None,
            contact: Some(ContactRecord { email: Some(format!("p{idx}@bench.example")), phone: None }),
        };
        write_jsonl(&mut out, &Record::Person(record))?;
    }
    for idx in 0..n_listings {
        let record = ListingRecord {
            id: format!("bl-{idx:07}"),
            owner: format!("bo-{:07}", rng.u64(..n_orgs)),
            direction: if rng.bool() { "offer" } else { "seek" }.into(),
            category: rng.choice(Category::ALL).map(|c| c.code()).unwrap_or("other").into(),
            title: sentence(&mut rng, 6),
            body: sentence(&mut rng, 40),
            language: "en".into(),
            sectors: vec![rng.choice(Sector::ALL).map(|s| s.code()).unwrap_or("trade").into()],
            target_countries: if rng.u8(..4) == 0 { vec![rng.choice(&countries).copied().unwrap_or("VN").into()] } else { vec![] },
            target_groups: if rng.u8(..4) == 0 { vec!["asean".into()] } else { vec![] },
            expires: if rng.bool() { Some("2027-06-30".into()) } else { None },
            status: "active".into(),
        };
        write_jsonl(&mut out, &Record::Listing(record))?;
    }
    for idx in 0..n_ties {
        let from = rng.u64(..n_orgs);
        let to = (from + 1 + rng.u64(..n_orgs - 1)) % n_orgs;
        let record = TieRecord {
            id: format!("bt-{idx:07}"),
            from: format!("bo-{from:07}"),
            to: format!("bo-{to:07}"),
            kind: "met".into(),
            date: format!("{}-{:02}-15", 2015 + rng.u16(..11), 1 + rng.u8(..12)),
            source: Some("bench".into()),
            evidence: None,
        };
        write_jsonl(&mut out, &Record::Tie(record))?;
    }
    out.flush()?;
    Ok(GeneratedCounts { organizations: n_orgs, people: n_people, listings: n_listings, ties: n_ties })
}

// ---------------------------------------------------------------------------------------
// Match and vector benchmarks (`bridgehub bench match`, `bridgehub bench vectors`).
// ---------------------------------------------------------------------------------------


/// Options of [`match_bench`].
#[derive(Debug, Clone)]
pub struct MatchBenchOptions {
    /// Listings to generate.
    pub listings: usize,
    /// Match queries to time.
    pub queries: usize,
    /// Results per query.
    pub limit: usize,
    /// Seed of the generator and of the query choice.
    pub seed: u64,
}

/// Options of [`vector_bench`].
#[derive(Debug, Clone)]
pub struct VectorBenchOptions {
    /// Vectors to index.
    pub vectors: usize,
    /// Queries to time.
    pub queries: usize,
    /// Seed.
    pub seed: u64,
    /// Build the HNSW graph (false: time the exact scan alone).
    pub graph: bool,
}

/// Serves stored vectors only: the benchmark stores every vector before building, so
/// nothing is embedded while it is timed (a text without a stored vector is an error).
struct StoredVectorsOnly;

impl TextEmbedder for StoredVectorsOnly {
    fn model_id(&self) -> &str {
        MODEL_ID
    }
    fn dim(&self) -> usize {
        EMBEDDING_DIM
    }
    fn embed(&self, _texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        Err("the benchmark embeds nothing: every vector must be stored beforehand".into())
    }
}

/// Real listings and their real stored embeddings, read from a hub (e.g. the demo hub
/// after `serve --demo` embedded it).
struct Base {
    listings: Vec<Listing>,
    vectors: Vec<Vec<f32>>,
    /// Latent terms stored with each vector (when the base was embedded with the sparse head).
    latents: Vec<Option<Vec<(u16, f32)>>>,
    owners: HashMap<String, Organization>,
}

fn read_base(base: &Hub) -> AppResult<Base> {
    let mut owners = HashMap::new();
    let mut all = Vec::new();
    base.store.for_each_record(&mut |item| {
        match item {
            ExportItem::Organization(o) => {
                owners.insert(o.id.to_string(), o);
            }
            ExportItem::Listing(l) => all.push(l),
            _ => {}
        }
        Ok(())
    })?;
    let mut vectors: HashMap<String, (Vec<f32>, Option<Vec<(u16, f32)>>)> = HashMap::new();
    for chunk in all.chunks(5_000) {
        let ids: Vec<&str> = chunk.iter().map(|l| l.id.as_str()).collect();
        for e in base.store.embeddings(MODEL_ID, &ids)? {
            if e.vector.len() == EMBEDDING_DIM {
                vectors.insert(e.listing_id, (e.vector, e.latent));
            }
        }
    }
    let (mut listings, mut vecs, mut latents) = (Vec::new(), Vec::new(), Vec::new());
    for l in all {
        if let Some((v, latent)) = vectors.remove(l.id.as_str())
            && owners.contains_key(l.owner.as_str())
        {
            listings.push(l);
            vecs.push(v);
            latents.push(latent);
        }
    }
    if listings.is_empty() {
        return Err(AppError::Io(
            "the base hub has no listing with a stored embedding: run `bridgehub --db BASE serve --demo` (or `match`) with the model first".into(),
        ));
    }
    Ok(Base { listings, vectors: vecs, latents, owners })
}

/// `v` plus Gaussian noise of total norm about `noise`, normalised again.
fn perturb(rng: &mut fastrand::Rng, v: &[f32], noise: f32) -> Vec<f32> {
    let sigma = noise / (v.len() as f32).sqrt();
    let mut out: Vec<f32> = v
        .iter()
        .map(|x| {
            // Box–Muller.
            let (u1, u2) = (rng.f32().max(1e-9), rng.f32());
            x + sigma * (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
        })
        .collect();
    let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    out.iter_mut().for_each(|x| *x /= norm);
    out
}

/// Noise added to re-used vectors (cosine to the original about 0.97).
const NOISE: f32 = 0.25;

fn text_hash(text: &str) -> String {
    // The fingerprint `Hub::embeddings_for` compares (crates/app/src/matching.rs).
    format!("{:016x}", bridgehub_domain::fnv1a(text))
}

/// The `p`-th percentile (0 to 100, nearest rank) of ascending `sorted`; 0 when empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn millis_summary(mut samples: Vec<f64>) -> Value {
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
    json!({
        "p50": percentile(&samples, 50.0), "p90": percentile(&samples, 90.0), "p99": percentile(&samples, 99.0),
        "max": samples.last().copied().unwrap_or(0.0), "mean": mean, "samples": samples.len(),
    })
}

/// Resident memory of this process, bytes (Linux; 0 elsewhere).
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
        .map_or(0, |kb| kb * 1024)
}

/// Fills `target` with `options.listings` listings made from the base hub's real listings
/// (copy `c` of base listing `b`: same fields, the text tagged with its number, owned by
/// copy `c` of the base owner) and stores their vectors (copy 0: the real embedding,
/// later copies: the real embedding with small noise). Returns what was generated.
fn fill_match_hub(target: &Hub, base: &Base, options: &MatchBenchOptions) -> AppResult<Value> {
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let n_base = base.listings.len();
    let copies = options.listings.div_ceil(n_base);
    let mut batch = ImportBatch::default();
    let mut org_ids: HashMap<(usize, String), ()> = HashMap::new();
    let mut embeddings = Vec::with_capacity(options.listings);
    for idx in 0..options.listings {
        let (copy, b) = (idx / n_base, idx % n_base);
        let source = &base.listings[b];
        let owner_key = (copy, source.owner.to_string());
        let owner_id = format!("bmo-{copy}-{}", source.owner);
        if org_ids.insert(owner_key, ()).is_none()
            && let Some(org) = base.owners.get(source.owner.as_str())
        {
            let mut org = org.clone();
            org.id = EntityId::parse(&owner_id).map_err(|e| AppError::Io(e.to_string()))?;
            batch.organizations.push(org);
        }
        let mut listing = source.clone();
        listing.id = EntityId::parse(&format!("bml-{idx:07}")).map_err(|e| AppError::Io(e.to_string()))?;
        listing.owner = EntityId::parse(&owner_id).map_err(|e| AppError::Io(e.to_string()))?;
        if copy > 0 {
            listing.body = format!("{} (#{idx})", listing.body);
        }
        let vector = if copy == 0 { base.vectors[b].clone() } else { perturb(&mut rng, &base.vectors[b], NOISE) };
        embeddings.push(StoredEmbedding {
            listing_id: listing.id.to_string(),
            text_hash: text_hash(&crate::embedding_text(&listing)),
            vector,
            // Copies keep the base listing's latent terms as they are.
            latent: base.latents[b].clone(),
        });
        batch.listings.push(listing);
    }
    let n_orgs = batch.organizations.len();
    target.store.import(&batch, &mut |_| {})?;
    for chunk in embeddings.chunks(5_000) {
        target.store.put_embeddings(MODEL_ID, chunk)?;
    }
    Ok(json!({
        "listings": options.listings, "organizations": n_orgs, "distinct_real_texts": n_base, "copies": copies,
        "vectors": format!(
            "real multilingual-e5-small embeddings of {n_base} distinct listing texts (the base hub's); \
             copy 0 of each is the real vector, copies 1..{copies} add Gaussian noise of norm {NOISE} (cosine ≈ 0.97) \
             and tag the text with its number; every copy keeps its base text's latent terms as computed"
        ),
        "with_latent_terms": base.latents.iter().filter(|l| l.is_some()).count() * copies.max(1),
    }))
}

/// The match benchmark: fills `target` (an empty hub) from the base hub, builds the match
/// index from the stored vectors, and times `options.queries` match queries with the full
/// engine. Returns the figures as JSON.
pub fn match_bench(target: &Hub, base: &Hub, options: &MatchBenchOptions) -> AppResult<Value> {
    let base = read_base(base)?;
    let started = Instant::now();
    let generated = fill_match_hub(target, &base, options)?;
    let fill_seconds = started.elapsed().as_secs_f64();
    drop(base);
    let hub = target.clone().with_embedder(Arc::new(StoredVectorsOnly));
    let rss_before = resident_bytes();
    let started = Instant::now();
    let matcher = hub.build_matcher(&NoProgress)?;
    let build_seconds = started.elapsed().as_secs_f64();
    let rss_after = resident_bytes();
    let stats = matcher.stats();
    // Queries: listings picked at random (seeded), first a warm-up round.
    let mut rng = fastrand::Rng::with_seed(options.seed ^ 0x9e37_79b9);
    let ids: Vec<String> = (0..options.queries).map(|_| format!("bml-{:07}", rng.usize(..options.listings))).collect();
    for id in ids.iter().take(20) {
        matcher.matches(id, options.limit, false, MatchMode::Full)?;
    }
    let mut samples = Vec::with_capacity(ids.len());
    let mut returned = 0usize;
    for id in &ids {
        let t = Instant::now();
        let found = matcher.matches(id, options.limit, false, MatchMode::Full)?;
        samples.push(t.elapsed().as_secs_f64() * 1e3);
        returned += found.len();
    }
    Ok(json!({
        "benchmark": "match",
        "backend": target.store.backend(),
        "generated": generated,
        "fill_seconds": fill_seconds,
        "index_build_seconds_from_stored_vectors": build_seconds,
        "index": {
            "listings": stats.listings, "with_embeddings": stats.with_embeddings, "with_latent_terms": stats.with_latent_terms,
            "engine_memory_bytes": stats.memory_bytes,
            "process_rss_growth_bytes": rss_after.saturating_sub(rss_before),
            "process_rss_bytes": rss_after,
            "vector_search": stats.vector_search.label(),
        },
        "query": {
            "what": "Matcher::matches (full engine: lexical + vector retrieval, hard rules, scoring, reasons) for a random stored listing",
            "limit": options.limit,
            "mean_results": returned as f64 / ids.len().max(1) as f64,
            "latency_ms": millis_summary(samples),
        },
        "threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
    }))
}

/// The vector-index benchmark: `options.vectors` vectors made from the base hub's real
/// embeddings (with noise, as in [`match_bench`]), the HNSW graph built from them, and
/// queries timed on the graph and on the exact scan, with recall@10 of the graph.
pub fn vector_bench(base: &Hub, options: &VectorBenchOptions) -> AppResult<Value> {
    let base = read_base(base)?;
    let n_base = base.vectors.len();
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let rss_before = resident_bytes();
    let mut index = VectorIndex::new(EMBEDDING_DIM);
    let started = Instant::now();
    for doc in 0..options.vectors {
        let b = doc % n_base;
        let v = if doc < n_base { base.vectors[b].clone() } else { perturb(&mut rng, &base.vectors[b], NOISE) };
        index.set(doc as u32, &v);
    }
    let fill_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    index.recenter();
    let codes_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    if options.graph {
        index.rebuild();
    }
    let build_seconds = started.elapsed().as_secs_f64();
    let rss_after = resident_bytes();
    // Queries: fresh noisy copies of real vectors (not themselves in the index).
    let query_bases: Vec<usize> = (0..options.queries).map(|_| rng.usize(..n_base)).collect();
    let queries: Vec<Vec<f32>> = query_bases.iter().map(|&b| perturb(&mut rng, &base.vectors[b], NOISE)).collect();
    // The match engine asks with the query minus its language's mean (normalised): the same
    // queries centred by the base listings' per-language means.
    let mut sums: HashMap<&str, (Vec<f64>, usize)> = HashMap::new();
    for (listing, v) in base.listings.iter().zip(&base.vectors) {
        let slot = sums.entry(listing.language.as_str()).or_insert_with(|| (vec![0.0; EMBEDDING_DIM], 0));
        slot.0.iter_mut().zip(v).for_each(|(s, x)| *s += f64::from(*x));
        slot.1 += 1;
    }
    let centred_queries: Vec<Vec<f32>> = query_bases
        .iter()
        .zip(&queries)
        .map(|(&b, q)| {
            let (sum, n) = &sums[base.listings[b].language.as_str()];
            let mean: Vec<f64> = sum.iter().map(|s| s / *n as f64).collect();
            let mut d: Vec<f64> = q.iter().map(|x| f64::from(*x)).collect();
            bridgehub_matching::centre_unit(&mut d, Some(&mean));
            d.iter().map(|x| *x as f32).collect()
        })
        .collect();
    let half = |doc: u32| doc.is_multiple_of(2); // a filter passing half, like "offers match seeks"
    let mut figures = serde_json::Map::new();
    for (name, k, filtered, centred) in
        [("k10", 10usize, false, false), ("k10_filtered", 10, true, false), ("k300_filtered", 300, true, false), ("k300_filtered_centred", 300, true, true)]
    {
        let queries = if centred { &centred_queries } else { &queries };
        let (mut ann_ms, mut exact_ms): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        let mut scan_ms: Vec<f64> = Vec::new();
        let (mut hits, mut total, mut scan_hits) = (0usize, 0usize, 0usize);
        let (mut scan_hits_k, mut total_k) = (0usize, 0usize);
        for q in queries {
            let keep = |d: u32| !filtered || half(d);
            let t = Instant::now();
            let approx = match (options.graph, centred) {
                (false, _) => Vec::new(),
                (true, false) => index.top_k(q, k, keep),
                (true, true) => index.top_k_centred(q, k, keep),
            };
            ann_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let exact = index.exact_top_k(q, k, keep);
            exact_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let scanned = if centred { index.scan_top_k_centred(q, k, keep) } else { index.scan_top_k(q, k, keep) };
            scan_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let top: Vec<u32> = exact.iter().take(10).map(|t| t.0).collect();
            hits += top.iter().filter(|d| approx.iter().take(10).any(|a| a.0 == **d)).count();
            scan_hits += top.iter().filter(|d| scanned.iter().take(10).any(|a| a.0 == **d)).count();
            let scanned_set: std::collections::HashSet<u32> = scanned.iter().map(|a| a.0).collect();
            scan_hits_k += exact.iter().filter(|e| scanned_set.contains(&e.0)).count();
            total_k += exact.len();
            total += top.len();
        }
        figures.insert(
            name.into(),
            json!({
                "k": k, "filter": if filtered { "half of the documents" } else { "none" },
                "query": if centred { "minus its language's mean, normalised (as the match engine asks)" } else { "the vector itself" },
                "recall_at_10_vs_exact": if options.graph { json!(hits as f64 / total.max(1) as f64) } else { Value::Null },
                "hnsw_latency_ms": if options.graph { millis_summary(ann_ms) } else { Value::Null },
                "exact_latency_ms": millis_summary(exact_ms),
                "sign_bit_scan_latency_ms": millis_summary(scan_ms),
                "sign_bit_scan_recall_at_10_vs_exact": scan_hits as f64 / total.max(1) as f64,
                "sign_bit_scan_recall_at_k_vs_exact": scan_hits_k as f64 / total_k.max(1) as f64,
            }),
        );
    }
    Ok(json!({
        "benchmark": "vectors",
        "vectors": options.vectors,
        "dim": EMBEDDING_DIM,
        "source": format!("real multilingual-e5-small embeddings of {n_base} distinct listing texts, re-used with Gaussian noise of norm {NOISE} (cosine ≈ 0.97); queries are fresh noisy copies"),
        "search": index.search_kind().label(),
        "fill_seconds": fill_seconds,
        "sign_bit_codes_seconds": codes_seconds,
        "build_seconds_from_stored_vectors": if options.graph { json!(build_seconds) } else { Value::Null },
        "index_memory_bytes": index.memory_bytes(),
        "process_rss_growth_bytes": rss_after.saturating_sub(rss_before),
        "queries": figures,
        "threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
    }))
}
