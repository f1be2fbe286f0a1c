"""Whole steps with the real jail: training, screening decisions, halts, audit records, checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from azr_safe.audit import AuditLog, iter_records, verify_log
from azr_safe.learner.checkpoint import list_checkpoints, load_latest
from azr_safe.learner.screening import allow
from azr_safe.learner.trainer import HaltNotAcknowledgedError
from azr_safe.policy.decision import Decision
from learner_helpers import make_trainer, tiny_config

REPO = Path(__file__).resolve().parents[2]


class HaltOn:
    """A screening hook that halts on the first sample whose id contains `needle` (a policy stand-in)."""

    def __init__(self, needle: str) -> None:
        self.needle = needle

    def screen(self, samples):
        return [Decision(sample_id=s.sample_id, action="halt", actions=["halt"], rule_ids=["test-halt"],
                         policy_hash="test", message="test halt") if self.needle in s.sample_id else allow(s)
                for s in samples]


def _weights(trainer):
    return {n: p.detach().clone() for n, p in trainer.parts.model.named_parameters()}


def test_one_step_trains_validates_in_the_jail_and_records_everything(tmp_path, jail):
    audit_dir = tmp_path / "run" / "audit"
    trainer = make_trainer(tiny_config(tmp_path / "run", steps=1), jail=jail, audit=AuditLog(audit_dir))
    before = _weights(trainer)
    trainer.run()
    record = trainer.state.metrics[0]
    assert record["optimizer_step"] and record["grad_norm"] > 0
    assert any(not torch.equal(before[n], p) for n, p in trainer.parts.model.named_parameters())
    # the scripted deduction proposal (x * 2 on 3) ran in the jail and entered its buffer
    assert record["proposals_valid"].get("deduction") == 1
    assert any("x * 2" in t.program for t in trainer.buffers["deduction"].triplets)
    # metrics line, checkpoint, and an intact audit chain holding every screened sample
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["step"] for x in lines] == [0]
    assert load_latest(tmp_path / "run" / "checkpoints").state.step == 1
    assert verify_log(audit_dir).status == "intact"
    events = [r.event for r in iter_records(audit_dir)]
    assert events[0] == "run_start" and events[-2:] == ["step_end", "run_end"]
    assert events.count("sample") == record["n_samples"] > 0


def test_halt_saves_a_checkpoint_and_stops_within_the_step(tmp_path, jail):
    out = tmp_path / "run"
    trainer = make_trainer(tiny_config(out, steps=3), jail=jail, hook=HaltOn("deduction-propose"),
                           audit=AuditLog(out / "audit"))
    before = _weights(trainer)
    sizes = trainer.buffers.sizes()
    trainer.run()
    assert len(trainer.state.metrics) == 1 and trainer.state.halted is not None
    assert trainer.state.halted.rule_ids == ["test-halt"] and "deduction-propose" in trainer.state.halted.sample_id
    # no update and no buffer insertion happened in the halted step
    assert all(torch.equal(before[n], p) for n, p in trainer.parts.model.named_parameters())
    assert trainer.buffers.sizes() == sizes
    ckpt = load_latest(out / "checkpoints")
    assert ckpt.state.halted is not None and ckpt.state.step == 1
    halts = list(iter_records(out / "audit", event="halt"))
    assert len(halts) == 1 and halts[0].rule_id == "test-halt"

    with pytest.raises(HaltNotAcknowledgedError):
        make_trainer(tiny_config(out, steps=3), jail=jail, resume=True, audit=AuditLog(out / "audit"))
    resumed = make_trainer(tiny_config(out, steps=2), jail=jail, resume=True, ack_halt="reviewed: scripted drill",
                           audit=AuditLog(out / "audit"))
    resumed.run()
    assert [r["step"] for r in resumed.state.metrics] == [0, 1]
    assert resumed.state.metrics[1]["attempt"] == 1
    resumes = list(iter_records(out / "audit", event="resume"))
    assert len(resumes) == 1 and "reviewed: scripted drill" in resumes[0].acknowledgement
    assert resumes[0].halt_seq == halts[0].seq
    assert verify_log(out / "audit").status == "intact"


def test_a_new_run_refuses_an_output_folder_that_holds_one(tmp_path, jail):
    from azr_safe.learner.checkpoint import CheckpointError

    make_trainer(tiny_config(tmp_path, steps=1), jail=jail).run()
    assert list_checkpoints(tmp_path / "checkpoints")
    with pytest.raises(CheckpointError, match="already holds a run"):
        make_trainer(tiny_config(tmp_path, steps=1), jail=jail)


class RecordingEngine:
    """A policy engine stand-in that allows everything and remembers what it was shown, in order."""

    policy = None

    def __init__(self) -> None:
        self.seen: list[str] = []

    def decide(self, sample, verdicts):
        self.seen.append(sample.sample_id)
        return allow(sample)


def test_resume_replays_the_surviving_stream_into_the_policy_engine(tmp_path, jail):
    from azr_safe.learner.screening import PolicyScreeningHook

    first = RecordingEngine()
    trainer = make_trainer(tiny_config(tmp_path, steps=2), jail=jail, hook=PolicyScreeningHook(None, first),
                           audit=AuditLog(tmp_path / "audit"))
    trainer.step()  # step 0: checkpointed
    trainer.config = tiny_config(tmp_path, steps=3, checkpoint_every=5)
    trainer.step()  # step 1: screened and audited, but no checkpoint; then the process "dies"
    step0 = [s for s in first.seen if s.startswith("0-")]
    assert step0 and len(first.seen) > len(step0)

    second = RecordingEngine()
    make_trainer(tiny_config(tmp_path, steps=2), jail=jail, hook=PolicyScreeningHook(None, second), resume=True,
                 audit=AuditLog(tmp_path / "audit"))
    assert second.seen == step0  # rate rules see step 0 again, and not the abandoned step 1


def test_the_shipped_default_policy_vetoes_and_quarantines_a_sandbox_violation(tmp_path, jail):
    from azr_safe.generation.scripted import ScriptedGenerator
    from azr_safe.learner.components import build_hook
    from learner_helpers import SCRIPT, tiny_tokenizer

    forking = {"task_type": "deduction", "role": "propose",
               "text": "<think>Spawn.</think>\n<code>\ndef f(x):\n    import os\n    os.fork()\n    return x\n"
                       "</code>\n<input>3</input>"}
    script = [forking] + [r for r in SCRIPT if (r["task_type"], r["role"]) != ("deduction", "propose")]
    config = tiny_config(tmp_path, steps=1, policy=str(REPO / "policies" / "default.yaml"))
    trainer = make_trainer(config, jail=jail, hook=build_hook(config),
                           generator=ScriptedGenerator(script, tokenizer=tiny_tokenizer()),
                           audit=AuditLog(tmp_path / "audit"))
    trainer.run()
    records = {r.sample.sample_id: r for r in iter_records(tmp_path / "audit", event="sample")}
    proposal = records["0-deduction-propose-0"]
    assert any(e.status == "violation" for e in proposal.sample.executions)
    assert proposal.decision.action == "quarantine_task"
    assert {"veto-sandbox-violation", "quarantine-violating-proposal"} <= set(proposal.decision.rule_ids)
    assert trainer.state.metrics[0]["actions"]["quarantine_task"] >= 1
    assert not any("fork" in t.program for t in trainer.buffers["deduction"].triplets)


def test_a_resumed_scripted_run_continues_the_replay_where_the_checkpoint_left_it(tmp_path, jail):
    from azr_safe.generation.scripted import ScriptedGenerator
    from learner_helpers import SCRIPT, tiny_tokenizer

    generator = ScriptedGenerator(SCRIPT, tokenizer=tiny_tokenizer())
    trainer = make_trainer(tiny_config(tmp_path, steps=2), jail=jail, generator=generator)
    trainer.step()  # step 0: checkpointed
    after_step0 = generator.state_dict()
    assert any(after_step0["next"].values())  # the replay moved
    assert load_latest(tmp_path / "checkpoints").state.generator_state == after_step0

    fresh = ScriptedGenerator(SCRIPT, tokenizer=tiny_tokenizer())  # a new process starts the script over
    make_trainer(tiny_config(tmp_path, steps=2), jail=jail, generator=fresh, resume=True)
    assert fresh.state_dict() == after_step0
