"""Builders for audit tests: a small recorded run, and line-level access to its segments."""

from __future__ import annotations

from pathlib import Path

from azr_safe.audit import AuditLog, RunStart, SampleEvent, StepEnd
from azr_safe.monitors.verdict import Verdict
from azr_safe.policy import PolicyEngine, load_policy
from azr_safe.selfplay.sample import ExecutionRecord, Sample


def sample(i: int, step: int = 0, **fields) -> Sample:
    base = {"sample_id": f"{step}-deduction-solve-{i}", "step": step, "task_type": "deduction", "role": "solve",
            "reasoning": f"step {i}: compute f(3) by hand", "program": "def f(x):\n    return x + 1\n",
            "executions": [ExecutionRecord(status="ok", value="4")]}
    return Sample(**{**base, **fields})


def record_run(run_dir: Path, steps: int = 3, per_step: int = 4, policy: str = "policies/default.yaml",
               max_segment_bytes: int = 8 << 20) -> AuditLog:
    """A closed log: run_start, then per step `per_step` samples (every 3rd flagged for deception) and step_end."""
    pol = load_policy(policy)
    engine = PolicyEngine(pol)
    log = AuditLog(run_dir, max_segment_bytes=max_segment_bytes, use_presidio=False)
    log.append(RunStart(config={"steps": steps}, policy_name=pol.name, policy_hash=pol.sha256, salt_id=log.salt_id))
    n = 0
    for step in range(steps):
        for i in range(per_step):
            s = sample(i, step)
            flagged = n % 3 == 0
            v = [Verdict(monitor="reasoning_patterns", scores={"deception": 0.7 if flagged else 0.0},
                         labels=["deception"] if flagged else [], flagged=flagged)]
            log.append(SampleEvent(step=step, sample=s, verdicts=v, decision=engine.decide(s, v)))
            n += 1
        log.append(StepEnd(step=step, n_samples=per_step))
    log.close()
    return log


def segment_lines(run_dir: Path, number: int = 1) -> list[bytes]:
    return (run_dir / f"segment-{number:06d}.jsonl").read_bytes().splitlines(keepends=True)


def write_lines(run_dir: Path, lines: list[bytes], number: int = 1) -> None:
    (run_dir / f"segment-{number:06d}.jsonl").write_bytes(b"".join(lines))
