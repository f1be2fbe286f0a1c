"""Resume after kill -9 of a real `azr-safe run` process: no lost and no duplicated step."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import torch

from azr_safe.audit import iter_records, verify_log
from azr_safe.learner.checkpoint import load_latest
from azr_safe.learner.components import build_components
from azr_safe.learner.config import load_config
from azr_safe.learner.trainer import Trainer

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "training" / "test-tiny.yaml"
STEPS = 3


def _run(out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "azr_safe.cli", "run", "--config", str(CONFIG), "--out", str(out),
           "--steps", str(STEPS), *extra]
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _metric_steps(out: Path) -> list[int]:
    path = out / "metrics.jsonl"
    return [json.loads(line)["step"] for line in path.read_text().splitlines()] if path.exists() else []


def _kill_at_a_random_moment(proc: subprocess.Popen, out: Path) -> None:
    deadline = time.monotonic() + 400
    while not _metric_steps(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(random.uniform(0.0, 4.0))  # anywhere inside the next step: rollout, update or checkpoint
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)  # the trainer dies first, as in a crash
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # then whatever it started (jail workers)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def test_resume_after_kill_9_loses_and_duplicates_no_step(tmp_path, jail):
    out = tmp_path / "killed"
    proc = _run(out)
    _kill_at_a_random_moment(proc, out)
    assert proc.returncode == -signal.SIGKILL or proc.returncode == 0, proc.stdout.read()
    resumed = _run(out, "--resume")
    log, _ = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, log
    assert "Proposals" in log and "Rewards and solve rates" in log and "Screening" in log  # end summary

    assert _metric_steps(out) == list(range(STEPS))  # each step exactly once, in order
    final = load_latest(out / "checkpoints")
    assert final.state.step == STEPS and [m["step"] for m in final.state.metrics] == list(range(STEPS))
    assert verify_log(out / "audit").status == "intact"
    step_ends = [(r.step, r.metrics["attempt"]) for r in iter_records(out / "audit", event="step_end")]
    assert max(Counter(step_ends).values()) == 1  # a re-run step carries a new attempt number
    if proc.returncode == -signal.SIGKILL:
        assert len(list(iter_records(out / "audit", event="resume"))) == 1

    # The same run without the kill, in this process: same buffers, same weights, same rewards.
    config = load_config(CONFIG, out_dir=str(tmp_path / "reference"), steps=STEPS)
    reference = Trainer(config, build_components(config, jail))
    reference.run()
    assert reference.buffers.state_dict() == final.state.buffers
    ref_weights = reference.accelerator.unwrap_model(reference.parts.model).state_dict()
    for name, tensor in final.model_state.items():
        assert torch.allclose(ref_weights[name], tensor, atol=1e-6), name
    rewards = [{k: v["reward_sum"] for k, v in m["by_key"].items()} for m in reference.state.metrics]
    assert rewards == [{k: v["reward_sum"] for k, v in m["by_key"].items()} for m in final.state.metrics]
