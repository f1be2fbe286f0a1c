"""Turn a worker's raw JSON response into `ExecResult`s. Everything here treats the child's result
stream as untrusted data: the program shares the child with the harness and can write to the
result fd, so a record is only ever "what the program produced", never a verdict."""

from __future__ import annotations

import json
import signal
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from azr_safe.jail._worker import HARNESS_FAILED_EXIT, SETUP_FAILED_EXIT
from azr_safe.jail.results import ExecResult, Status
from azr_safe.jail.seccomp_filters import syscall_name


class _ChildRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    i: int
    status: Status
    value: str | None
    literal: Any
    stdout: str
    stderr: str
    duration_s: float


def _parse_stream(raw: str) -> tuple[list[_ChildRecord], int | None, str | None]:
    """Records in call order, the trapped syscall number if any, and a malformation note."""
    records: list[_ChildRecord] = []
    for line in raw.split("\n"):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            return records, None, "malformed result record"
        if isinstance(obj, dict) and list(obj) == ["violation_nr"] and type(obj["violation_nr"]) is int:
            return records, obj["violation_nr"], None
        try:
            record = _ChildRecord.model_validate(obj)
        except ValidationError:
            return records, None, "malformed result record"
        if record.i != len(records):
            return records, None, "result records out of order"
        records.append(record)
    return records, None, None


def _missing_outcome(response: dict[str, Any], violation_nr: int | None, malformed: str | None,
                     cpu_limit_s: float) -> tuple[Status, str | None, str]:
    """Status, violation and explanation for the first call without a record."""
    sig = response.get("signal")
    if violation_nr is not None:
        name = syscall_name(violation_nr)
        return "violation", name, f"seccomp trapped syscall {name!r} (#{violation_nr})"
    if sig == signal.SIGSYS:
        return "violation", "unknown (SIGSYS)", "killed by SIGSYS from the seccomp layer"
    killed = response.get("killed")
    if killed == "timeout":
        return "timeout", None, "wall-clock limit reached; the process group was killed"
    if killed == "output_limit":
        return "output_limit", None, "output cap exceeded; the process group was killed"
    if sig == signal.SIGKILL:
        if response.get("cpu_s", 0.0) >= cpu_limit_s - 0.5:
            return "timeout", None, "CPU-time limit reached"
        return "memory_limit", None, "killed by the memory cgroup"
    if malformed:
        return "error", None, malformed
    if sig is not None:
        return "error", None, f"killed by {signal.Signals(sig).name}"
    if response.get("exit_code") == SETUP_FAILED_EXIT:
        return "error", None, "the jail could not set up this child (nothing ran)"
    if response.get("exit_code") == HARNESS_FAILED_EXIT:
        return "error", None, "no result: the program broke the result channel (closed or filled its fds)"
    return "error", None, f"no result: the program ended the process (exit code {response.get('exit_code')})"


def decode_response(response: dict[str, Any], n_calls: int, cpu_limit_s: float) -> list[ExecResult]:
    """One ExecResult per call (one for a bare run). Calls after a fatal one share its outcome."""
    return decode_calls(response, n_calls, cpu_limit_s)[0]


def decode_calls(response: dict[str, Any], n_calls: int, cpu_limit_s: float) -> tuple[list[ExecResult], int]:
    """`decode_response`, plus how many calls have a record of their own. The call at that index
    (if any) is the one that ended the child; the calls after it were not run."""
    records, violation_nr, malformed = _parse_stream(str(response.get("results_raw", "")))
    wanted = max(1, n_calls)
    results = [
        ExecResult(status=r.status, value=r.value, literal=r.literal, stdout=r.stdout, stderr=r.stderr,
                   duration_s=r.duration_s)
        for r in records[:wanted]
    ]
    if len(results) < wanted:
        status, violation, why = _missing_outcome(response, violation_nr, malformed, cpu_limit_s)
        first = len(results)
        spent = max(0.0, float(response.get("wall_s", 0.0)) - sum(r.duration_s for r in results))
        for index in range(first, wanted):
            note = why if index == first else f"not run: call {first} ended the child ({why})"
            results.append(ExecResult(status=status, violation=violation, stderr=note,
                                      duration_s=spent if index == first else 0.0))
    # Raw fd output (os.write(1, ...)) is not per call: attach it where the child stopped.
    target = results[min(len(records), wanted - 1)]
    if response.get("stdout"):
        target.stdout += str(response["stdout"])
    if response.get("stderr"):
        target.stderr += str(response["stderr"])
    return results, min(len(records), wanted)
