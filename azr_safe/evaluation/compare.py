"""Before/after comparison of two evaluations: a table with intervals and a plot.

Use it for a checkpoint against its base model, or for two policies' checkpoints trained from the
same base (the price of safety). Reports are matched by benchmark and problem id; a difference is
the mean of per-problem differences, with a paired bootstrap interval over the shared problems.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from azr_safe.errors import UserFacingError
from azr_safe.evaluation.metrics import paired_bootstrap_diff
from azr_safe.evaluation.records import EvalReport, Metric
from azr_safe.evaluation.scoring import problem_scores


class ReportError(UserFacingError):
    """An evaluation report cannot be read or the two sides cannot be compared."""

    code = "AZR702"


class ComparisonRow(BaseModel):
    """One metric of one benchmark, before and after."""

    model_config = ConfigDict(extra="forbid")

    benchmark: str
    metric: str
    before: Metric
    after: Metric
    diff: float = Field(description="Mean of per-problem (after - before) over the shared problems.")
    diff_low: float
    diff_high: float
    paired_n: int = Field(description="Problems both reports scored.")

    @property
    def significant(self) -> bool:
        return self.diff_low > 0 or self.diff_high < 0


class Comparison(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before_label: str
    after_label: str
    rows: list[ComparisonRow]


def read_report(path: Path) -> EvalReport:
    if not path.is_file():
        raise ReportError(f"no evaluation report at {path}", hint="write one with `azr-safe eval ... --out FILE`")
    try:
        return EvalReport.model_validate_json(path.read_bytes())
    except (ValidationError, ValueError) as err:
        raise ReportError(f"{path} is not an azr-safe evaluation report ({str(err).splitlines()[0]})") from None


def read_reports(path: Path) -> dict[str, EvalReport]:
    """One report file, or every `*.json` report in a folder, keyed by benchmark."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise ReportError(f"no *.json evaluation reports in {path}")
    reports: dict[str, EvalReport] = {}
    for file in files:
        report = read_report(file)
        if report.benchmark in reports:
            raise ReportError(f"{path} holds two reports for {report.benchmark}; keep one per benchmark")
        reports[report.benchmark] = report
    return reports


def _compare_pair(before: EvalReport, after: EvalReport, seed: int) -> list[ComparisonRow]:
    if before.benchmark_sha256 != after.benchmark_sha256:
        raise ReportError(f"the two {before.benchmark} reports used different problem sets (sha256 differs)")
    rows = []
    for metric in (m for m in before.metrics if m in after.metrics):
        a, b = problem_scores(before.problems, metric), problem_scores(after.problems, metric)
        shared = sorted(set(a) & set(b))
        if not shared:
            continue
        diff = paired_bootstrap_diff([a[i] for i in shared], [b[i] for i in shared], seed=seed)
        rows.append(
            ComparisonRow(
                benchmark=before.benchmark,
                metric=metric,
                before=before.metrics[metric],
                after=after.metrics[metric],
                diff=diff.estimate,
                diff_low=diff.low,
                diff_high=diff.high,
                paired_n=len(shared),
            )
        )
    return rows


def compare_reports(before: Path, after: Path, *, seed: int = 0) -> Comparison:
    """Compare two report files, or two folders of reports (matched by benchmark)."""
    a, b = read_reports(before), read_reports(after)
    benchmarks = [name for name in a if name in b]
    if not benchmarks:
        raise ReportError(f"{before} and {after} share no benchmark: {sorted(a)} vs {sorted(b)}")
    rows = [row for name in benchmarks for row in _compare_pair(a[name], b[name], seed)]
    first = benchmarks[0]
    return Comparison(before_label=a[first].label, after_label=b[first].label, rows=rows)


def write_comparison_json(comparison: Comparison, path: Path) -> None:
    path.write_text(json.dumps(comparison.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")


def plot_comparison(comparison: Comparison, path: Path) -> None:
    """Grouped bars (before, after) per benchmark metric, with 95% interval whiskers, as PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display; write files only
    import matplotlib.pyplot as plt
    import numpy as np

    rows = comparison.rows
    labels = [f"{r.benchmark}\n{r.metric}" for r in rows]
    x = np.arange(len(rows))
    width = 0.38
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(rows) + 2), 4.2))
    for offset, side, name in ((-width / 2, "before", comparison.before_label), (width / 2, "after", comparison.after_label)):
        metrics = [getattr(r, side) for r in rows]
        values = np.array([m.value for m in metrics])
        # clip: Wilson bounds can sit a rounding error inside a 0 or 1 estimate
        errors = np.clip(np.array([[m.value - m.low for m in metrics], [m.high - m.value for m in metrics]]), 0, None)
        ax.bar(x + offset, values, width, yerr=errors, capsize=3, label=name)
    for i, r in enumerate(rows):
        ax.annotate(f"Δ {r.diff:+.3f}\n[{r.diff_low:+.3f}, {r.diff_high:+.3f}]", (x[i], 1.02), ha="center",
                    va="bottom", fontsize=7, annotation_clip=False)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("score (95% interval)")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
