//! Use-case tests on a real SQLite store.

mod accounts;
mod analytics;
mod events;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bridgehub_app::{Actor, Hub, NoProgress, TextEmbedder};
use serde_json::json;

/// A deterministic stand-in for the sentence model that counts the texts it embeds, to
/// check that embeddings are computed once per listing text and then reused.
struct CountingEmbedder {
    calls: AtomicUsize,
}

impl TextEmbedder for CountingEmbedder {
    fn model_id(&self) -> &str {
        "counting-test-model"
    }
    fn dim(&self) -> usize {
        bridgehub_app::EMBEDDING_DIM
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        self.calls.fetch_add(texts.len(), Ordering::SeqCst);
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = vec![0.0f32; bridgehub_app::EMBEDDING_DIM];
                for (i, b) in t.bytes().enumerate() {
                    let slot = (i * 31 + b as usize) % bridgehub_app::EMBEDDING_DIM;
                    v[slot] += 1.0;
                }
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter().map(|x| x / norm).collect()
            })
            .collect())
    }
}

/// [`CountingEmbedder`] with a sparse head: every text gets two latent terms.
struct LatentCountingEmbedder(CountingEmbedder);

impl TextEmbedder for LatentCountingEmbedder {
    fn model_id(&self) -> &str {
        self.0.model_id()
    }
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        self.0.embed(texts)
    }
    fn has_latent(&self) -> bool {
        true
    }
    fn embed_with_latent(&self, texts: &[&str]) -> Result<Vec<bridgehub_app::TextVectors>, String> {
        Ok(self.0.embed(texts)?.into_iter().map(|vector| bridgehub_app::TextVectors { vector, latent: Some(vec![(3, 1.0), (7, 0.5)]) }).collect())
    }
}

#[test]
fn vectors_stored_without_latent_terms_are_recomputed_once_the_sparse_head_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let plain = Arc::new(CountingEmbedder { calls: AtomicUsize::new(0) });
    let hub = Hub::open(db.to_str().unwrap()).unwrap().with_embedder(plain.clone());
    hub.create_organization(&Actor::operator(), &json!({"id": "o1", "name": "A", "kind": "enterprise", "country": "VN"})).unwrap();
    hub.create_listing(
        &Actor::operator(),
        &json!({"id": "l1", "owner": "o1", "direction": "offer", "category": "service", "title": "cold storage", "body": "cold storage", "language": "en"}),
    )
    .unwrap();
    assert_eq!(hub.build_matcher(&NoProgress).unwrap().stats().with_latent_terms, 0);
    assert_eq!(plain.calls.load(Ordering::SeqCst), 1);
    // Without the head a rebuild keeps the stored vector.
    hub.build_matcher(&NoProgress).unwrap();
    assert_eq!(plain.calls.load(Ordering::SeqCst), 1);
    // With it, the vector stored without terms is computed again, once.
    let with_head = Arc::new(LatentCountingEmbedder(CountingEmbedder { calls: AtomicUsize::new(0) }));
    let hub = Hub::open(db.to_str().unwrap()).unwrap().with_embedder(with_head.clone());
    assert_eq!(hub.build_matcher(&NoProgress).unwrap().stats().with_latent_terms, 1);
    assert_eq!(with_head.0.calls.load(Ordering::SeqCst), 1);
    assert_eq!(hub.build_matcher(&NoProgress).unwrap().stats().with_latent_terms, 1);
    assert_eq!(with_head.0.calls.load(Ordering::SeqCst), 1);
}

#[test]
fn embeddings_are_computed_once_per_text_and_recomputed_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let embedder = Arc::new(CountingEmbedder { calls: AtomicUsize::new(0) });
    let hub = Hub::open(dir.path().join("hub.db").to_str().unwrap()).unwrap().with_embedder(embedder.clone());
    hub.create_organization(&Actor::operator(), &json!({"id": "o1", "name": "A", "kind": "enterprise", "country": "VN"})).unwrap();
    hub.create_organization(&Actor::operator(), &json!({"id": "o2", "name": "B", "kind": "enterprise", "country": "CN"})).unwrap();
    let listing = |id: &str, owner: &str, direction: &str, title: &str| {
        json!({"id": id, "owner": owner, "direction": direction, "category": "service", "title": title, "body": title, "language": "en"})
    };
    hub.create_listing(&Actor::operator(), &listing("l1", "o1", "offer", "cold storage")).unwrap();
    hub.create_listing(&Actor::operator(), &listing("l2", "o2", "seek", "cold storage wanted")).unwrap();
    let matcher = hub.build_matcher(&NoProgress).unwrap();
    assert_eq!(embedder.calls.load(Ordering::SeqCst), 2);
    assert_eq!(matcher.stats().with_embeddings, 2);
    let matches = matcher.matches("l2", 5, false, bridgehub_app::MatchMode::Full).unwrap();
    assert!(matches[0].reasons.iter().any(|r| r.signal == bridgehub_app::MatchSignal::Semantic));
    // A rebuild reuses the stored vectors.
    hub.build_matcher(&NoProgress).unwrap();
    assert_eq!(embedder.calls.load(Ordering::SeqCst), 2);
    // A changed text is embedded again.
    hub.update_listing(&Actor::operator(), "l1", &listing("l1", "o1", "offer", "frozen fruit storage"), None).unwrap();
    hub.build_matcher(&NoProgress).unwrap();
    assert_eq!(embedder.calls.load(Ordering::SeqCst), 3);
}
