"""`azr-safe eval` end to end through the CLI: real jail, real (tiny random) transformers model."""

import json
import subprocess
import sys

import pytest

from azr_safe.evaluation.records import EvalReport


@pytest.mark.slow
def test_eval_cli_writes_a_report_for_a_tiny_random_model_offline(tmp_path):
    out = tmp_path / "crux.json"
    run = subprocess.run(
        [sys.executable, "-m", "azr_safe.cli", "eval", "--model", "tiny-random", "--benchmark", "cruxeval-i",
         "--limit", "2", "--samples", "2", "--max-new-tokens", "12", "--label", "tiny", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = EvalReport.model_validate(json.loads(out.read_text()))
    assert report.benchmark == "cruxeval-i" and report.label == "tiny" and report.jailed
    assert [p.problem_id for p in report.problems] == ["cruxeval-v1/0", "cruxeval-v1/1"]
    assert all(len(p.samples) == 2 for p in report.problems)
    assert {"pass@1", "well_formed", "pass@1(T)", "pass@2(T)"} <= set(report.metrics)
    assert report.jail_layers["seccomp"].startswith("on")
    assert "pass@1" in run.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--benchmark", "mbpp"], "unknown benchmark 'mbpp'"),
        (["--benchmark", "humaneval", "--temperature", "0"], "--temperature must be > 0"),
        (["--benchmark", "humaneval", "--model", "/nonexistent/model"], "model folder not found"),
    ],
)
def test_eval_cli_rejects_bad_options_with_one_clear_error(args, message):
    run = subprocess.run([sys.executable, "-m", "azr_safe.cli", "eval", *args], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 2
    assert message in " ".join(run.stderr.split()) and "Traceback" not in run.stderr
