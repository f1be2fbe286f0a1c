"""Before/after comparison of two reports: paired differences, refusals, the plot and the CLI."""

import subprocess
import sys

import pytest

from azr_safe.evaluation.compare import ReportError, compare_reports, plot_comparison
from azr_safe.evaluation.records import Attempt, EvalReport, ProblemResult
from azr_safe.evaluation.scoring import summarize


def _report(passed: list[bool], *, label: str, sha: str = "a" * 64, task: str = "deduction") -> EvalReport:
    results = [
        ProblemResult(
            problem_id=f"p{i}",
            task=task,
            greedy=Attempt(text="t", answer="1" if ok is not None else None, passed=bool(ok), reason="ok"),
        )
        for i, ok in enumerate(passed)
    ]
    return EvalReport(
        benchmark="cruxeval-o", benchmark_sha256=sha, model=label, label=label, samples=1, temperature=0.8,
        max_new_tokens=8, seed=0, jailed=True, started_at="2026-01-01T00:00:00+00:00", duration_s=1.0,
        metrics=summarize(results, samples=1), problems=results,
    )


def _write(tmp_path, name, report):
    path = tmp_path / name
    path.write_text(report.model_dump_json())
    return path


def test_comparison_pairs_problems_and_reports_the_mean_difference(tmp_path):
    before = _write(tmp_path, "a.json", _report([False, False, True, True], label="base"))
    after = _write(tmp_path, "b.json", _report([True, False, True, True], label="ckpt"))
    comparison = compare_reports(before, after)
    row = next(r for r in comparison.rows if r.metric == "pass@1")
    assert (row.before.value, row.after.value) == (0.5, 0.75)
    assert row.diff == pytest.approx(0.25)
    assert (row.diff_low, row.diff_high) == (0.0, 0.75)  # see the hand-enumerated case in test_metrics
    assert row.paired_n == 4 and not row.significant
    assert (comparison.before_label, comparison.after_label) == ("base", "ckpt")


def test_a_consistent_improvement_is_marked_significant(tmp_path):
    before = _write(tmp_path, "a.json", _report([False] * 30, label="base"))
    after = _write(tmp_path, "b.json", _report([True] * 20 + [False] * 10, label="ckpt"))
    row = next(r for r in compare_reports(before, after).rows if r.metric == "pass@1")
    assert row.significant and row.diff_low > 0.4


def test_reports_on_different_problem_sets_are_refused(tmp_path):
    before = _write(tmp_path, "a.json", _report([True], label="a", sha="a" * 64))
    after = _write(tmp_path, "b.json", _report([True], label="b", sha="b" * 64))
    with pytest.raises(ReportError, match="different problem sets"):
        compare_reports(before, after)


def test_folders_of_reports_are_matched_by_benchmark(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "ckpt").mkdir()
    _write(tmp_path / "base", "crux.json", _report([True, False], label="base"))
    _write(tmp_path / "ckpt", "crux.json", _report([True, True], label="ckpt"))
    rows = compare_reports(tmp_path / "base", tmp_path / "ckpt").rows
    assert {r.benchmark for r in rows} == {"cruxeval-o"}


def test_plot_is_written_as_a_png(tmp_path):
    before = _write(tmp_path, "a.json", _report([False, True, True], label="observe-only"))
    after = _write(tmp_path, "b.json", _report([True, True, False], label="default"))
    png = tmp_path / "cmp.png"
    plot_comparison(compare_reports(before, after), png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_cli_compare_prints_a_table_and_rejects_a_non_report_in_one_line(tmp_path):
    before = _write(tmp_path, "a.json", _report([False, True], label="base"))
    after = _write(tmp_path, "b.json", _report([True, True], label="ckpt"))
    ok = subprocess.run(
        [sys.executable, "-m", "azr_safe.cli", "eval", "compare", str(before), str(after), "--plot", str(tmp_path / "p.png")],
        capture_output=True, text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "base → ckpt" in ok.stdout and "pass@1" in ok.stdout and (tmp_path / "p.png").is_file()
    junk = tmp_path / "junk.json"
    junk.write_text('{"not": "a report"}')
    bad = subprocess.run(
        [sys.executable, "-m", "azr_safe.cli", "eval", "compare", str(junk), str(after)], capture_output=True, text=True
    )
    assert bad.returncode == 2
    message = " ".join(bad.stderr.split())  # rich wraps the one message at the terminal width
    assert message.startswith("error AZR702:") and "is not an azr-safe evaluation report" in message
    assert "Traceback" not in bad.stderr


def test_cli_eval_without_a_benchmark_fails_with_a_clear_error():
    out = subprocess.run([sys.executable, "-m", "azr_safe.cli", "eval"], capture_output=True, text=True)
    assert out.returncode == 2 and "--benchmark is required" in out.stderr and "Traceback" not in out.stderr


def test_plot_handles_all_zero_scores(tmp_path):
    before = _write(tmp_path, "a.json", _report([False] * 40, label="base"))
    after = _write(tmp_path, "b.json", _report([False] * 40, label="ckpt"))
    png = tmp_path / "zeros.png"
    plot_comparison(compare_reports(before, after), png)
    assert png.read_bytes()[:4] == b"\x89PNG"
