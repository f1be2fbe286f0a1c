"""Records are never lost to odd values, and misuse of the writer is a clear error."""

from __future__ import annotations

import math

import pytest

from azr_safe.audit import AuditError, AuditLog, StepEnd, iter_records, verify_log


def test_a_diverged_metric_is_recorded_not_lost(tmp_path):
    with AuditLog(tmp_path / "run", use_presidio=False) as log:
        log.append(StepEnd(step=0, metrics={"loss": float("nan"), "grad_norm": float("inf")}))
    assert verify_log(tmp_path / "run").status == "intact"
    (record,) = iter_records(tmp_path / "run")
    assert math.isnan(record.metrics["loss"]) and record.metrics["grad_norm"] == math.inf


def test_unicode_and_control_characters_survive_the_chain(tmp_path):
    with AuditLog(tmp_path / "run", use_presidio=False) as log:
        log.append(StepEnd(step=0, checkpoint="ckpt/ü\u2028\x00\n\"quoted\""))
    assert verify_log(tmp_path / "run").status == "intact"
    assert next(iter_records(tmp_path / "run")).checkpoint == "ckpt/ü\u2028\x00\n\"quoted\""


def test_a_closed_log_refuses_to_append(tmp_path):
    log = AuditLog(tmp_path / "run", use_presidio=False)
    log.close()
    with pytest.raises(AuditError, match="closed"):
        log.append(StepEnd(step=0))


def test_tiny_segments_and_a_file_in_place_of_the_folder_are_clear_errors(tmp_path):
    with pytest.raises(AuditError, match="at least 1024"):
        AuditLog(tmp_path / "run", max_segment_bytes=10)
    (tmp_path / "file").write_text("x")
    with pytest.raises(AuditError, match="cannot open audit folder"):
        AuditLog(tmp_path / "file")


def test_a_record_larger_than_a_segment_gets_a_segment_of_its_own(tmp_path):
    with AuditLog(tmp_path / "run", max_segment_bytes=1024, use_presidio=False) as log:
        log.append(StepEnd(step=0))
        log.append(StepEnd(step=1, metrics={f"m{i}": float(i) for i in range(200)}))
        log.append(StepEnd(step=2))
    assert len(list((tmp_path / "run").glob("segment-*.jsonl"))) == 3
    assert verify_log(tmp_path / "run").status == "intact"
