from __future__ import annotations

import pytest

from azr_safe.selfplay.sample import ExecutionRecord, Sample


def make_sample(reasoning: str = "", *, role: str = "solve", task_type: str = "deduction", answer: str = "",
                program: str | None = None, prompt: str = "", executions: list[ExecutionRecord] | None = None,
                solve_rate: float | None = None, sample_id: str = "0-0-solve-0") -> Sample:
    return Sample(sample_id=sample_id, step=0, role=role, task_type=task_type, reasoning=reasoning, answer=answer,
                  program=program, prompt=prompt, executions=executions or [], solve_rate=solve_rate)


@pytest.fixture
def sample_factory():
    return make_sample
