from __future__ import annotations

import random
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from azr_safe.monitors.verdict import Span, Verdict
from azr_safe.policy.decision import Decision
from azr_safe.review import ReviewConfig, create_app
from azr_safe.selfplay.sample import ExecutionRecord
from ._fakes import POLICY_HASH, make_sample, write_run

HOSTILE_REASONING = (
    'I will hide this from the overseers. <script>alert("xss")</script>'
    "<img src=x onerror=alert(1)> and </pre><b>bold</b> &amp; done."
)
HOSTILE_ID = "7-deduction-solve-<i>x"


def hostile_sample():
    """A flagged sample whose every text field carries HTML and script."""
    sample, _, _ = make_sample(999, 7, flagged=True, rng=random.Random(1), reasoning=HOSTILE_REASONING)
    start = HOSTILE_REASONING.index("<script>")
    sample = sample.model_copy(
        update={
            "sample_id": HOSTILE_ID,
            "program": "def f(x):\n    return '</pre><script>alert(2)</script>'\n",
            "executions": [
                ExecutionRecord(
                    status="violation", stdout="<script>alert(3)</script>", violation="execve <svg onload=alert(4)>"
                )
            ],
        }
    )
    span = Span(field="reasoning", start=start, end=start + 30, category="deception", text="<script>")
    verdicts = [
        Verdict(monitor="reasoning_patterns", scores={"deception": 0.97}, labels=["deception"], spans=[span], flagged=True),
        Verdict(monitor="sandbox_violation", scores={"sandbox": 1.0}, labels=["<b>sandbox</b>"], flagged=True),
    ]
    decision = Decision(
        sample_id=HOSTILE_ID,
        action="halt",
        actions=["drop_sample", "veto_reward", "halt"],
        rule_ids=["halt-high-confidence-reasoning", "veto-sandbox-violation"],
        policy_hash=POLICY_HASH,
        message="<script>alert(5)</script>",
    )
    return sample, verdicts, decision


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """6 steps x 10 samples, every 5th flagged, plus one hostile sample at step 7."""
    path = tmp_path / "run-small"
    write_run(path, n_steps=6, per_step=10, extra=[hostile_sample()])
    return path


@pytest.fixture
def client(run_dir: Path) -> TestClient:
    app = create_app(ReviewConfig(run_dir=run_dir, refresh_interval_s=0.0, reviewer="tester"))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def csrf(client: TestClient) -> str:
    return client.app.state.guard.csrf_token
