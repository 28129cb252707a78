#!/usr/bin/env python3
"""Optimality of attacks from several `advlab bench-attacks` runs against one reference.

Each run's attack_bench.json holds every attack's per-sample distances; this takes the
per-sample best over all the attacks of all the runs given (same model, images and norm)
and recomputes AttackBench's optimality of each row against it, as `bench-attacks` does
within one run. Use it to compare an attack's variants (`--set`) run separately.

    python3 bench/merge_attack_bench.py RUN_DIR_OR_JSON [LABEL=]RUN ... [--only ATTACK]
"""
import argparse
import json
import math
from pathlib import Path


def load(spec):
    label, _, path = spec.rpartition("=") if "=" in spec else ("", "", spec)
    p = Path(path)
    if p.is_dir():
        p = p / "attack_bench.json"
    try:
        report = json.loads(p.read_text())
        report["n"], report["attacks"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"merge: {spec}: not a readable attack_bench.json ({type(e).__name__}: {e})")
    return (label or p.parent.name), report


def distances(row):
    return [math.inf if d is None else float(d) for d in row["distances"]]


def optimality(dist, best):
    """1 - (A - A*) / (clean x d_max - A*) over the samples the reference broke."""
    keep = [i for i, b in enumerate(best) if math.isfinite(b)]
    if not keep:
        return 1.0
    ref = [best[i] for i in keep]
    d_max = max(ref)
    clean = sum(1 for b in ref if b > 0) / len(ref)
    best_area = sum(ref) / len(ref)
    area = sum(min(dist[i], d_max) for i in keep) / len(keep)
    worst = clean * d_max
    return 1.0 if worst - best_area <= 0 else 1 - (area - best_area) / (worst - best_area)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="attack_bench.json files or their folders, optionally LABEL=PATH")
    ap.add_argument("--only", action="append", default=[], help="print only these attacks (all still form the reference)")
    args = ap.parse_args()

    rows = []
    n = None
    for spec in args.runs:
        label, report = load(spec)
        if n is None:
            n = report["n"]
        if report["n"] != n:
            raise SystemExit(f"merge: {spec} has {report['n']} samples, the first run {n}: not the same images")
        for a in report["attacks"]:
            rows.append((f"{label}:{a['attack']}", a["attack"], distances(a), a["propagations"]["mean"]))
    best = [min(r[2][i] for r in rows) for i in range(n)]
    print(f"{'row':40s} {'optimality':>10s} {'found':>6s} {'propagations':>12s}")
    for name, attack, dist, props in rows:
        if args.only and attack not in args.only:
            continue
        found = sum(1 for d in dist if math.isfinite(d) and d > 0)
        print(f"{name:40s} {optimality(dist, best):10.3f} {found:6d} {props:12.0f}")


if __name__ == "__main__":
    main()
