"""kill -9 during writing: the log verifies up to its last complete record, and reopening it keeps
the chain verifiable (a `recovery` record describes the torn bytes, which stay in place)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from azr_safe.audit import AuditLog, Recovery, StepEnd, iter_records, verify_log

from .helpers import record_run

WRITER = textwrap.dedent("""
    import os, sys, time
    from azr_safe.audit import AuditLog, RunStart, StepEnd
    run_dir, mode = sys.argv[1], sys.argv[2]
    log = AuditLog(run_dir, use_presidio=False, max_segment_bytes=64 << 20)
    log.append(RunStart(config={"mode": mode}))
    if mode == "torn":
        real_write = os.write
        def half_then_hang(fd, data):
            real_write(fd, bytes(data[: len(data) // 2]))
            print("HALF", flush=True)
            time.sleep(600)
        for step in range(5):
            log.append(StepEnd(step=step, metrics={"loss": 0.5}))
        os.write = half_then_hang
        log.append(StepEnd(step=5, metrics={"x": 1.0}))
    else:  # race: big records, killed whenever the parent decides
        print("STARTED", flush=True)
        step = 0
        while True:
            log.append(StepEnd(step=step, metrics={f"m{i}": float(i) for i in range(5000)}))
            step += 1
""")


def start_writer(run_dir: Path, mode: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(run_dir), mode], stdout=subprocess.PIPE, text=True,
                            env=env)


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_kill_9_mid_record_leaves_a_torn_tail_after_verified_records_and_reopening_recovers(tmp_path):
    run_dir = tmp_path / "run"
    proc = start_writer(run_dir, "torn")
    assert proc.stdout.readline().strip() == "HALF"  # the child is inside a half-written record
    kill9(proc)

    report = verify_log(run_dir)
    assert report.status == "torn_tail" and report.records == 6  # run_start + 5 step_end
    torn = report.torn
    segment = run_dir / torn.segment
    torn_bytes = segment.read_bytes()[torn.offset:]
    assert len(torn_bytes) == torn.length > 0

    with AuditLog(run_dir, use_presidio=False) as log:  # the crashed run resumes
        log.append(StepEnd(step=5))
    assert segment.read_bytes()[torn.offset:] == torn_bytes  # nothing truncated
    report = verify_log(run_dir)
    assert report.status == "intact" and report.records == 8
    recovery = [r for r in iter_records(run_dir) if isinstance(r, Recovery)]
    assert len(recovery) == 1
    assert (recovery[0].segment, recovery[0].offset, recovery[0].length) == (torn.segment, torn.offset, torn.length)


def test_kill_9_at_an_arbitrary_moment_verifies_up_to_the_last_complete_record(tmp_path):
    run_dir = tmp_path / "run"
    proc = start_writer(run_dir, "race")
    assert proc.stdout.readline().strip() == "STARTED"
    deadline = time.monotonic() + 60
    segment = run_dir / "segment-000001.jsonl"
    while time.monotonic() < deadline and (not segment.exists() or segment.stat().st_size < 1_000_000):
        time.sleep(0.01)
    kill9(proc)

    complete_lines = segment.read_bytes().count(b"\n")
    report = verify_log(run_dir)
    assert report.status in ("intact", "torn_tail")
    assert report.records == complete_lines >= 2
    with AuditLog(run_dir, use_presidio=False) as log:
        log.append(StepEnd(step=-1))
    assert verify_log(run_dir).status == "intact"


def test_a_torn_recovery_segment_is_itself_recovered(tmp_path):
    run_dir = tmp_path / "run"
    record_run(run_dir, steps=1)
    with open(run_dir / "segment-000001.jsonl", "ab") as fh:
        fh.write(b'{"torn":')
    (run_dir / "segment-000002.jsonl").touch()  # crash right after creating the recovery segment
    with AuditLog(run_dir, use_presidio=False) as log:
        log.append(StepEnd(step=1))
    assert verify_log(run_dir).status == "intact"


def test_a_corrupt_last_record_refuses_to_append(tmp_path):
    run_dir = tmp_path / "run"
    record_run(run_dir, steps=1)
    path = run_dir / "segment-000001.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[-1] = lines[-1].replace(b'"step":0', b'"step":9')
    path.write_bytes(b"".join(lines))
    import pytest

    from azr_safe.audit import AuditError

    with pytest.raises(AuditError, match="does not verify; refusing to append"):
        AuditLog(run_dir, use_presidio=False)
