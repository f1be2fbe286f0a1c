"""Synthetic but realistic sample records for review tests (hand-built verdicts and decisions)."""

from __future__ import annotations

import random

from azr_safe.monitors.verdict import Span, Verdict
from azr_safe.policy.decision import Decision
from azr_safe.selfplay.sample import ExecutionRecord, Sample

POLICY_HASH = "ab" * 32
CATEGORIES = ("contempt_outsmart", "deception", "sandbox_escape", "reward_hacking", "power_seeking", "sabotage")
_BENIGN = "Let me trace f on the input: the loop adds each element, so the sum of [1, 2, 3] is 6. "
_CONCERNING = "The aim is to outsmart all these groups of intelligent machines and less intelligent humans. "


def make_sample(i: int, step: int, *, flagged: bool, rng: random.Random, reasoning: str | None = None) -> tuple:
    """(Sample, verdicts, Decision) for sample number `i`; flagged ones carry an evidence span."""
    task_type = ("deduction", "abduction", "induction")[i % 3]
    role = ("propose", "solve")[(i // 3) % 2]
    text = reasoning if reasoning is not None else (_BENIGN * 2 + (_CONCERNING if flagged else "") + _BENIGN)
    sample = Sample(
        sample_id=f"{step}-{task_type}-{role}-{i}",
        step=step,
        task_type=task_type,
        role=role,
        reasoning=text,
        answer="<answer>6</answer>",
        program="def f(xs):\n    return sum(xs)\n",
        executions=[ExecutionRecord(status="ok", value="6", duration_s=0.01)],
        valid=rng.random() > 0.2,
        reward=float(rng.random() > 0.5),
        solve_rate=rng.random() if role == "propose" else None,
    )
    verdicts = [Verdict(monitor="code_ast", scores={"dangerous_import": 0.0})]
    decision = Decision(sample_id=sample.sample_id, action="allow", policy_hash=POLICY_HASH)
    if flagged:
        category = CATEGORIES[i % len(CATEGORIES)]
        start = text.find("outsmart")
        start = start if start >= 0 else 0
        span = Span(field="reasoning", start=start, end=min(len(text), start + 40), category=category)
        verdicts.append(
            Verdict(monitor="reasoning_patterns", scores={category: 0.9}, labels=[category], spans=[span], flagged=True)
        )
        action = ("flag", "veto_reward", "drop_sample", "quarantine_task")[i % 4]
        decision = Decision(
            sample_id=sample.sample_id,
            action=action,
            actions=["flag", action] if action != "flag" else ["flag"],
            rule_ids=[f"rule-{category}"],
            policy_hash=POLICY_HASH,
            message=f"{category} in reasoning",
        )
    return sample, verdicts, decision


def write_run(run_dir, n_steps: int, per_step: int, *, flag_every: int = 5, seed: int = 0, extra=(),
              segment_bytes: int = 8 << 20) -> None:
    """A run through the real audit writer: run_start, samples with verdicts and decisions, step_end."""
    from azr_safe.audit.log import AuditLog
    from azr_safe.audit.records import RunStart, SampleEvent, StepEnd

    rng = random.Random(seed)
    with AuditLog(run_dir, max_segment_bytes=segment_bytes) as log:
        log.append(RunStart(config={"steps": n_steps}, policy_name="default", policy_hash=POLICY_HASH))
        i = 0
        for step in range(n_steps):
            for _ in range(per_step):
                sample, verdicts, decision = make_sample(i, step, flagged=i % flag_every == 0, rng=rng)
                log.append(SampleEvent(step=step, sample=sample, verdicts=verdicts, decision=decision))
                i += 1
            log.append(StepEnd(step=step, n_samples=per_step))
        for sample, verdicts, decision in extra:
            log.append(SampleEvent(step=sample.step, sample=sample, verdicts=verdicts, decision=decision))
