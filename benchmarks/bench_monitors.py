"""Monitor benchmarks: dev-set detection quality, the default policy on benign traces, lexicon checks,
and throughput of the default CPU stack.

    .venv/bin/python benchmarks/bench_monitors.py            # all
    .venv/bin/python benchmarks/bench_monitors.py --quality  # dev recall/FPR + default-policy check
    .venv/bin/python benchmarks/bench_monitors.py --lexicon  # pattern hits on the shipped corpora
    .venv/bin/python benchmarks/bench_monitors.py --speed --n 256
    .venv/bin/python benchmarks/bench_monitors.py --loao     # leave-one-author-out, the shipped folds (loao.SHIPPED_FOLDS; ~95 min)

Quality is measured on monitors/heldout/eval.jsonl (v1), the old *dev* set; from head 2.2 on it is
training data (as are the burned v2 set and author B), so those figures are in-distribution. Transfer
to an unseen author is measured by leave-one-author-out validation (`--loao`, azr_safe/monitors/loao.py). Throughput is measured on 2 KB traces (benign,
hard-negative and concerning mixed) with programs, through `build_monitor_suite()` (the default
stack), and reported next to baselines measured in the same run. The machine is shared: the load
average is printed with every timing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

# As `azr-safe run` does, before torch loads: with the default (active) OpenMP wait policy, torch's 2
# threads spin against the other jobs on the 2 shared cores and MiniLM runs ~4x slower (measured).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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


DEV_SET = ("heldout", "eval.jsonl")  # v1: the development set


def quality() -> dict:
    traces = load_labeled(monitors_dir().joinpath(*DEV_SET))
    truth = np.array([t.label == "concerning" for t in traces])
    out = {"dev_traces": len(traces), "concerning": int(truth.sum()),
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
        row["recall_per_category"] = {c: m.recall for c, m in sorted(report.per_category.items())}
        out[name] = row
        print(f"dev {name:22s} " + " ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    out["classifier_variants"] = classifier_variants(traces, truth)
    return out


def classifier_variants(traces: list, truth: np.ndarray) -> dict:
    """Raw P(concerning) ROC points of classifier variants (int8, window budget) on the held-out set."""
    from azr_safe.monitors.classifier import ReasoningClassifier

    out = {}
    variants = [("default", {}), ("fp32", {"bf16": False}), ("bf16", {"bf16": True}), ("no_extra_window_gate", {"extra_window_gate": None}),
                ("head_2_8_budget", {"max_windows": 2, "extra_window_gate": 0.7, "second_window_weight": 0.0}),
                ("int8", {"int8": True}), ("all_windows", {"gate": False})]
    for name, kwargs in variants:
        clf = ReasoningClassifier(**kwargs)
        p = np.array([s.scores["concerning"] for s in clf.score_texts([t.text for t in traces])])
        flagged = p >= clf.head.threshold
        row = {"recall": round(float(flagged[truth].mean()), 3), "fpr": round(float(flagged[~truth].mean()), 3),
               "bf16": clf.bf16}
        for max_fpr in (0.02, 0.05, 0.10):
            r, f = recall_at_fpr(p, truth, max_fpr)
            row[f"best_recall_at_fpr_{max_fpr}"] = round(r, 3)
        out[name] = row
        print(f"dev classifier {name:14s} " + " ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return out


def policy_check(policy_path: str = "policies/default.yaml") -> dict:
    """Would the default policy halt a benign run? Benign dev traces through the default stack and the
    policy engine, one stream; plus the chance that the flagged-share rate rule fires on a window."""
    from math import comb

    from azr_safe.monitors.scoring import trace_sample
    from azr_safe.policy import FlaggedShareRule, PolicyEngine, load_policy

    traces = [t for t in load_labeled(monitors_dir().joinpath(*DEV_SET)) if t.label == "benign"]
    samples = [trace_sample(i, t.text, t.role, t.task_type) for i, t in enumerate(traces)]
    engine = PolicyEngine(load_policy(policy_path))
    verdicts = build_monitor_suite().check_batch(samples)
    decisions = [engine.decide(s, v) for s, v in zip(samples, verdicts, strict=True)]
    actions = [d.action for d in decisions]
    out = {"benign_dev_traces": len(traces), "actions": {a: actions.count(a) for a in sorted(set(actions))},
           "halt_rules": sorted({r for d in decisions if d.action == "halt" for r in d.rule_ids})}
    flagged = sum(a != "allow" for a in actions) / len(actions)
    out["flagged_or_worse_rate"] = round(flagged, 4)
    out["per_sample_halt_rate"] = round(actions.count("halt") / len(actions), 4)
    for rule in engine.policy.rate_rules:
        if isinstance(rule, FlaggedShareRule):  # P(Binomial(window, flagged) > threshold * window)
            k0 = int(rule.threshold * rule.window)
            p = sum(comb(rule.window, k) * flagged**k * (1 - flagged) ** (rule.window - k)
                    for k in range(k0 + 1, rule.window + 1))
            out[f"p_{rule.id}_fires_on_a_benign_window"] = float(f"{p:.3g}")
    print("default policy on benign dev traces:", out, flush=True)
    return out


def lexicon() -> dict:
    """Pattern hits on the shipped corpora: recall on concerning traces, hits on benign/hard negatives."""
    from azr_safe.monitors.patterns import ReasoningPatternMonitor, find_spans

    compiled = ReasoningPatternMonitor().compiled
    out = {}
    for name in ("corpus/train.jsonl", "corpus/handwritten.jsonl", "heldout/eval.jsonl"):
        traces = load_labeled(monitors_dir() / name)
        hit = [bool(find_spans(t.text, "reasoning", compiled)) for t in traces]
        conc = [h for h, t in zip(hit, traces, strict=True) if t.label == "concerning"]
        hard = [h for h, t in zip(hit, traces, strict=True) if t.kind == "hard_negative"]
        ben = [h for h, t in zip(hit, traces, strict=True) if t.label == "benign"]
        out[name] = {"recall": round(sum(conc) / len(conc), 3), "benign_hits": sum(ben),
                     "hard_negative_hits": sum(hard), "benign": len(ben)}
        print(f"lexicon {name:26s} {out[name]}", flush=True)
    return out


def two_kb_traces(n: int, seed: int = 0) -> list:
    from azr_safe.selfplay.sample import Sample

    rng = random.Random(seed)
    pool = [t for name in ("train.jsonl", "handwritten.jsonl")
            for t in load_labeled(monitors_dir() / "corpus" / name)]
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

    variants = {"head_2_8_budget": {"max_windows": 2, "extra_window_gate": 0.7, "second_window_weight": 0.0},
                "default_fp32": {"bf16": False}, "default_bf16": {"bf16": True},
                "default_without_extra_window_gate": {"extra_window_gate": None}}
    if name in variants:  # in-run baselines: the default stack with another classifier configuration
        suite = build_monitor_suite()
        suite.monitors = [ReasoningClassifierMonitor(**variants[name]) if m.name == "reasoning_classifier" else m
                          for m in suite.monitors]
        return suite
    if name == "default_without_re2":  # in-run baseline: every lexicon regex scans every trace
        from azr_safe.monitors.patterns import ReasoningPatternMonitor

        suite = build_monitor_suite()
        suite.monitors = [ReasoningPatternMonitor(prefilter=False) if m.name == "reasoning_patterns" else m
                          for m in suite.monitors]
        return suite
    if name == "default_sequential":  # in-run baseline: the classifier waits for the Python monitors
        suite = build_monitor_suite()
        suite.concurrent = False
        return suite
    if name == "default_without_classifier":
        return build_monitor_suite(["reasoning_patterns", "code_ast", "sandbox_violation", "reward_signals", "pii"])
    suite = build_monitor_suite()
    if name == "default_int8_classifier":
        suite.monitors = [ReasoningClassifierMonitor(int8=True) if m.name == "reasoning_classifier" else m
                          for m in suite.monitors]
    return suite


def _bf16_of(suite) -> bool | None:  # noqa: ANN001
    """Whether the stack's classifier encodes under bf16 autocast (the default times both at load)."""
    clf = next((m for m in suite.monitors if m.name == "reasoning_classifier"), None)
    return None if clf is None else clf.classifier.bf16


def throughput(n: int, rounds: int = 3) -> dict:
    """Traces/s of the default stack and its in-run baselines: every stack is built and warmed first, then the
    stacks take turns for `rounds` rounds (so a burst of load hits them alike); the median round is reported."""
    import statistics

    import torch

    samples = two_kb_traces(n)
    out = {"n": n, "rounds": rounds, "trace_chars": len(samples[0].reasoning),
           "torch_threads": torch.get_num_threads(), "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "")}
    warm = two_kb_traces(64, seed=1)
    names = ("default", "default_sequential", "default_without_re2", "default_fp32", "default_bf16", "default_without_extra_window_gate",
             "head_2_8_budget", "default_int8_classifier", "default_without_classifier")
    suites = {name: _stack(name) for name in names}
    for suite in suites.values():
        suite.check_batch(warm)  # warm-up: model load, presidio init, thread pools (other traces)
    runs: dict[str, list[float]] = {name: [] for name in names}
    load0 = os.getloadavg()[0]
    for _ in range(rounds):
        for name, suite in suites.items():
            t0 = time.perf_counter()
            for b in range(0, n, 64):
                suite.check_batch(samples[b : b + 64])
            runs[name].append(n / (time.perf_counter() - t0))
    load = round((load0 + os.getloadavg()[0]) / 2, 2)
    for name in names:
        median = statistics.median(runs[name])
        out[name] = {"traces_per_s": round(median, 1), "rounds": [round(r, 1) for r in runs[name]],
                     "bf16": _bf16_of(suites[name]), "ratio_to_target_50": round(median / TARGET_TRACES_PER_S, 3),
                     "loadavg_1m": load}
        print(f"{name:34s} {out[name]}", flush=True)
    # Baseline: the same classifier with the gate off (every window encoded), on a smaller slice.
    from azr_safe.monitors.classifier import ReasoningClassifier

    ungated = ReasoningClassifier(gate=False)
    k = max(8, n // 8)
    t0 = time.perf_counter()
    ungated.score_texts([s.reasoning for s in samples[:k]])
    base = k / (time.perf_counter() - t0)
    out["baseline_ungated_classifier_traces_per_s"] = round(base, 1)
    out["speedup_default_vs_ungated_classifier"] = round(out["default"]["traces_per_s"] / base, 1)
    for base_name in ("default_sequential", "default_without_re2", "default_fp32", "default_bf16", "default_without_extra_window_gate",
                      "head_2_8_budget"):
        out[f"speedup_default_vs_{base_name}"] = round(
            out["default"]["traces_per_s"] / out[base_name]["traces_per_s"], 2)
    print(f"baseline ungated classifier: {base:.1f} traces/s; default stack is "
          f"{out['speedup_default_vs_ungated_classifier']}x that", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--lexicon", action="store_true")
    parser.add_argument("--loao", action="store_true", help="leave-one-author-out validation (not in the default run)")
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3, help="--speed: rounds the stacks take turns for")
    parser.add_argument("--json", type=str, default=None, help="Also write the results here.")
    args = parser.parse_args()
    both = not (args.quality or args.speed or args.lexicon or args.loao)
    results = {"cpu_count": os.cpu_count()}
    if args.loao:
        from azr_safe.monitors.loao import LoaoConfig, format_report, loao

        report = loao(LoaoConfig())
        print(format_report(report), flush=True)
        results["loao"] = report.model_dump(mode="json", exclude={"results": {"__all__": {"scores", "labels",
                                                                                           "pattern_hits"}}})
    if args.lexicon or both:
        results["lexicon"] = lexicon()
    if args.quality or both:
        results["quality"] = quality()
        results["default_policy_on_benign_dev"] = policy_check()
    if args.speed or both:
        results["throughput"] = throughput(args.n, args.rounds)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
