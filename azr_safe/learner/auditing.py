"""The trainer's audit records (azr_safe.audit): run start, every screened sample, step ends,
halts, resumes and the run's end. `log=None` (non-main processes, some tests) records nothing.

Resume semantics for an append-only log: records are never truncated. A `resume` record names the
checkpoint step and the audit position saved in that checkpoint; every record between that position
and the `resume` record belongs to an abandoned attempt and is superseded. Step records carry the
attempt number, so (step, attempt) is unique and a re-run step is never mistaken for a duplicate.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from typing import Any

from azr_safe import __version__
from azr_safe.audit.reader import surviving_samples
from azr_safe.audit.records import Halt, Resume, RunEnd, RunStart, SampleEvent, StepEnd
from azr_safe.learner.checkpoint import HaltInfo
from azr_safe.learner.metrics import scalars
from azr_safe.learner.screening import Screened
from azr_safe.selfplay.sample import Sample


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "unknown"


class RunAudit:
    """Builds and appends the typed records; returns seq numbers the checkpoint refers to."""

    def __init__(self, log: Any | None) -> None:
        self.log = log

    def position(self) -> dict[str, Any] | None:
        return None if self.log is None else self.log.position().model_dump()

    def run_start(self, config: dict[str, Any], policy_name: str | None, policy_hash: str | None) -> None:
        salt_id = "" if self.log is None else self.log.salt_id
        self._append(RunStart(config=config, policy_name=policy_name, policy_hash=policy_hash, salt_id=salt_id,
                              azr_safe_version=__version__))

    def samples(self, step: int, samples: list[Sample], screened: list[Screened]) -> None:
        for sample, item in zip(samples, screened, strict=True):
            self._append(SampleEvent(step=step, sample=sample, verdicts=item.verdicts, decision=item.decision))

    def step_end(self, record: dict[str, Any], checkpoint: str | None) -> None:
        metrics = {"attempt": float(record["attempt"]), **scalars(record)}
        self._append(StepEnd(step=record["step"], n_samples=record.get("n_samples", 0), metrics=metrics,
                             checkpoint=checkpoint))
        if self.log is not None:
            self.log.sync()

    def halt(self, info: HaltInfo, checkpoint: str) -> int | None:
        sealed = self._append(Halt(step=info.step, rule_id=",".join(info.rule_ids) or "unknown",
                                   sample_id=info.sample_id, message=info.message, checkpoint=checkpoint))
        return None if sealed is None else sealed.seq

    def resume(self, step: int, attempt: int, checkpoint: str, checkpoint_position: dict[str, Any] | None,
               halted: HaltInfo | None, ack_halt: str | None) -> None:
        seen = checkpoint_position["records"] if checkpoint_position else 0
        now = self.position()
        abandoned = now is not None and now["records"] > seen
        if halted is not None:
            text = f"resume after halt at step {halted.step} (rules {', '.join(halted.rule_ids)}): {ack_halt}"
        elif abandoned:
            text = (f"resume after an interruption from the checkpoint of step {step}; records from seq {seen} "
                    f"up to this one belong to abandoned attempt {attempt - 1} and are superseded by attempt "
                    f"{attempt}")
        else:
            text = f"resume after an interruption from the checkpoint of step {step}; no record was abandoned"
        self._append(Resume(step=step, acknowledged_by=_user(), acknowledgement=text,
                            halt_seq=halted.audit_seq if halted else None, checkpoint=checkpoint,
                            superseded_from_seq=seen if abandoned else None))

    def surviving_samples(self) -> Iterator[SampleEvent]:
        """Sample records that no resume marked as part of an abandoned attempt, in chain order."""
        if self.log is not None:
            yield from surviving_samples(self.log.run_dir)

    def run_end(self, status: str, steps: int) -> None:
        self._append(RunEnd(status=status, steps=steps))
        if self.log is not None:
            self.log.sync()

    def _append(self, record: Any) -> Any:
        return None if self.log is None else self.log.append(record)
