"""The update applies screening decisions exactly: veto, drop, quarantine; TRR++ per (task, role)."""

from __future__ import annotations

import pytest
import torch

from azr_safe.selfplay.rollout import RolloutResult
from learner_helpers import decisions, make_trainer, synthetic_items, tiny_config, triplet

ROWS = [
    ("deduction", "solve", 1.0, "<think>a</think>\n<output>6</output>"),
    ("deduction", "solve", -0.5, "<think>b</think>\n<output>7</output>"),
    ("deduction", "solve", 1.0, "<think>c c c</think>\n<output>8</output>"),
    ("abduction", "solve", 1.0, "<think>d</think>\n<input>3</input>"),
    ("abduction", "solve", 0.0, "<think>e</think>\n<input>4</input>"),
]


def _grads(trainer, items, actions=None) -> dict[str, torch.Tensor]:
    plan = trainer.loss_plan(items, decisions(items, actions))
    trainer.parts.optimizer.zero_grad(set_to_none=True)
    stats = trainer.backward(items, plan)
    grads = {n: (p.grad.clone() if p.grad is not None else torch.zeros_like(p))
             for n, p in trainer.parts.model.named_parameters()}
    trainer.parts.optimizer.zero_grad(set_to_none=True)
    return grads | {"__stats__": stats}


def _same(a, b) -> bool:
    return all(torch.allclose(a[n], b[n], atol=1e-7, rtol=1e-5) for n in a if n != "__stats__")


@pytest.fixture
def trainer(tmp_path):
    # entropy on, so the test also covers that a vetoed sample's entropy term is silenced
    return make_trainer(tiny_config(tmp_path, objective={"entropy_coef": 0.01}))


def test_trr_plus_plus_normalizes_each_task_and_role_separately(trainer):
    items = synthetic_items(ROWS)
    adv = trainer.loss_plan(items, decisions(items)).advantages
    # deduction/solve rewards [1, -0.5, 1]: μ = 0.5, σ = sqrt(0.5) (population)
    sigma = (0.5) ** 0.5
    expected = [0.5 / sigma, -1.0 / sigma, 0.5 / sigma, 1.0, -1.0]  # abduction [1, 0]: μ 0.5, σ 0.5
    assert adv.tolist() == pytest.approx(expected, rel=1e-4)


def test_vetoed_sample_contributes_zero_gradient(trainer):
    base = synthetic_items(ROWS)
    # same token count, other tokens and reward: if the vetoed sample leaked any signal, grads would move
    other = synthetic_items(ROWS)
    gen = other[2].generation
    other[2].generation = gen.model_copy(update={"completion_ids": list(reversed(gen.completion_ids))})
    other[2].sample = other[2].sample.model_copy(update={"reward": -1.0})
    vetoed_a = _grads(trainer, base, {2: "veto_reward"})
    vetoed_b = _grads(trainer, other, {2: "veto_reward"})
    assert _same(vetoed_a, vetoed_b)
    # and the check has teeth: without the veto the two batches give different gradients
    assert not _same(_grads(trainer, base), _grads(trainer, other))
    # the vetoed sample stays in the token normalizer
    assert vetoed_a["__stats__"]["n_tokens"] == _grads(trainer, base)["__stats__"]["n_tokens"]
    assert vetoed_a["__stats__"]["advantages"][2] == 0.0


def test_dropped_sample_is_absent_from_loss_and_normalizer(trainer):
    with_drop = _grads(trainer, synthetic_items(ROWS), {2: "drop_sample"})
    without = _grads(trainer, synthetic_items([r for i, r in enumerate(ROWS) if i != 2]))
    assert with_drop["__stats__"]["n_tokens"] == without["__stats__"]["n_tokens"]
    assert with_drop["__stats__"]["loss"] == pytest.approx(without["__stats__"]["loss"], abs=1e-6)
    assert _same(with_drop, without)


def test_quarantine_also_drops_the_sample_from_the_loss(trainer):
    quarantined = _grads(trainer, synthetic_items(ROWS), {2: "quarantine_task"})
    dropped = _grads(trainer, synthetic_items(ROWS), {2: "drop_sample"})
    assert _same(quarantined, dropped)


def test_optimizer_step_changes_the_weights(trainer):
    before = {n: p.detach().clone() for n, p in trainer.parts.model.named_parameters()}
    items = synthetic_items(ROWS)
    stats = trainer._update(items, decisions(items))
    assert stats["optimizer_step"] and stats["grad_norm"] > 0
    changed = [n for n, p in trainer.parts.model.named_parameters() if not torch.equal(before[n], p.detach())]
    assert len(changed) == len(before), f"unchanged: {set(before) - set(changed)}"


def test_all_dropped_step_makes_no_optimizer_step(trainer):
    before = {n: p.detach().clone() for n, p in trainer.parts.model.named_parameters()}
    items = synthetic_items(ROWS)
    stats = trainer._update(items, decisions(items, {i: "drop_sample" for i in range(len(ROWS))}))
    assert not stats["optimizer_step"] and stats["n_trained"] == 0
    assert all(torch.equal(before[n], p.detach()) for n, p in trainer.parts.model.named_parameters())


def _proposal(items, index, task):
    item = items[index]
    item.sample = item.sample.model_copy(update={"triplet": task, "valid": True})
    return item


def test_quarantined_task_never_enters_the_buffers(trainer):
    items = synthetic_items([("deduction", "propose", 0.5, "<think>p</think>"),
                             ("deduction", "propose", 0.5, "<think>q</think>")])
    kept, banned = triplet("def f(x):\n    return x * 3"), triplet("def f(x):\n    return x * 5")
    result = RolloutResult(items=[_proposal(items, 0, kept), _proposal(items, 1, banned)])
    assert len(result.candidates) == 2
    added = trainer._update_buffers(result, decisions(items, {1: "quarantine_task"}))
    programs = [t.program for t in trainer.buffers["deduction"].triplets]
    assert added == 1 and kept.program in programs and banned.program not in programs


def test_quarantine_on_a_learnability_rollout_keeps_its_task_out(trainer):
    task = triplet("def f(x):\n    return x * 7")
    items = synthetic_items([("deduction", "propose", 0.5, "<think>p</think>"),
                             ("deduction", "solve", 0.0, "<think>s</think>\n<output>1</output>")])
    _proposal(items, 0, task)
    items[1].sample = items[1].sample.model_copy(update={"triplet": task, "purpose": "learnability"})
    result = RolloutResult(items=items)
    assert trainer._update_buffers(result, decisions(items, {1: "quarantine_task"})) == 0
    assert task.program not in [t.program for t in trainer.buffers["deduction"].triplets]
    assert trainer._update_buffers(result, decisions(items)) == 1  # and without the decision it would enter


def test_policy_logprobs_on_kept_positions_match_a_full_forward_pass():
    from azr_safe.generation.tokens import completion_logprobs
    from azr_safe.learner.batch import make_batch, policy_logps
    from azr_safe.models.tiny import build_tiny_model
    from learner_helpers import tiny_tokenizer

    tok = tiny_tokenizer()
    model = build_tiny_model(tok)
    prompts = [tok("hello there f(3)")["input_ids"], tok("x")["input_ids"]]  # different prompt lengths
    completions = [tok("abc def", add_special_tokens=False)["input_ids"],
                   tok("ghij klm nop", add_special_tokens=False)["input_ids"]]
    logps, _, old = policy_logps(model, make_batch(prompts, completions, [[], []], 0), 0.7, False)
    reference = completion_logprobs(model, prompts, completions, temperature=0.7, pad_id=0)
    for i, c in enumerate(completions):
        assert torch.allclose(logps[i, : len(c)], torch.tensor(reference[i]), atol=1e-5)
    assert torch.equal(old, logps.detach())  # log π_old is recomputed, so the ratio starts at 1
