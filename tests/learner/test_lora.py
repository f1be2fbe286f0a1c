"""LoRA through peft: only the adapters train, the checkpoint carries them, and resume restores them."""

from __future__ import annotations

import pytest
import torch

from azr_safe.errors import ConfigError
from azr_safe.learner.checkpoint import load_latest
from learner_helpers import make_trainer, tiny_config

pytest.importorskip("peft")

LORA = {"enabled": True, "r": 4, "alpha": 8, "target_modules": ["q_proj", "v_proj"]}


def _params(trainer):
    return {n: p.detach().clone() for n, p in trainer.accelerator.unwrap_model(trainer.parts.model).named_parameters()}


def test_a_lora_step_changes_only_the_adapters_and_resume_restores_them(tmp_path, jail):
    config = tiny_config(tmp_path, steps=2, lora=LORA)
    trainer = make_trainer(config, jail=jail)
    trainable = {n for n, p in trainer.parts.model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    before = _params(trainer)
    trainer.step()
    after = _params(trainer)
    changed = {n for n in before if not torch.equal(before[n], after[n])}
    assert changed and changed <= trainable  # the adapters moved, the base weights did not
    saved = load_latest(tmp_path / "checkpoints").model_state
    assert any("lora_" in name for name in saved)

    resumed = make_trainer(config, jail=jail, resume=True)
    restored = _params(resumed)
    for name in changed:
        assert torch.equal(restored[name], after[name]), name


def test_lora_with_unknown_target_modules_is_a_clear_error(tmp_path, jail):
    with pytest.raises(ConfigError, match="not_a_module"):
        make_trainer(tiny_config(tmp_path, lora={**LORA, "target_modules": ["not_a_module"]}), jail=jail)
