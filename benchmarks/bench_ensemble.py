"""Fold heads of several LOAO runs on the same authors, alone and averaged, from their saved windows.

Each run's workdir holds every held-out window's gate and concerning probability (`windows-<author>.npz`, saved
by the LOAO run). This replays the shipped trace-scoring rule on each run, and on an ensemble that averages the
runs' window logits (the first run's gate picks the windows), for the authors all runs held out; no encoding.
Recall is the best recall at FPR <= 0.05 per author (mean and worst) and at the threshold that gives 3% FPR on the
pooled benign traces; the last lines compare each run and the ensemble with the first run author by author.

    .venv/bin/python benchmarks/bench_ensemble.py seed0=/tmp/azr-loao29 seed1=/tmp/azr-s1 layers3=/tmp/azr-l3
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

from azr_safe.monitors.classifier import SHIPPED_SCORING, replay_scores
from azr_safe.monitors.loao import recall_at_fpr

EPS = 1e-7


def load_run(workdir: Path) -> dict[str, dict[str, np.ndarray]]:
    """Saved windows per held-out author (bench_window_budget.window_scores without re-encoding)."""
    return {p.stem.removeprefix("windows-"): dict(np.load(p)) for p in sorted(workdir.glob("windows-*.npz"))}


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def ensemble(windows: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One author's windows with P(concerning) = sigmoid(mean of the runs' logits); gate of the first run."""
    first = windows[0]
    for w in windows[1:]:
        if not np.array_equal(w["trace"], first["trace"]):
            raise SystemExit("runs split the author's traces into different windows")
    mean = np.mean([logit(w["concerning"]) for w in windows], axis=0)
    return {**first, "concerning": 1 / (1 + np.exp(-mean))}


def figures(per_author: dict[str, dict[str, np.ndarray]]) -> tuple[list[float], float, float, float]:
    """Per-author best recall at FPR <= 0.05, and mean/worst recall plus threshold at pooled 3% FPR."""
    runs = {}
    for author, w in per_author.items():
        scores, _ = replay_scores(w["trace"], w["gate"], w["concerning"], float(w["gate_threshold"]),
                                  len(w["labels"]), SHIPPED_SCORING)
        runs[author] = (scores, w["labels"].astype(bool))
    best = [recall_at_fpr(s, y, 0.05)[0] for s, y in runs.values()]
    benign = np.concatenate([s[~y] for s, y in runs.values()])
    threshold = recall_at_fpr(np.r_[benign, 1.0], np.r_[np.zeros(len(benign), bool), True], 0.03)[1]
    at = [float((s[y] >= threshold).mean()) for s, y in runs.values()]
    return best, float(np.mean(at)), float(min(at)), threshold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="NAME=WORKDIR of LOAO runs (two or more for the ensemble)")
    args = parser.parse_args()
    runs = {name: load_run(Path(path)) for name, path in (r.split("=", 1) for r in args.runs)}
    common = sorted(set.intersection(*(set(r) for r in runs.values())))
    if not common:
        raise SystemExit("the runs share no held-out author")
    print(f"{len(common)} authors held out by every run: {' '.join(common)}")
    rows = {name: {a: run[a] for a in common} for name, run in runs.items()}
    if len(runs) > 1:
        rows["ensemble of all"] = {a: ensemble([run[a] for run in runs.values()]) for a in common}
    best = {}
    for name, per_author in rows.items():
        best[name], at_mean, at_worst, threshold = figures(per_author)
        print(f"{name:18s} R@5% mean {np.mean(best[name]):.3f} worst {min(best[name]):.3f} | at pooled 3% FPR mean "
              f"{at_mean:.3f} worst {at_worst:.3f} (threshold {threshold:.6f})", flush=True)
    first = next(iter(rows))
    for name in list(rows)[1:]:
        d = np.array(best[name]) - np.array(best[first])
        print(f"{name} vs {first}: R@5% {d.mean():+.3f} per author, better on {int((d > 0).sum())}, "
              f"worse on {int((d < 0).sum())} of {len(d)}")


if __name__ == "__main__":
    main()
