"""The self-play update, top to bottom (AZR paper Algorithm 1, with a screening hook).

One step:
    rollout      propose -> validate in the jail -> learnability (n solver samples) -> solve -> grade
    screening    monitors + policy decide about every sample before rewards are applied
    decisions    veto: A = 0 | drop: out of loss and normalizer | quarantine: task kept out of the
                 buffers | halt: checkpoint, then stop within this step (no update is applied)
    TRR++        A = (r − μ_(task, role)) / σ_(task, role), per (task type, role) sub-batch
    PPO-clip     one clipped policy-gradient update over all six sub-batches, token-level normalizer
    buffers      valid, non-quarantined proposals enter their task buffer
    records      audit records, metrics.jsonl (+ TensorBoard), a checkpoint every `checkpoint_every`

Decisions apply cumulatively by severity (decision.SEVERITY): a sample whose most severe action is
`quarantine_task` is also dropped from the loss, and a dropped sample is also vetoed.
The components (model, generator, jail, hook, audit log) are built in `components.py`.
"""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

import torch

from azr_safe.learner.errors import CheckpointError, HaltNotAcknowledgedError
from azr_safe.generation.tokens import pad_token_id
from azr_safe.learner.batch import make_batch, policy_logps
from azr_safe.learner.auditing import RunAudit
from azr_safe.learner.checkpoint import (PREFIX, HaltInfo, LoadedCheckpoint, TrainerState, list_checkpoints,
                                         load_latest, restore_rng, save_checkpoint)
from azr_safe.learner.config import AZRConfig
from azr_safe.learner.metrics import MetricsWriter, sample_counts
from azr_safe.learner.screening import PolicyScreeningHook, Screened, ScreeningHook, review_batch
from azr_safe.learner.timing import PhaseClock, TimedGenerator, TimedJail
from azr_safe.policy.decision import SEVERITY
from azr_safe.selfplay.advantages import trr_plus_plus_advantages
from azr_safe.selfplay.buffers import TaskBuffers
from azr_safe.selfplay.objective import policy_loss
from azr_safe.selfplay.rollout import RolloutItem, RolloutResult, rollout_step
from azr_safe.selfplay.sample import Triplet


@runtime_checkable
class Stateful(Protocol):
    """A generator with replay state (the scripted backend) that a checkpoint must carry."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


@dataclass
class Components:
    """Everything the trainer composes; built by `components.build_components`."""

    accelerator: Any
    model: torch.nn.Module
    tokenizer: Any
    optimizer: torch.optim.Optimizer
    generator: Any
    jail: Any
    hook: ScreeningHook
    audit: Any  # azr_safe.audit.AuditLog, or None on non-main processes


class LossPlan(NamedTuple):
    """Per-sample inputs of the loss after screening."""

    advantages: torch.Tensor  # (B,) TRR++ advantages, 0 for vetoed and dropped samples
    keep: list[bool]  # False: dropped (out of loss and normalizer) or empty completion
    vetoed: list[bool]  # True: A = 0 and no entropy/KL signal, tokens stay in the normalizer
    lengths: list[int]  # completion tokens per sample
    normalizer: int  # Σ completion tokens of kept samples over the whole step (all processes)


def apply_decision(action: str) -> tuple[bool, bool, bool]:
    """(vetoed, dropped, quarantined) for a decision's most severe action; effects are cumulative."""
    level = SEVERITY[action]
    return level >= SEVERITY["veto_reward"], level >= SEVERITY["drop_sample"], level >= SEVERITY["quarantine_task"]


class Trainer:
    """Runs self-play steps; `run()` goes to `config.steps`, `step()` runs one."""

    def __init__(self, config: AZRConfig, parts: Components, *, resume: bool = False, ack_halt: str | None = None):
        self.config, self.parts = config, parts
        self.accelerator = parts.accelerator
        self.out_dir = Path(config.out_dir)
        self.ckpt_root = self.out_dir / "checkpoints"
        self.clock = PhaseClock()
        self.generator = TimedGenerator(parts.generator, self.clock)
        self.jail = TimedJail(parts.jail, self.clock)
        self.buffers = TaskBuffers()
        self.rollout_rng = random.Random(config.seed)  # buffer sampling; its state is checkpointed
        self.ref_model = self._reference_model()
        self.audit = RunAudit(parts.audit)
        self.state = TrainerState(step=0, config_sha256=config.sha256())
        if resume:
            self._resume(load_latest(self.ckpt_root), ack_halt)
        elif list_checkpoints(self.ckpt_root):
            raise CheckpointError(f"{str(self.out_dir)!r} already holds a run",
                                  hint="pass --resume to continue it, or choose another --out")
        else:
            policy = _policy(parts.hook)
            self.audit.run_start(config.model_dump(mode="json"), policy.name if policy else None,
                                 policy.sha256 if policy else None)
        self.metrics = MetricsWriter(self.out_dir, history=self.state.metrics if resume else [])

    # ------------------------------------------------------------------------------------------ loop
    def run(self, on_step: Any = None) -> list[dict[str, Any]]:
        """Run until `config.steps` (or a halt); `on_step(record)` is called after each step."""
        while self.state.step < self.config.steps and self.state.halted is None:
            record = self.step()
            if on_step is not None:
                on_step(record)
        self.metrics.close()
        if self.state.step >= self.config.steps or self.state.halted is not None:
            self.audit.run_end("halted" if self.state.halted else "completed", self.state.step)
        return self.state.metrics

    def step(self) -> dict[str, Any]:
        s = self.state.step
        start = time.perf_counter()
        self.clock.reset()
        model = self.accelerator.unwrap_model(self.parts.model)
        self.generator.sync_weights(model)
        model.eval()
        with torch.no_grad():
            result = rollout_step(s, self.generator, self.jail, self.buffers, self.rollout_rng, self.config.rollout)
        # learnability rollouts are screened too (they ran model code), but never trained on
        screened = self._screen(result.samples, s)
        train = [i for i, item in enumerate(result.items) if item.sample.purpose == "train"]
        items, train_screened = [result.items[i] for i in train], [screened[i] for i in train]
        record: dict[str, Any] = {"step": s, "attempt": self.state.attempt,
                                  **sample_counts([it.sample for it in items], result.samples, screened),
                                  "rollout": result.metrics}
        halts = self._gather([x.decision for x in screened if x.decision.action == "halt"])
        halt = halts[0] if halts else None  # a halt on any process stops every process
        if halt is not None:
            return self._halt(record, halt, start)
        with self.clock.phase("learning"):
            record.update(self._update(items, train_screened))
        added = self._update_buffers(result, screened)
        record.update(buffer_added=added, buffer_sizes=self.buffers.sizes())
        return self._finish(record, start)

    def _screen(self, samples: list[Any], step: int) -> list[Screened]:
        with self.clock.phase("screening"):
            screened = review_batch(self.parts.hook, samples)
        with self.clock.phase("audit"):
            self.audit.samples(step, samples, screened)
        return screened

    # ------------------------------------------------------------------------------------- the parts
    def _update(self, items: list[RolloutItem], screened: list[Screened]) -> dict[str, Any]:
        """TRR++ advantages, then one PPO-clip step over every kept sample."""
        plan = self.loss_plan(items, screened)
        self.parts.optimizer.zero_grad(set_to_none=True)
        stats = self.backward(items, plan)
        if not stats["n_trained"]:
            return {**stats, "grad_norm": 0.0, "optimizer_step": False}
        model = self.parts.model
        grad_norm = self.accelerator.clip_grad_norm_(model.parameters(), self.config.optim.max_grad_norm)
        self.parts.optimizer.step()
        self.parts.optimizer.zero_grad(set_to_none=True)
        return {**stats, "grad_norm": float(grad_norm), "optimizer_step": True}

    def loss_plan(self, items: list[RolloutItem], screened: list[Screened]) -> LossPlan:
        """Apply the decisions, then A = (r − μ_(task, role)) / σ_(task, role) (TRR++).

        Dropped and vetoed samples stay out of μ and σ; vetoed ones get A = 0 but keep their tokens in
        the normalizer; dropped ones leave the loss and the normalizer."""
        rows = []
        for item, x in zip(items, screened, strict=True):
            vetoed, dropped, _ = apply_decision(x.decision.action)
            n = len(item.completion_ids)
            rows.append((item.sample.reward, (item.sample.task_type, item.sample.role), not dropped and n > 0,
                         vetoed, n))
        # with several processes, μ, σ and the token normalizer are over the global batch
        everyone = self._gather(rows)
        offset = sum(self._gather([len(rows)])[: self.accelerator.process_index])
        rewards, groups, keep, vetoed, lengths = (list(col) for col in zip(*everyone)) if everyone else ([],) * 5
        advantages = trr_plus_plus_advantages(rewards, groups, keep=keep, vetoed=vetoed, lengths=lengths,
                                              whitening=self.config.advantages.whitening,
                                              eps=self.config.advantages.eps)
        mine = slice(offset, offset + len(rows))
        normalizer = sum(n for k, n in zip(keep, lengths) if k)  # DAPO: every kept token of the step
        return LossPlan(advantages[mine], keep[mine], vetoed[mine], lengths[mine], normalizer)

    def backward(self, items: list[RolloutItem], plan: LossPlan) -> dict[str, Any]:
        """Accumulate the gradient of the PPO-clip loss over micro-batches (grads left in `.grad`)."""
        order = [i for i, k in enumerate(plan.keep) if k]
        n_tokens = plan.normalizer
        scale = self.accelerator.num_processes  # DDP averages gradients over processes; undo that
        stats: dict[str, Any] = {"loss": 0.0, "n_tokens": n_tokens, "n_trained": len(order),
                                 "n_vetoed": sum(plan.vetoed), "n_dropped": len(items) - len(order),
                                 "advantages": [round(float(a), 4) for a in plan.advantages]}
        if not order:
            return stats
        model = self.parts.model
        model.train()
        temperature = self.config.rollout.temperature
        with_entropy = self.config.objective.entropy_coef > 0
        mb = self.config.optim.micro_batch_size
        clip_fracs, gaps = [], []
        for start in range(0, len(order), mb):
            idx = order[start:start + mb]
            batch = make_batch([items[i].prompt_ids for i in idx], [items[i].completion_ids for i in idx],
                               [items[i].logprobs for i in idx], pad_token_id(self.parts.tokenizer),
                               self.accelerator.device)
            logps, entropy, old = policy_logps(model, batch, temperature, with_entropy,
                                               self.config.optim.old_logprobs)
            gaps.append(_behaviour_gap(logps, batch))
            silenced = torch.tensor([plan.vetoed[i] for i in idx], device=logps.device)[:, None]  # (B, 1)
            if entropy is not None:  # a vetoed sample carries no learning signal at all
                entropy = entropy.masked_fill(silenced, 0.0)
            ref = self._ref_logps(batch, temperature)
            if ref is not None:  # k3 KL and its gradient are 0 where ref == logp
                ref = torch.where(silenced, logps.detach(), ref)
            loss, mb_stats = policy_loss(logps, old, plan.advantages[idx].to(logps.device), batch.completion_mask,
                                         config=self.config.objective, entropy=entropy, ref_logprobs=ref,
                                         normalizer=n_tokens)
            self.accelerator.backward(loss * scale)
            stats["loss"] += float(loss.detach())
            clip_fracs.append(mb_stats["clip_frac"])
        stats["clip_frac"] = sum(clip_fracs) / len(clip_fracs)
        known = [g for g in gaps if g is not None]
        stats["behaviour_logprob_gap"] = sum(known) / len(known) if known else None
        return stats

    def _ref_logps(self, batch: Any, temperature: float) -> torch.Tensor | None:
        if self.ref_model is None:
            return None
        with torch.no_grad():
            return policy_logps(self.ref_model, batch, temperature, False)[0]

    def _gather(self, rows: list[Any]) -> list[Any]:
        """The concatenation of `rows` over every process (just `rows` with one process)."""
        if self.accelerator.num_processes == 1:
            return rows
        from accelerate.utils import gather_object

        return gather_object(rows)

    def _reference_model(self) -> torch.nn.Module | None:
        """A frozen copy of the initial policy, only when a KL penalty is asked for (AZR uses none)."""
        if self.config.objective.kl_coef == 0:
            return None
        ref = copy.deepcopy(self.accelerator.unwrap_model(self.parts.model)).eval()
        ref.requires_grad_(False)
        return ref

    def _update_buffers(self, result: RolloutResult, screened: list[Screened]) -> int:
        """Valid proposals enter their buffer unless a decision on the proposal, or on any of the
        learnability rollouts that solved it, quarantined the task."""
        quarantined: list[Triplet] = self._gather([s.triplet for s, x in zip(result.samples, screened, strict=True)
                                                   if s.triplet is not None and apply_decision(x.decision.action)[2]])
        added = 0
        for triplet in self._gather([t for _, t in result.candidates]):  # every process keeps the same buffers
            if triplet not in quarantined:
                added += int(self.buffers.add(triplet))
        return added

    # ----------------------------------------------------------------------- halts and checkpoints
    def _halt(self, record: dict[str, Any], decision: Any, start: float) -> dict[str, Any]:
        info = HaltInfo(step=record["step"], sample_id=decision.sample_id, rule_ids=decision.rule_ids,
                        message=decision.message)
        info.audit_seq = self.audit.halt(info, str(self._checkpoint_path(info.step + 1)))
        record["halted"] = info.model_dump()
        self.state.halted = info
        return self._finish(record, start, force_checkpoint=True)

    def _finish(self, record: dict[str, Any], start: float, force_checkpoint: bool = False) -> dict[str, Any]:
        record["time_s"] = self.clock.reset()
        record["step_s"] = round(time.perf_counter() - start, 4)
        self.state.step = record["step"] + 1
        self.state.metrics.append(record)
        due = self.state.step % self.config.checkpoint_every == 0 or self.state.step >= self.config.steps
        due = due or force_checkpoint
        self.audit.step_end(record, str(self._checkpoint_path(self.state.step)) if due else None)
        if due:
            self.save()
        self.metrics.write(record)  # after the checkpoint: a resume rewrites metrics.jsonl from it
        return record

    def save(self) -> Path | None:
        """Write a checkpoint (main process); every process takes part in gathering sharded weights."""
        self.accelerator.wait_for_everyone()
        model_state = self.accelerator.get_state_dict(self.parts.model)  # a collective under FSDP
        if not self.accelerator.is_main_process:
            return None
        state = self.state.model_copy(update={
            "buffers": self.buffers.state_dict(),
            "audit_position": self.audit.position(),
            "generator_state": self.parts.generator.state_dict() if isinstance(self.parts.generator, Stateful)
            else None,
        })
        state.rollout_rng = _rng_to_json(self.rollout_rng)
        return save_checkpoint(self.ckpt_root, state, model_state, self.parts.optimizer.state_dict(),
                               keep=self.config.keep_checkpoints)

    def _resume(self, ckpt: LoadedCheckpoint, ack_halt: str | None) -> None:
        st = ckpt.state
        if st.config_sha256 != self.state.config_sha256:
            raise CheckpointError(f"checkpoint {str(ckpt.path)!r} was made with a different config",
                                  hint="resume with the config the run started with")
        if st.halted is not None and not (ack_halt and ack_halt.strip()):
            raise HaltNotAcknowledgedError(
                f"the run halted at step {st.halted.step} on rule(s) {', '.join(st.halted.rule_ids) or '?'} "
                f"(sample {st.halted.sample_id}); resuming needs --ack-halt \"<reason>\"")
        self.accelerator.unwrap_model(self.parts.model).load_state_dict(ckpt.model_state)
        self.parts.optimizer.load_state_dict(ckpt.optimizer_state)
        self.buffers.load_state_dict(st.buffers)
        self.rollout_rng.setstate(_rng_from_json(st.rollout_rng))
        if st.generator_state is not None and isinstance(self.parts.generator, Stateful):
            self.parts.generator.load_state_dict(st.generator_state)
        restore_rng(st.python_rng, st.numpy_rng, ckpt.rng_tensors)
        # Records after the checkpoint's audit position belong to an abandoned attempt; the resume
        # record marks them superseded. Steps re-run under attempt + 1, so (step, attempt) stays unique.
        self.audit.resume(st.step, st.attempt + 1, str(ckpt.path), st.audit_position, st.halted, ack_halt)
        engine = _engine(self.parts.hook)
        if engine is not None:  # rate rules (windows, counts) see the surviving stream again
            for record in self.audit.surviving_samples():
                engine.decide(record.sample, record.verdicts)
        self.state = st.model_copy(update={"attempt": st.attempt + 1, "halted": None})

    def _checkpoint_path(self, step: int) -> Path:
        return self.ckpt_root / f"{PREFIX}{step:08d}"


def _behaviour_gap(logps: torch.Tensor, batch: Any) -> float | None:
    """Mean log μ − log π over tokens with behaviour logprobs: how far the sampler (grammar mask,
    top-p) was from the policy being trained. Diagnostic only."""
    known = ~torch.isnan(batch.old_per_token_logps) & (batch.completion_mask > 0)
    if not known.any():
        return None
    return float((batch.old_per_token_logps[known] - logps.detach()[known]).mean())


def _engine(hook: Any) -> Any:
    return hook.policy_engine if isinstance(hook, PolicyScreeningHook) else None


def _policy(hook: Any) -> Any:
    engine = _engine(hook)
    return None if engine is None else engine.policy


def _rng_to_json(rng: random.Random) -> list[Any]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _rng_from_json(data: list[Any]) -> tuple[Any, ...]:
    return data[0], tuple(data[1]), data[2]
