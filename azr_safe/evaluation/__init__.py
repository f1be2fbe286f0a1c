"""Evaluation: HumanEval, CRUXEval-style output/input prediction and held-out self-play tasks,
graded in the jail, with pass@k, confidence intervals and before/after comparisons."""

from azr_safe.evaluation.compare import Comparison, ComparisonRow, ReportError, compare_reports, plot_comparison
from azr_safe.evaluation.datasets import DatasetIntegrityError, load_pinned, sha256_of_problems
from azr_safe.evaluation.metrics import (
    Interval,
    bootstrap_mean,
    mean_pass_at_k,
    paired_bootstrap_diff,
    pass_at_k,
    wilson_interval,
)
from azr_safe.evaluation.records import BENCHMARKS, Attempt, EvalReport, Metric, Problem, ProblemResult
from azr_safe.evaluation.runner import EvalSettings, load_benchmark, run_eval

__all__ = [
    "BENCHMARKS",
    "Attempt",
    "Comparison",
    "ComparisonRow",
    "DatasetIntegrityError",
    "EvalReport",
    "EvalSettings",
    "Interval",
    "Metric",
    "Problem",
    "ProblemResult",
    "ReportError",
    "bootstrap_mean",
    "compare_reports",
    "load_benchmark",
    "load_pinned",
    "mean_pass_at_k",
    "paired_bootstrap_diff",
    "pass_at_k",
    "plot_comparison",
    "run_eval",
    "sha256_of_problems",
    "wilson_interval",
]
