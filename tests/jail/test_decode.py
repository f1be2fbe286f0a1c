"""Decoding a worker's response: the child's result stream is untrusted data."""

from __future__ import annotations

import json
import signal

from azr_safe.jail._worker import HARNESS_FAILED_EXIT, SETUP_FAILED_EXIT
from azr_safe.jail.decode import decode_response


def record(i, value="1", **extra):
    base = {"i": i, "status": "ok", "value": value, "literal": ["int", value], "stdout": "", "stderr": "",
            "duration_s": 0.01}
    return json.dumps(base | extra)


def response(lines=(), **extra):
    return {"results_raw": "\n".join(lines) + "\n", "stdout": "", "stderr": "", "killed": None,
            "exit_code": 0, "signal": None, "cpu_s": 0.0, "wall_s": 0.1} | extra


def test_records_become_results_in_call_order():
    out = decode_response(response([record(0, "1"), record(1, "2")]), 2, 7)
    assert [r.value for r in out] == ["1", "2"] and {r.status for r in out} == {"ok"}


def test_a_trapped_syscall_names_the_syscall_and_stops_later_calls():
    out = decode_response(response([record(0), '{"violation_nr": 41}'], exit_code=159), 3, 7)
    assert [r.status for r in out] == ["ok", "violation", "violation"]
    assert out[1].violation == "socket" and "not run" in out[2].stderr


def test_death_by_sigsys_without_a_report_is_still_a_violation():
    out = decode_response(response([], signal=signal.SIGSYS, exit_code=None), 1, 7)
    assert out[0].status == "violation" and out[0].violation


def test_a_kill_at_the_deadline_is_a_timeout():
    out = decode_response(response([], killed="timeout", signal=signal.SIGKILL, exit_code=None), 2, 7)
    assert [r.status for r in out] == ["timeout", "timeout"]


def test_an_unexplained_sigkill_below_the_cpu_limit_is_the_memory_cgroup():
    out = decode_response(response([], signal=signal.SIGKILL, exit_code=None, cpu_s=0.2), 1, 7)
    assert out[0].status == "memory_limit"


def test_exit_code_zero_without_a_record_is_an_error_not_a_pass():
    out = decode_response(response([]), 1, 7)
    assert out[0].status == "error" and "no result" in out[0].stderr


def test_malformed_or_out_of_order_records_are_errors():
    assert decode_response(response(["{not json"]), 1, 7)[0].status == "error"
    assert decode_response(response([record(1)]), 1, 7)[0].status == "error"
    assert decode_response(response([json.dumps({"i": 0, "status": "passed"})]), 1, 7)[0].status == "error"


def test_a_record_cannot_smuggle_extra_fields():
    forged = json.dumps(json.loads(record(0)) | {"passed": True})
    assert decode_response(response([forged]), 1, 7)[0].status == "error"


def test_set_up_and_harness_failures_are_told_apart():
    assert "could not set up" in decode_response(response(exit_code=SETUP_FAILED_EXIT), 1, 7)[0].stderr
    assert "result channel" in decode_response(response(exit_code=HARNESS_FAILED_EXIT), 1, 7)[0].stderr


def test_raw_fd_output_is_attached_where_the_child_stopped():
    out = decode_response(response([record(0)], stdout="raw!", killed="timeout"), 2, 7)
    assert out[1].stdout == "raw!" and out[0].stdout == ""
