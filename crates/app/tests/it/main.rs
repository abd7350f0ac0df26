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
