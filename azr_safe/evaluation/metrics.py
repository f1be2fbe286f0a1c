"""Scores and their uncertainty: the unbiased pass@k estimator, Wilson and bootstrap intervals.

pass@k follows Chen et al. 2021 ("Evaluating Large Language Models Trained on Code", eq. 1):
    pass@k = E_problems[ 1 - C(n - c, k) / C(n, k) ]
computed in the numerically stable product form 1 - prod_{i=n-c+1}^{n} (1 - k / i).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

Z_95 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval


class Interval(NamedTuple):
    """A point estimate with a two-sided confidence interval."""

    estimate: float
    low: float
    high: float


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of pass@k for one problem with `c` correct out of `n` samples."""
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got c={c}, n={n}")
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got k={k}, n={n}")
    if n - c < k:  # every size-k subset holds a correct sample
        return 1.0
    return 1.0 - float(np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def mean_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float:
    """pass@k over problems, given (n, c) per problem."""
    if not counts:
        raise ValueError("no problems to score")
    return sum(pass_at_k(n, c, k) for n, c in counts) / len(counts)


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> Interval:
    """Wilson score interval for a binomial proportion (good at small n and near 0 or 1)."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials > 0, got {successes}/{trials}")
    p_hat = successes / trials
    denom = 1.0 + z * z / trials
    center = (p_hat + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p_hat * (1 - p_hat) / trials + z * z / (4 * trials * trials)) / denom
    return Interval(p_hat, max(0.0, center - half), min(1.0, center + half))


def _percentiles(draws: np.ndarray, level: float) -> tuple[float, float]:
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [alpha, 1.0 - alpha])
    return float(low), float(high)


def bootstrap_mean(scores: Sequence[float], *, resamples: int = 10_000, level: float = 0.95, seed: int = 0) -> Interval:
    """Percentile bootstrap interval for the mean of per-problem scores."""
    x = np.asarray(scores, dtype=float)
    if x.size == 0:
        raise ValueError("no scores to bootstrap")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(resamples, x.size))
    return Interval(float(x.mean()), *_percentiles(x[idx].mean(axis=1), level))


def paired_bootstrap_diff(
    before: Sequence[float], after: Sequence[float], *, resamples: int = 10_000, level: float = 0.95, seed: int = 0
) -> Interval:
    """Interval for mean(after - before) over the same problems, resampling problems jointly."""
    a, b = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"paired scores need the same non-zero length, got {a.size} and {b.size}")
    diff = b - a
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, diff.size, size=(resamples, diff.size))
    return Interval(float(diff.mean()), *_percentiles(diff[idx].mean(axis=1), level))
