"""Turn per-problem outcomes into the report's metrics, each with a 95% interval."""

from __future__ import annotations

from azr_safe.evaluation.metrics import bootstrap_mean, pass_at_k, wilson_interval
from azr_safe.evaluation.records import Metric, ProblemResult

K_VALUES = (1, 2, 5, 10, 20, 50, 100)


def _wilson(successes: int, trials: int) -> Metric:
    est = wilson_interval(successes, trials)
    return Metric(value=est.estimate, low=est.low, high=est.high, n=trials, method="wilson")


def _bootstrap(scores: list[float], seed: int) -> Metric:
    est = bootstrap_mean(scores, seed=seed)
    return Metric(value=est.estimate, low=est.low, high=est.high, n=len(scores), method="bootstrap")


def summarize(results: list[ProblemResult], *, samples: int, seed: int = 0) -> dict[str, Metric]:
    """pass@1 (greedy), the share of well-formed answers, per-task pass@1, and pass@k when sampled.

    Keys: `pass@1`, `well_formed`, `pass@1/<task>` (when the set mixes tasks), `pass@k(T)` for
    each k in K_VALUES up to K, and K itself (the unbiased estimator over the K sampled completions).
    """
    if not results:
        return {}
    metrics = {
        "pass@1": _wilson(sum(r.greedy.passed for r in results), len(results)),
        "well_formed": _wilson(sum(r.greedy.answer is not None for r in results), len(results)),
    }
    tasks = sorted({r.task for r in results})
    if len(tasks) > 1:
        for task in tasks:
            subset = [r for r in results if r.task == task]
            metrics[f"pass@1/{task}"] = _wilson(sum(r.greedy.passed for r in subset), len(subset))
    if samples > 1:
        for k in sorted({k for k in K_VALUES if k <= samples} | {samples}):
            scores = [pass_at_k(len(r.samples), r.n_correct, k) for r in results]
            metrics[f"pass@{k}(T)"] = _bootstrap(scores, seed)
    return metrics


def problem_scores(results: list[ProblemResult], metric: str) -> dict[str, float]:
    """Per-problem score behind a metric, keyed by problem id, for paired comparisons."""
    task = metric.split("/", 1)[1] if metric.startswith("pass@1/") else None
    scores: dict[str, float] = {}
    for r in results:
        if task is not None and r.task != task:
            continue
        if metric == "well_formed":
            scores[r.problem_id] = float(r.greedy.answer is not None)
        elif metric.endswith("(T)"):
            k = int(metric[len("pass@") : -len("(T)")])
            if len(r.samples) >= k:
                scores[r.problem_id] = pass_at_k(len(r.samples), r.n_correct, k)
        else:
            scores[r.problem_id] = float(r.greedy.passed)
    return scores
