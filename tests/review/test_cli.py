"""`azr-safe review`: refusals are one line with exit 2; --get and --export-labels work without a port."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

import pytest

from azr_safe.cli.main import main


@pytest.fixture
def _cli(capsys, monkeypatch):
    """Run the real entry point (with its one-line error handling) in this process."""

    def run(*args: str) -> SimpleNamespace:
        monkeypatch.setattr(sys, "argv", ["azr-safe", "review", *args])
        code = 0
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return run


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["--host", "0.0.0.0"], "AZR061: refusing to serve reviews on '0.0.0.0' without a token", id="no-token"),
        pytest.param(["--host", "0.0.0.0", "--token", "short"], "AZR061: --token is 5 characters", id="weak-token"),
        pytest.param(["--port", "70000"], "--port", id="bad-port"),
    ],
)
def test_unsafe_or_invalid_settings_are_refused_in_one_line(_cli, run_dir, args, message):
    out = _cli(str(run_dir), *args)
    assert out.returncode == 2
    assert message in " ".join(out.stderr.split())
    assert "Traceback" not in out.stderr


def test_a_missing_run_directory_is_a_one_line_error(_cli, tmp_path):
    out = _cli(str(tmp_path / "nope"))
    assert out.returncode == 2 and "AZR062" in out.stderr and "Traceback" not in out.stderr


def test_a_folder_without_segments_is_refused(_cli, tmp_path):
    out = _cli(str(tmp_path))
    assert out.returncode == 2 and "no audit-log segments" in " ".join(out.stderr.split())


def test_get_fetches_one_page_in_process(_cli, run_dir):
    out = _cli(str(run_dir), "--get", "/api/samples?action=veto_reward")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["ok"] and body["total"] > 0
    assert {row["action"] for row in body["rows"]} == {"veto_reward"}
    assert _cli(str(run_dir), "--get", "/samples/nope").returncode == 1


def test_export_labels_writes_the_corpus_file(_cli, run_dir, tmp_path):
    from azr_safe.audit import AuditLog, ReviewLabel, iter_records

    target = next(r for r in iter_records(run_dir, flagged=True) if r.sample.reasoning)
    with AuditLog(run_dir) as log:
        log.append(ReviewLabel(target_seq=target.seq, sample_id=target.sample.sample_id, label="false_positive", author="t"))
    out_file = tmp_path / "labels.jsonl"
    out = _cli(str(run_dir), "--export-labels", str(out_file))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert rows == [{
        "id": f"review:{target.sample.sample_id}", "text": target.sample.reasoning, "label": "benign",
        "categories": [], "role": target.sample.role, "task_type": target.sample.task_type,
        "kind": "hard_negative", "evidence": [],
    }]  # fmt: skip
