"""`audit verify` catches every kind of tampering and names the first bad record."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from azr_safe.audit import verify_log
from azr_safe.audit.records import canonical_json, record_hash
from azr_safe.cli.audit import app

from .helpers import record_run, segment_lines, write_lines


@pytest.fixture
def run(tmp_path):
    record_run(tmp_path / "run")
    return tmp_path / "run"


def verify_cli(run_dir):
    return CliRunner().invoke(app, ["verify", str(run_dir)])


def test_an_untouched_log_verifies(run):
    report = verify_log(run)
    assert report.status == "intact" and report.records == 1 + 3 * 5
    result = verify_cli(run)
    assert result.exit_code == 0 and result.output.startswith("OK: 16 records")


def test_editing_one_byte_is_caught_at_that_record(run):
    lines = segment_lines(run)
    edited = lines[2].replace(b"compute f(3)", b"compute f(4)")
    assert edited != lines[2]
    lines[2] = edited
    write_lines(run, lines)
    result = verify_cli(run)
    assert result.exit_code == 1
    assert "segment-000001.jsonl line 3 (seq 2): hash mismatch" in result.output


def test_editing_and_resealing_one_record_breaks_the_chain_at_the_next(run):
    lines = segment_lines(run)
    data = json.loads(lines[1])
    assert data["decision"]["action"] == "drop_sample"
    data["decision"]["action"] = "allow"
    data["hash"] = record_hash(data)
    lines[1] = (canonical_json(data) + "\n").encode()
    write_lines(run, lines)
    report = verify_log(run)
    assert report.status == "tampered"
    assert "line 3 (seq 2): chain broken" in report.problem and report.records == 2


def test_rewriting_the_whole_chain_after_an_edit_is_caught_by_head(run):
    lines = segment_lines(run)
    prev = None
    for i, raw in enumerate(lines):
        data = json.loads(raw)
        if i == 1:
            data["decision"]["action"] = "allow"  # was drop_sample
        if prev is not None:
            data["prev_hash"] = prev
        data["hash"] = prev = record_hash(data)
        lines[i] = (canonical_json(data) + "\n").encode()
    write_lines(run, lines)
    report = verify_log(run)
    assert report.status == "tampered" and "differs from what HEAD.json recorded" in report.problem


def test_deleting_a_record_is_caught_at_the_next_one(run):
    lines = segment_lines(run)
    del lines[4]
    write_lines(run, lines)
    result = verify_cli(run)
    assert result.exit_code == 1
    assert "line 5 (seq 5): missing record(s): expected seq 4" in result.output


def test_reordering_two_records_is_caught(run):
    lines = segment_lines(run)
    lines[3], lines[4] = lines[4], lines[3]
    write_lines(run, lines)
    result = verify_cli(run)
    assert result.exit_code == 1 and "line 4 (seq 4)" in result.output


def test_truncating_whole_records_from_the_end_is_caught_by_head(run):
    write_lines(run, segment_lines(run)[:-3])
    result = verify_cli(run)
    assert result.exit_code == 1
    assert "truncated: HEAD.json records seq 15, but the log ends at seq 12" in result.output


def test_truncating_inside_a_synced_record_is_tampering_not_a_crash(run):
    # HEAD only advances after a record is completely written, so a torn record at or before HEAD
    # cannot come from a crash.
    path = run / "segment-000001.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    result = verify_cli(run)
    assert result.exit_code == 1 and "truncated" in result.output


def test_a_partial_record_after_the_last_complete_one_is_a_torn_tail_with_exit_4(run):
    with open(run / "segment-000001.jsonl", "ab") as fh:
        fh.write(b'{"version":1,"seq":16,"event":"sam')
    result = verify_cli(run)
    assert result.exit_code == 4 and result.output.startswith("TORN TAIL: 16 complete records verify; 34 bytes")


def test_reformatting_a_record_without_changing_values_is_caught(run):
    lines = segment_lines(run)
    lines[2] = (json.dumps(json.loads(lines[2]), indent=1).replace("\n", " ") + "\n").encode()
    write_lines(run, lines)
    assert "line 3 (seq 2): hash mismatch" in verify_log(run).problem


def test_inserting_a_forged_record_is_caught(run):
    lines = segment_lines(run)
    forged = json.loads(lines[3])
    forged["sample"]["sample_id"] = "forged"
    forged["hash"] = record_hash(forged)
    lines.insert(4, (canonical_json(forged) + "\n").encode())
    write_lines(run, lines)
    assert "line 5 (seq 3): out of order" in verify_log(run).problem


def test_garbage_lines_are_caught(run):
    lines = segment_lines(run)
    lines[1] = b"\x00\x01not json\n"
    write_lines(run, lines)
    assert "line 2 (expected seq 1): not valid JSON" in verify_log(run).problem


@pytest.fixture
def rotated(tmp_path):
    record_run(tmp_path / "run", steps=4, per_step=6, max_segment_bytes=4096)
    return tmp_path / "run"


def test_rotation_makes_several_segments_chained_across_boundaries(rotated):
    segments = sorted(p.name for p in rotated.glob("segment-*.jsonl"))
    assert len(segments) >= 4
    first_of_second = json.loads(segment_lines(rotated, 2)[0])
    last_of_first = json.loads(segment_lines(rotated, 1)[-1])
    assert first_of_second["prev_hash"] == last_of_first["hash"]
    assert verify_log(rotated).status == "intact"


def test_deleting_a_middle_segment_is_caught(rotated):
    (rotated / "segment-000002.jsonl").unlink()
    result = verify_cli(rotated)
    assert result.exit_code == 1 and "segment-000002.jsonl is missing" in result.output


def test_deleting_the_last_segment_is_caught(rotated):
    last = sorted(rotated.glob("segment-*.jsonl"))[-1]
    last.unlink()
    result = verify_cli(rotated)
    assert result.exit_code == 1 and "truncated" in result.output


def test_swapping_two_segments_is_caught(rotated):
    a, b = rotated / "segment-000001.jsonl", rotated / "segment-000002.jsonl"
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    assert "segment-000001.jsonl line 1" in verify_log(rotated).problem


def test_deleting_head_is_caught(run):
    (run / "HEAD.json").unlink()
    result = verify_cli(run)
    assert result.exit_code == 1 and "HEAD.json is missing" in result.output


def test_expect_checks_a_checkpointed_hash_is_in_the_chain(tmp_path):
    log = record_run(tmp_path / "run")
    position = log.position()
    good = CliRunner().invoke(app, ["verify", str(tmp_path / "run"), "--expect", position.last_hash])
    bad = CliRunner().invoke(app, ["verify", str(tmp_path / "run"), "--expect", "ab" * 32])
    assert good.exit_code == 0 and bad.exit_code == 1 and "not in the chain" in bad.output


def test_verify_of_a_folder_that_is_not_a_log_is_a_one_line_usage_error(tmp_path):
    result = verify_cli(tmp_path)
    assert result.exit_code == 2 and result.output.startswith("error AZR050: ") and "not an audit log" in result.output
    assert verify_cli(tmp_path / "absent").exit_code == 2


def test_editing_head_is_caught_even_when_it_stays_valid_json(run):
    head = run / "HEAD.json"
    head.write_bytes(head.read_bytes().replace(b'","seq"', b'", "seq"'))
    assert "HEAD.json is missing, unreadable or edited" in verify_log(run).problem
