#!/usr/bin/env python3
"""OR-Tools CP-SAT peer for the scheduler benchmark (scheduling.md section 4).

Time-indexed model: x[m,t] Booleans over each meeting's allowed slots, at most one meeting
per participant and slot, at most L meetings per slot, busy[p,t] = sum of x, block-start
indicators, breaks(p) = starts(p) - 1, plus the JAIR implied constraints
(sum_t busy[p,t] = |M_p| in mode all, sum_p busy[p,t] = 2 sum_m x[m,t]).
Mode all (.dzn, d = 2): every meeting exactly once, minimise total breaks with
max - min breaks <= d. Mode max_weight (.json): phase 1 maximises weight, phase 2 minimises
breaks with the weight fixed and phase 1's solution as a hint.

Usage: cpsat.py FILE [--time-limit SECS] [--workers K]; prints one JSON line.
Never part of the test suite; bench/schedule/run.sh --cpsat installs ortools in a venv.
"""
import argparse
import json
import re
import sys
import time

from ortools.sat.python import cp_model


def parse_dzn(text):
    text = re.sub(r"%.*", "", text)
    def scalar(name):
        return int(re.search(name + r"\s*=\s*(-?\d+)\s*;", text).group(1))
    def body(name):
        match = re.search(name + r"\s*=\s*(.*?);", text, re.S)
        return match.group(1) if match else None
    n_p, n_m, tables = scalar("nBusiness"), scalar("nMeetings"), scalar("nTables")
    n_t, n_am = scalar("nTotalSlots"), scalar("nMorningSlots")
    rows = [r for r in body("requested").strip()[2:-2].split("|") if r.strip()]
    requests = []
    for row in rows:
        a, b, s = [int(v) for v in row.replace(",", " ").split()]
        requests.append({"a": a - 1, "b": b - 1, "w": 1, "s": {1: "am", 2: "pm", 3: "any"}[s]})
    sets = lambda src: [[int(v) for v in grp.split(",") if v.strip()] for grp in re.findall(r"\{(.*?)\}", src or "")]
    forbidden = [{t - 1 for t in grp if t != 0} for grp in sets(body("forbidden"))] or [set()] * n_p
    fixed_src = body("fixed")
    fixed = [int(v) for v in re.findall(r"-?\d+", fixed_src)] if fixed_src else [0] * n_m
    for m, f in enumerate(fixed):
        requests[m]["fixed"] = f - 1 if f else None
    precedences = []
    for j, grp in enumerate(sets(body("precedences"))):
        precedences += [(i - 1, j) for i in grp]
    sessions = ["am" if t < n_am else "pm" for t in range(n_t)]
    return dict(mode="all", d=2, n_p=n_p, slots=sessions, tables=tables, forbidden=forbidden,
                requests=requests, precedences=precedences)


def parse_json(text):
    raw = json.loads(text)
    slot_index = {json.dumps(s["id"]): t for t, s in enumerate(raw["slots"])}
    p_index = {json.dumps(p["id"]): k for k, p in enumerate(raw["participants"])}
    r_index = {json.dumps(r["id"]): k for k, r in enumerate(raw["requests"])}
    forbidden = [{slot_index[json.dumps(s)] for s in p.get("unavailable", [])} for p in raw["participants"]]
    requests = [{"a": p_index[json.dumps(r["a"])], "b": p_index[json.dumps(r["b"])], "w": r.get("weight", 1),
                 "s": r.get("session", "any"),
                 "fixed": slot_index[json.dumps(r["fixed"])] if r.get("fixed") is not None else None}
                for r in raw["requests"]]
    precedences = [(r_index[json.dumps(p["before"])], r_index[json.dumps(p["after"])]) for p in raw.get("precedences", [])]
    return dict(mode=raw.get("mode", "max_weight"), d=raw.get("fairness", 2), n_p=len(raw["participants"]),
                slots=[s.get("session", "am") for s in raw["slots"]], tables=raw["tables"], forbidden=forbidden,
                requests=requests, precedences=precedences)


def build(inst):
    model = cp_model.CpModel()
    n_t, n_p = len(inst["slots"]), inst["n_p"]
    x, by_p = {}, [[] for _ in range(n_p)]
    for m, r in enumerate(inst["requests"]):
        by_p[r["a"]].append(m)
        by_p[r["b"]].append(m)
        for t in range(n_t):
            ok = t not in inst["forbidden"][r["a"]] and t not in inst["forbidden"][r["b"]]
            ok = ok and (r["s"] == "any" or r["s"] == inst["slots"][t])
            ok = ok and (r["fixed"] is None or r["fixed"] == t)
            if ok:
                x[m, t] = model.NewBoolVar(f"x{m}_{t}")
    held = []
    for m, r in enumerate(inst["requests"]):
        lits = [x[m, t] for t in range(n_t) if (m, t) in x]
        h = model.NewBoolVar(f"h{m}")
        model.Add(sum(lits) == h)
        if inst["mode"] == "all" or r["fixed"] is not None:
            model.Add(h == 1)
        held.append(h)
    for t in range(n_t):
        model.Add(sum(x[m, t] for m in range(len(inst["requests"])) if (m, t) in x) <= inst["tables"])
    busy = {}
    for p in range(n_p):
        for t in range(n_t):
            lits = [x[m, t] for m in by_p[p] if (m, t) in x]
            busy[p, t] = model.NewBoolVar(f"b{p}_{t}")
            model.Add(sum(lits) == busy[p, t])
        if inst["mode"] == "all":
            model.Add(sum(busy[p, t] for t in range(n_t)) == len(by_p[p]))
    for t in range(n_t):
        model.Add(sum(busy[p, t] for p in range(n_p)) == 2 * sum(x[m, t] for m in range(len(inst["requests"])) if (m, t) in x))
    for i, j in inst["precedences"]:
        ti = sum(t * x[i, t] for t in range(n_t) if (i, t) in x)
        tj = sum(t * x[j, t] for t in range(n_t) if (j, t) in x)
        model.Add(ti < tj).OnlyEnforceIf([held[i], held[j]])
    breaks = []
    for p in range(n_p):
        starts = []
        for t in range(n_t):
            s = model.NewBoolVar(f"s{p}_{t}")
            model.Add(s >= busy[p, t] - (busy[p, t - 1] if t else 0))
            starts.append(s)
        anyb = model.NewBoolVar(f"any{p}")
        model.Add(anyb <= sum(busy[p, t] for t in range(n_t)))
        for t in range(n_t):
            model.Add(anyb >= busy[p, t])
        hp = model.NewIntVar(0, n_t, f"H{p}")
        model.Add(hp == sum(starts) - anyb)
        breaks.append(hp)
    weight = sum(r["w"] * held[m] for m, r in enumerate(inst["requests"]))
    return model, x, held, breaks, weight


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    text = open(args.file).read()
    inst = parse_dzn(text) if args.file.endswith(".dzn") else parse_json(text)
    started = time.time()
    model, x, held, breaks, weight = build(inst)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = args.time_limit
    solver.parameters.num_workers = args.workers
    result = {"instance": args.file, "mode": inst["mode"]}
    if inst["mode"] == "all":
        hi, lo = model.NewIntVar(0, len(inst["slots"]), "hi"), model.NewIntVar(0, len(inst["slots"]), "lo")
        model.AddMaxEquality(hi, breaks)
        model.AddMinEquality(lo, breaks)
        model.Add(hi - lo <= inst["d"])
        model.Minimize(sum(breaks))
        status = solver.Solve(model)
        result.update(status=solver.StatusName(status), breaks=solver.ObjectiveValue() if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None,
                      bound=solver.BestObjectiveBound())
    else:
        model.Maximize(weight)
        status = solver.Solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            result.update(status=solver.StatusName(status))
        else:
            best = int(solver.ObjectiveValue())
            result.update(phase1_status=solver.StatusName(status), weight=best, weight_bound=solver.BestObjectiveBound())
            for var in list(x.values()) + held:
                model.AddHint(var, solver.Value(var))
            model.Add(weight >= best)
            model.Minimize(sum(breaks))
            status = solver.Solve(model)
            result.update(status=solver.StatusName(status),
                          breaks=solver.ObjectiveValue() if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None,
                          breaks_bound=solver.BestObjectiveBound())
    result["seconds"] = round(time.time() - started, 2)
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
