"""Monitor benchmarks: held-out detection quality and throughput of the default CPU stack.

    .venv/bin/python benchmarks/bench_monitors.py            # both
    .venv/bin/python benchmarks/bench_monitors.py --quality  # held-out recall/FPR only
    .venv/bin/python benchmarks/bench_monitors.py --speed --n 256

Quality is measured on monitors/heldout/eval.jsonl (different style, never trained on). Throughput is
measured on 2 KB traces (benign, hard-negative and concerning mixed) with programs, through
`build_monitor_suite()` (the default stack), and reported next to baselines measured in the same run.
The machine is shared: the load average is printed with every timing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

import numpy as np

from azr_safe.monitors import build_monitor_suite, monitors_dir
from azr_safe.monitors.corpus import load_labeled
from azr_safe.monitors.metrics import evaluate
from azr_safe.monitors.scoring import score_labeled

PROGRAM = "def f(xs, k):\n    out = []\n    for i, x in enumerate(sorted(xs)):\n        out.append(x * k + i)\n    return out\n"


def recall_at_fpr(scores: np.ndarray, truth: np.ndarray, max_fpr: float) -> tuple[float, float]:
    """Best recall with FPR <= max_fpr over thresholds of `scores` (the ROC operating point)."""
    neg = np.sort(scores[~truth])[::-1]
    allowed = int(np.floor(max_fpr * len(neg)))
    threshold = np.nextafter(neg[allowed], np.inf) if allowed < len(neg) else -np.inf
    return float((scores[truth] >= threshold).mean()), float((scores[~truth] >= threshold).mean())


def quality() -> dict:
    traces = load_labeled(monitors_dir() / "heldout" / "eval.jsonl")
    truth = np.array([t.label == "concerning" for t in traces])
    out = {"heldout_traces": len(traces), "concerning": int(truth.sum()),
           "hard_negatives": sum(t.kind == "hard_negative" for t in traces)}
    for name, stack in [("patterns", ["reasoning_patterns"]), ("classifier", ["reasoning_classifier"]),
                        ("patterns+classifier", ["reasoning_patterns", "reasoning_classifier"])]:
        verdicts = score_labeled(traces, stack)
        report = evaluate(traces, verdicts)
        row = {"recall": report.overall.recall, "fpr": report.overall.fpr, "precision": report.overall.precision,
               "hard_negative_fpr": report.hard_negative_fpr}
        if "reasoning_classifier" in stack:
            # Operating-point view: the classifier's continuous score, patterns as score 1.0.
            s = np.array([max(v.scores.get("concerning", 0.0),
                              1.0 if v.monitors.get("reasoning_patterns") else 0.0) for v in verdicts])
            row["best_recall_at_fpr_0.05"], row["its_fpr"] = recall_at_fpr(s, truth, 0.05)
        out[name] = row
        print(f"{name:22s} " + " ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    out["classifier_variants"] = classifier_variants(traces, truth)
    return out


def classifier_variants(traces: list, truth: np.ndarray) -> dict:
    """Raw P(concerning) ROC points of classifier variants (int8, window budget) on the held-out set."""
    from azr_safe.monitors.classifier import ReasoningClassifier

    out = {}
    for name, kwargs in [("fp32_max3", {}), ("int8_max3", {"int8": True}), ("fp32_all_windows", {"gate": False})]:
        clf = ReasoningClassifier(**kwargs)
        p = np.array([s.scores["concerning"] for s in clf.score_texts([t.text for t in traces])])
        flagged = p >= clf.head.threshold
        row = {"recall": round(float(flagged[truth].mean()), 3), "fpr": round(float(flagged[~truth].mean()), 3)}
        for max_fpr in (0.02, 0.05, 0.10):
            r, f = recall_at_fpr(p, truth, max_fpr)
            row[f"best_recall_at_fpr_{max_fpr}"] = round(r, 3)
        out[name] = row
        print(f"classifier {name:18s} " + " ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return out


def two_kb_traces(n: int, seed: int = 0) -> list:
    from azr_safe.selfplay.sample import Sample

    rng = random.Random(seed)
    pool = load_labeled(monitors_dir() / "corpus" / "train.jsonl")
    benign = [t.text for t in pool if t.label == "benign"]
    concerning = [t.text for t in pool if t.label == "concerning"]
    samples = []
    for i in range(n):
        parts = [rng.choice(concerning)] if i % 10 == 0 else []  # 10% concerning
        while sum(len(p) + 1 for p in parts) < 2048:
            parts.append(rng.choice(benign))
        text = " ".join(parts)[:2048]
        samples.append(Sample(sample_id=f"b-{i}", step=0, task_type="deduction", role="propose", reasoning=text,
                              answer="<input>[3, 1, 2], 2</input>", program=PROGRAM))
    return samples


TARGET_TRACES_PER_S = 50.0


def _stack(name: str):  # noqa: ANN202
    from azr_safe.monitors.classifier import ReasoningClassifierMonitor

    if name == "default_without_classifier":
        return build_monitor_suite(["reasoning_patterns", "code_ast", "sandbox_violation", "reward_signals", "pii"])
    suite = build_monitor_suite()
    if name == "default_int8_classifier":
        suite.monitors = [ReasoningClassifierMonitor(int8=True) if m.name == "reasoning_classifier" else m
                          for m in suite.monitors]
    return suite


def throughput(n: int) -> dict:
    import torch

    samples = two_kb_traces(n)
    out = {"n": n, "trace_chars": len(samples[0].reasoning), "torch_threads": torch.get_num_threads()}
    for name in ("default", "default_int8_classifier", "default_without_classifier"):
        suite = _stack(name)
        suite.check_batch(samples[:8])  # warm-up: model load, presidio init
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        for b in range(0, n, 64):
            suite.check_batch(samples[b : b + 64])
        dt = time.perf_counter() - t0
        out[name] = {"traces_per_s": round(n / dt, 1), "ratio_to_target_50": round(n / dt / TARGET_TRACES_PER_S, 3),
                     "loadavg_1m": round((load0 + os.getloadavg()[0]) / 2, 2)}
        print(f"{name:28s} {out[name]}", flush=True)
    # Baseline: the same classifier with the gate off (every window encoded), on a smaller slice.
    from azr_safe.monitors.classifier import ReasoningClassifier

    ungated = ReasoningClassifier(gate=False)
    k = max(8, n // 8)
    t0 = time.perf_counter()
    ungated.score_texts([s.reasoning for s in samples[:k]])
    base = k / (time.perf_counter() - t0)
    out["baseline_ungated_classifier_traces_per_s"] = round(base, 1)
    out["speedup_default_vs_ungated_classifier"] = round(out["default"]["traces_per_s"] / base, 1)
    print(f"baseline ungated classifier: {base:.1f} traces/s; default stack is "
          f"{out['speedup_default_vs_ungated_classifier']}x that", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--json", type=str, default=None, help="Also write the results here.")
    args = parser.parse_args()
    both = not (args.quality or args.speed)
    results = {"cpu_count": os.cpu_count()}
    if args.quality or both:
        results["quality"] = quality()
    if args.speed or both:
        results["throughput"] = throughput(args.n)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
