"""What the classifier's gate, window budget and trace score cost on unseen authors, from a finished LOAO run.

Each LOAO fold head (`loao-<fold>.json` in the run's workdir) scores every window of its held-out authors
once, with the gate's probability next to it (the LOAO run saves these as windows-<author>.npz from head 2.9
on); every budget below is then replayed on those numbers, so a row costs no encoding. A budget is the
number of windows, the extra gate for windows after the best, and the weight of the second-highest window
logit in the trace score (0 = the max over windows, heads up to 2.8). Recall is the best recall at FPR <= 0.05 per author (mean and worst), and at the
threshold that gives 3% FPR on the pooled benign traces (the shipped rule); "windows/trace" is the
number of windows the budget encodes, i.e. the CPU the monitor spends per trace.

    .venv/bin/python benchmarks/bench_window_budget.py --workdir /tmp/azr-loao29   # seconds with the saved windows
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

from azr_safe.monitors.classifier import SHIPPED_SCORING, ReasoningClassifier, two_window_score
from azr_safe.monitors.corpus import load_labeled
from azr_safe.monitors.encoder import split_windows
from azr_safe.monitors.head import sigmoid
from azr_safe.monitors.loao import recall_at_fpr
from azr_safe.monitors.train import author_files

BUDGETS = [("shipped", SHIPPED_SCORING.max_windows, SHIPPED_SCORING.extra_window_gate,
            SHIPPED_SCORING.second_window_weight),
           ("head 2.8's: <= 2, gate 0.7, max", 2, 0.7, 0.0), ("<= 2, gate 0.7, w 0.3", 2, 0.7, 0.3),
           ("<= 3, gate 0.7, max", 3, 0.7, 0.0), ("<= 3, gate 0.7, w 0.3", 3, 0.7, 0.3),
           ("<= 3, gate 0.5, max", 3, 0.5, 0.0), ("<= 3, gate 0.5, w 0.2", 3, 0.5, 0.2),
           ("<= 3, gate 0.5, w 0.3", 3, 0.5, 0.3), ("<= 4, gate 0.5, w 0.3", 4, 0.5, 0.3),
           ("every window over the gate, max", None, None, 0.0)]


def window_scores(workdir: Path) -> dict[str, dict[str, np.ndarray]]:
    """Per held-out author: trace index, gate and concerning probability of every window (cached)."""
    files, out = author_files(), {}
    for head in sorted(workdir.glob("loao-*.json")):
        clf = ReasoningClassifier(head_path=head, gate=False)
        for author in head.stem.removeprefix("loao-").split("+"):
            cache = workdir / f"windows-{author}.npz"
            if not cache.exists():
                traces = load_labeled(files[author])
                flat = [(i, a, b) for i, t in enumerate(traces) for a, b in split_windows(t.text)]
                texts = [traces[i].text[a:b] for i, a, b in flat]
                np.savez(cache, trace=np.array([i for i, _, _ in flat]),
                         gate=sigmoid(clf.head.gate.logits(clf.encoder.static(texts))[:, 0]),
                         concerning=sigmoid(clf.head.concerning.logits(clf.encoder.contextual(texts))[:, 0]),
                         gate_threshold=clf.head.gate_threshold,
                         labels=np.array([t.label == "concerning" for t in traces]))
            out[author] = dict(np.load(cache))
    return out


def replay(w: dict[str, np.ndarray], max_windows: int | None, extra_gate: float | None, weight: float = 0.0,
           gate: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Trace scores (the classifier's two-window score over the encoded windows) and windows encoded per
    trace under one budget."""
    trace, g = w["trace"], w["gate"]
    order = np.lexsort((-g, trace))  # by trace, then gate probability, highest first
    starts = np.r_[0, np.flatnonzero(np.diff(trace[order])) + 1]
    rank = np.empty(len(g), dtype=int)
    rank[order] = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    keep = np.ones(len(g), dtype=bool)
    if gate:
        keep = g >= w["gate_threshold"]
        if max_windows is not None:
            keep &= rank < max_windows
        if extra_gate is not None:
            keep &= (rank == 0) | (g >= extra_gate)
    n = len(w["labels"])
    kept: list[list[float]] = [[] for _ in range(n)]
    for t, p in zip(trace[keep], w["concerning"][keep], strict=True):
        kept[t].append(float(p))
    return np.array([two_window_score(ps, weight) for ps in kept]), np.bincount(trace[keep], minlength=n)


def row(name: str, authors: dict[str, dict[str, np.ndarray]], **budget) -> str:
    runs = {a: (*replay(w, **budget), w["labels"].astype(bool)) for a, w in authors.items()}
    best = [recall_at_fpr(s, y, 0.05)[0] for s, _, y in runs.values()]
    benign = np.concatenate([s[~y] for s, _, y in runs.values()])  # the LOAO run's threshold rule (loao.summarise)
    threshold = recall_at_fpr(np.r_[benign, 1.0], np.r_[np.zeros(len(benign), bool), True], 0.03)[1]
    at = [float((s[y] >= threshold).mean()) for s, _, y in runs.values()]
    per_trace = np.mean(np.concatenate([n for _, n, _ in runs.values()]))
    return (f"{name:32s} R@5% mean {np.mean(best):.3f} worst {min(best):.3f} | at pooled 3% FPR mean "
            f"{np.mean(at):.3f} worst {min(at):.3f} | windows/trace {per_trace:.2f} | threshold {threshold:.6f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="an LOAO run's --workdir (its fold heads)")
    args = parser.parse_args()
    authors = window_scores(args.workdir)
    print(f"{len(authors)} held-out authors from {args.workdir}")
    for name, k, extra, weight in BUDGETS:
        print(row(name, authors, max_windows=k, extra_gate=extra, weight=weight), flush=True)
    for weight in (0.0, SHIPPED_SCORING.second_window_weight):
        print(row(f"every window (no gate), w {weight}", authors, max_windows=None, extra_gate=None, weight=weight,
                  gate=False))


if __name__ == "__main__":
    main()
