//! A small closed-loop load generator for `bridgehub bench load`: real HTTP, mixed reads
//! and writes, every acknowledged write checked at the end.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::{json, Value};

#[derive(Default)]
struct Shared {
    acked: Mutex<Vec<String>>,
    failures: Mutex<Vec<(f64, String)>>,
    reads: AtomicU64,
    writes: AtomicU64,
    latencies_ms: Mutex<Vec<f64>>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn organization(id: &str) -> Value {
    json!({"id": id, "name": format!("Load test {id}"), "kind": "enterprise", "country": "SG",
           "sectors": ["logistics"], "languages": ["en"], "description": "created by bridgehub bench load"})
}

/// Runs the load and returns the figures as JSON.
pub(crate) fn run(
    base: &str,
    duration: Duration,
    workers: usize,
    write_share: f64,
    token: Option<String>,
    quiet: bool,
) -> Result<Value> {
    let authorization = format!("Bearer {}", token.unwrap_or_default());
    let base = base.trim_end_matches('/').to_owned();
    let run_id = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis());
    let shared = Arc::new(Shared::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut handles = Vec::new();
    for worker in 0..workers {
        let (shared, stop, base, run_id) = (shared.clone(), stop.clone(), base.clone(), run_id.clone());
        let authorization = authorization.clone();
        handles.push(std::thread::spawn(move || {
            let agent = agent();
            let mut rng = fastrand_like(worker as u64 + 1);
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                let is_write = (rng() % 1000) as f64 / 1000.0 < write_share;
                let outcome = if is_write {
                    n += 1;
                    let id = format!("load-{run_id}-{worker}-{n}");
                    shared.writes.fetch_add(1, Ordering::Relaxed);
                    match agent
                        .post(&format!("{base}/api/v1/organizations"))
                        .header("Authorization", &authorization)
                        .send_json(organization(&id)) {
                        // 409: a retried request whose first attempt committed.
                        Ok(r) if r.status().is_success() || r.status().as_u16() == 409 => {
                            if let Ok(mut acked) = shared.acked.lock() {
                                acked.push(id);
                            }
                            Ok(())
                        }
                        Ok(r) => Err(format!("POST status {}", r.status().as_u16())),
                        Err(e) => Err(format!("POST {e}")),
                    }
                } else {
                    shared.reads.fetch_add(1, Ordering::Relaxed);
                    let path = if rng().is_multiple_of(2) { "/api/v1/organizations?limit=20&country=SG" } else { "/api/v1/stats" };
                    match agent.get(&format!("{base}{path}")).call() {
                        Ok(mut r) if r.status().is_success() => {
                            let _ = r.body_mut().read_to_string();
                            Ok(())
                        }
                        Ok(r) => Err(format!("GET status {}", r.status().as_u16())),
                        Err(e) => Err(format!("GET {e}")),
                    }
                };
                let at = started.elapsed().as_secs_f64();
                if let Ok(mut lat) = shared.latencies_ms.lock() {
                    lat.push(t0.elapsed().as_secs_f64() * 1e3);
                }
                if let Err(what) = outcome
                    && let Ok(mut failures) = shared.failures.lock() {
                        failures.push((at, what));
                    }
            }
        }));
    }
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    for handle in handles {
        let _ = handle.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    if !quiet {
        eprintln!("load done after {elapsed:.1} s; reading back every acknowledged write ...");
    }
    let agent = agent();
    let acked = shared.acked.lock().map(|a| a.clone()).unwrap_or_default();
    let mut lost = Vec::new();
    for id in &acked {
        let status = agent.get(&format!("{base}/api/v1/organizations/{id}")).call().map(|r| r.status().as_u16()).unwrap_or(0);
        if status != 200 {
            lost.push(id.clone());
        }
    }
    let failures = shared.failures.lock().map(|f| f.clone()).unwrap_or_default();
    let mut latencies = shared.latencies_ms.lock().map(|l| l.clone()).unwrap_or_default();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| bridgehub_app::percentile(&latencies, p * 100.0);
    Ok(json!({
        "benchmark": "load",
        "url": base,
        "seconds": elapsed,
        "workers": workers,
        "reads": shared.reads.load(Ordering::Relaxed),
        "writes": shared.writes.load(Ordering::Relaxed),
        "requests_per_second": (shared.reads.load(Ordering::Relaxed) + shared.writes.load(Ordering::Relaxed)) as f64 / elapsed,
        "latency_ms": {"p50": pct(0.5), "p99": pct(0.99), "max": pct(1.0)},
        "acknowledged_writes": acked.len(),
        "lost_writes": lost.len(),
        "lost_ids": lost.iter().take(20).collect::<Vec<_>>(),
        "failed_requests": failures.len(),
        "failures": failures.iter().map(|(at, what)| json!({"at_s": at, "error": what})).collect::<Vec<_>>(),
    }))
}

/// A tiny xorshift generator (no extra dependency for the load tool).
fn fastrand_like(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
