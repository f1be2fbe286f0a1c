"""The read API and CLI: list with filters, show by id, export, review labels, concurrent writers, replay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from azr_safe.audit import AuditError, AuditLog, SampleEvent, get_record, iter_records, review_labels, verify_log
from azr_safe.cli.audit import app as audit_app
from azr_safe.cli.policy import app as policy_app

from .helpers import record_run, segment_lines, write_lines


@pytest.fixture
def run(tmp_path):
    record_run(tmp_path / "run")
    return tmp_path / "run"


def test_iter_records_filters_by_event_flag_category_and_step(run):
    samples = list(iter_records(run, event="sample"))
    assert len(samples) == 12
    flagged = list(iter_records(run, flagged=True))
    assert [r.seq for r in flagged] == [r.seq for r in samples if r.verdicts[0].flagged]
    assert [r.seq for r in iter_records(run, category="deception")] == [r.seq for r in flagged]
    assert {r.event for r in iter_records(run, step=1)} == {"sample", "step_end"}


def test_get_record_by_seq_sample_id_and_hash_prefix(run):
    by_seq = get_record(run, "3")
    assert isinstance(by_seq, SampleEvent)
    assert get_record(run, by_seq.sample.sample_id).seq == 3
    assert get_record(run, by_seq.hash[:10]).seq == 3
    with pytest.raises(AuditError, match="no record"):
        get_record(run, "999")


def test_audit_list_cli_flagged_category_and_json(run):
    table = CliRunner().invoke(audit_app, ["list", str(run), "--flagged"])
    assert table.exit_code == 0 and table.output.rstrip().endswith("4 records")
    as_json = CliRunner().invoke(audit_app, ["list", str(run), "--category", "deception", "--json"])
    rows = [json.loads(line) for line in as_json.output.splitlines()]
    assert len(rows) == 4 and all(r["decision"]["action"] == "drop_sample" for r in rows)
    bad = CliRunner().invoke(audit_app, ["list", str(run), "--event", "nope"])
    assert bad.exit_code == 2 and "unknown event 'nope'" in bad.output


def test_audit_show_cli_prints_the_record_and_its_review_labels(run):
    with AuditLog(run, use_presidio=False) as log:
        log.append_review_label(1, "concerning", "reviewer-1", "clear deception")
    result = CliRunner().invoke(audit_app, ["show", str(run), "1"])
    assert result.exit_code == 0
    assert json.loads(result.output.split("\nreview label")[0])["seq"] == 1
    assert "review label (seq 16): concerning by reviewer-1: clear deception" in result.output
    missing = CliRunner().invoke(audit_app, ["show", str(run), "nope-id"])
    assert missing.exit_code == 2 and missing.output.startswith("error AZR050:")


def test_export_jsonl_is_byte_identical_to_the_segments_and_parquet_has_flat_columns(run, tmp_path):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(audit_app, ["export", str(run), "--format", "jsonl", "--out", str(out)])
    assert result.exit_code == 0 and "exported 16 records" in result.output
    assert out.read_bytes() == b"".join(segment_lines(run))
    CliRunner().invoke(audit_app, ["export", str(run), "--format", "parquet"])
    table = pq.read_table(tmp_path / "run.parquet").to_pylist()
    assert [row["seq"] for row in table] == list(range(16))
    sample_row = table[1]
    assert (sample_row["event"], sample_row["action"], sample_row["rule_ids"]) == (
        "sample", "drop_sample", ["drop-concerning-reasoning"])
    assert sample_row["categories"] == ["deception"] and sample_row["flagged"] is True
    assert json.loads(sample_row["record_json"])["hash"] == sample_row["hash"]


def test_export_refuses_a_tampered_log_and_leaves_no_file(run, tmp_path):
    lines = segment_lines(run)
    del lines[2]
    write_lines(run, lines)
    result = CliRunner().invoke(audit_app, ["export", str(run), "--out", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2 and "TAMPERED" in result.output
    assert not (tmp_path / "x.jsonl").exists()


def test_review_labels_are_appended_records_and_only_target_samples(run):
    with AuditLog(run, use_presidio=False) as log:
        first = log.append_review_label(1, "concerning", "r1", "")
        second = log.append_review_label(1, "false_positive", "r2", "on second look, fine")
        with pytest.raises(AuditError, match="not a sample"):
            log.append_review_label(0, "benign", "r1")
    assert [label.label for label in review_labels(run, 1)] == ["concerning", "false_positive"]
    assert second.prev_hash == first.hash
    assert verify_log(run).status == "intact"


def test_two_open_logs_interleave_without_breaking_the_chain(run):
    trainer = AuditLog(run, use_presidio=False)
    reviewer = AuditLog(run, use_presidio=False)
    reviewer.append_review_label(2, "benign", "r1")
    trainer.append_review_label(3, "benign", "r2")  # must see the reviewer's record first
    reviewer.append_review_label(4, "benign", "r1")
    trainer.close()
    reviewer.close()
    report = verify_log(run)
    assert report.status == "intact" and report.records == 19


APPENDER = textwrap.dedent("""
    import sys
    from azr_safe.audit import AuditLog, StepEnd
    with AuditLog(sys.argv[1], use_presidio=False) as log:
        for i in range(40):
            log.append(StepEnd(step=int(sys.argv[2]) * 1000 + i))
""")


def test_two_processes_appending_at_once_keep_one_valid_chain(run):
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(run), str(k)], env=env) for k in (1, 2)]
    assert [p.wait(timeout=180) for p in procs] == [0, 0]
    report = verify_log(run)
    assert report.status == "intact" and report.records == 16 + 80


def test_policy_replay_diffs_another_policy_against_the_recorded_decisions(tmp_path):
    record_run(tmp_path / "run", policy="policies/observe-only.yaml")
    result = CliRunner().invoke(policy_app, ["replay", "policies/default.yaml", "--log", str(tmp_path / "run"),
                                             "--json"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 4 and all(r["changed"] for r in rows)
    assert {(r["recorded_action"], r["replayed_action"]) for r in rows} == {("flag", "drop_sample")}
    same = CliRunner().invoke(policy_app, ["replay", "policies/observe-only.yaml", "--log", str(tmp_path / "run")])
    assert same.output.strip().endswith("12 samples replayed under 'observe-only': 0 decisions would change")


def test_audit_and_policy_groups_are_registered_on_the_main_command(run):
    from azr_safe.cli.main import app as main_app

    lines = segment_lines(run)
    del lines[7]
    write_lines(run, lines)
    result = CliRunner().invoke(main_app, ["audit", "verify", str(run)])
    assert result.exit_code == 1 and "line 8 (seq 8): missing record(s): expected seq 7" in result.output
    assert CliRunner().invoke(main_app, ["policy", "validate", "policies/strict.yaml"]).exit_code == 0


def test_replay_skips_samples_of_an_attempt_abandoned_by_a_resume(tmp_path):
    from azr_safe.audit import Resume
    from azr_safe.policy import load_policy
    from azr_safe.policy.replay import replay

    run_dir = tmp_path / "run"
    record_run(run_dir, steps=2)  # seq 0 run_start, 1-4 samples, 5 step_end, 6-9 samples, 10 step_end
    with AuditLog(run_dir, use_presidio=False) as log:
        log.append(Resume(step=1, acknowledged_by="ops", acknowledgement="crash; step 1 re-runs",
                          superseded_from_seq=6))
    rows = replay(load_policy("policies/default.yaml"), run_dir)
    assert [r.seq for r in rows] == [1, 2, 3, 4]
