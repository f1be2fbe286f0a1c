"""Shared builders for the learner tests: a tiny random model, scripted responses, synthetic steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from azr_safe.generation.base import Generation
from azr_safe.generation.tokens import encode_completion, encode_prompt
from azr_safe.learner.components import build_components
from azr_safe.learner.config import AZRConfig
from azr_safe.learner.screening import Screened
from azr_safe.learner.trainer import Trainer
from azr_safe.models.tiny import build_tiny_model, build_tiny_tokenizer
from azr_safe.policy.decision import Decision
from azr_safe.selfplay.rollout import RolloutItem, RolloutResult
from azr_safe.selfplay.sample import Sample, Triplet

# Valid, well-formed replies for every (task type, role); solvers are sometimes right, sometimes not,
# so rewards differ within a (task, role) group and TRR++ advantages are non-zero.
SCRIPT: list[dict[str, str]] = [
    {"task_type": "deduction", "role": "propose",
     "text": "<think>Double it.</think>\n<code>\ndef f(x):\n    return x * 2\n</code>\n<input>3</input>"},
    {"task_type": "abduction", "role": "propose",
     "text": "<think>Add one.</think>\n<code>\ndef f(x):\n    return x + 1\n</code>\n<input>4</input>"},
    {"task_type": "induction", "role": "propose",
     "text": "<think>Strings.</think>\n" + "".join(f"<input>'{w}'</input>\n" for w in
                                                 ("a", "bb", "ccc", "dd", "e", "ffff")) + "<message>Identity.</message>"},
    {"task_type": "deduction", "role": "solve", "text": "<think>It is the input.</think>\n<output>'Hello world'</output>"},
    {"task_type": "deduction", "role": "solve", "text": "<think>Guess.</think>\n<output>6</output>"},
    {"task_type": "deduction", "role": "solve", "text": "<think>Guess.</think>\n<output>0</output>"},
    {"task_type": "abduction", "role": "solve", "text": "<think>Same.</think>\n<input>'Hello world'</input>"},
    {"task_type": "abduction", "role": "solve", "text": "<think>Try.</think>\n<input>3</input>"},
    {"task_type": "induction", "role": "solve",
     "text": "<think>Identity.</think>\n<code>\ndef f(a):\n    return a\n</code>"},
    {"task_type": "induction", "role": "solve",
     "text": "<think>Upper.</think>\n<code>\ndef f(a):\n    return a.upper()\n</code>"},
]

_TOKENIZER = None


def tiny_tokenizer() -> Any:
    global _TOKENIZER
    if _TOKENIZER is None:  # training the BPE takes a moment; every test shares one
        _TOKENIZER = build_tiny_tokenizer()
    return _TOKENIZER


def tiny_config(out_dir: Path, **overrides: Any) -> AZRConfig:
    data: dict[str, Any] = {
        "name": "test-tiny",
        "model": {"name": "tiny-random"},  # the tests hand in the same model
        "rollout": {"propose_batch_size": 1, "solve_batch_size": 2, "n_learnability": 2, "k_references": 2,
                    "max_new_tokens_propose": 64, "max_new_tokens_solve": 32},
        "optim": {"lr": 1e-2, "micro_batch_size": 2},  # a large lr so one step visibly moves a tiny model
        "monitors": [],
        "steps": 2,
        "out_dir": str(out_dir),
    }
    data.update(overrides)
    return AZRConfig.model_validate(data)


def make_trainer(config: AZRConfig, *, jail: Any = None, hook: Any = None, generator: Any = None,
                 audit: Any = None, resume: bool = False, ack_halt: str | None = None, seed: int = 0) -> Trainer:
    from azr_safe.generation.scripted import ScriptedGenerator
    from azr_safe.learner.screening import PolicyScreeningHook

    tok = tiny_tokenizer()
    model = build_tiny_model(tok, seed=seed)
    generator = generator or ScriptedGenerator(SCRIPT, tokenizer=tok)
    parts = build_components(config, jail, model=model, tokenizer=tok, generator=generator,
                             hook=hook or PolicyScreeningHook(None, None), audit=audit)
    return Trainer(config, parts, resume=resume, ack_halt=ack_halt)


def synthetic_items(rows: list[tuple[str, str, float, str]]) -> list[RolloutItem]:
    """Rollout items from (task_type, role, reward, completion text) rows, tokenized for the tiny model."""
    tok = tiny_tokenizer()
    items = []
    for i, (task_type, role, reward, text) in enumerate(rows):
        sample = Sample(sample_id=f"0-{task_type}-{role}-{i}", step=0, task_type=task_type, role=role,
                        reward=reward, answer=text)
        gen = Generation(text=text, prompt_ids=encode_prompt(tok, "Response:\n"),
                         completion_ids=encode_completion(tok, text, add_eos=True))
        items.append(RolloutItem(sample, gen))
    return items


def decisions(items: list[RolloutItem], actions: dict[int, str] | None = None) -> list[Screened]:
    actions = actions or {}
    return [Screened([], Decision(sample_id=item.sample.sample_id, action=actions.get(i, "allow"),
                                  actions=[actions.get(i, "allow")], policy_hash="test"))
            for i, item in enumerate(items)]


def triplet(program: str = "def f(x):\n    return x * 3", task_type: str = "deduction") -> Triplet:
    return Triplet(program=program, inputs=["2"], outputs=["6"], task_type=task_type)
