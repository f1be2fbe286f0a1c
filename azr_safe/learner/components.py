"""Build what the trainer composes: accelerator, model (+ optional LoRA), optimizer, generator,
screening hook (monitors + policy) and audit log. The jail is started by the caller, before this
module is imported, because it imports torch."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate import Accelerator

from azr_safe.errors import ConfigError
from azr_safe.learner.config import AZRConfig, LoraSettings
from azr_safe.learner.screening import PolicyScreeningHook
from azr_safe.learner.trainer import Components

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_components(config: AZRConfig, jail: Any, *, model: Any = None, tokenizer: Any = None,
                     generator: Any = None, hook: Any = None, audit: Any = "default") -> Components:
    """Everything but the jail. Tests may hand in a model, generator, hook or audit log (None = no log)."""
    dist = config.distributed
    accelerator = Accelerator(cpu=dist.cpu, mixed_precision=dist.mixed_precision)
    seed_everything(config.seed + accelerator.process_index)
    if model is None:
        model, tokenizer = _load_model(config, accelerator)
    if dist.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    if config.lora.enabled:
        model = _with_lora(model, config.lora)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.optim.lr,
                                  betas=config.optim.betas, weight_decay=config.optim.weight_decay)
    model, optimizer = accelerator.prepare(model, optimizer)
    if generator is None:
        generator = _build_generator(config, accelerator.unwrap_model(model), tokenizer)
    if hook is None:
        hook = build_hook(config)
    if audit == "default":
        audit = _open_audit(config) if accelerator.is_main_process else None
    return Components(accelerator=accelerator, model=model, tokenizer=tokenizer, optimizer=optimizer,
                      generator=generator, jail=jail, hook=hook, audit=audit)


def build_hook(config: AZRConfig) -> PolicyScreeningHook:
    """Monitors always run (their verdicts go to the audit log); the policy decides only when given."""
    suite = None
    if config.monitors != []:
        from azr_safe.monitors.registry import build_monitor_suite

        suite = build_monitor_suite(config.monitors)
    engine = None
    if config.policy is not None:
        from azr_safe.policy import PolicyEngine, load_policy

        engine = PolicyEngine(load_policy(config.policy))
    return PolicyScreeningHook(suite, engine)


def _load_model(config: AZRConfig, accelerator: Accelerator) -> tuple[Any, Any]:
    from azr_safe.models import load_policy_model

    return load_policy_model(config.model, device=accelerator.device, dtype=_DTYPES[config.distributed.dtype])


def _build_generator(config: AZRConfig, model: Any, tokenizer: Any) -> Any:
    from azr_safe.generation import build_generator

    return build_generator(config.generation, model=model, tokenizer=tokenizer)


def _with_lora(model: Any, lora: LoraSettings) -> Any:
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        raise ConfigError("lora.enabled is true but peft is not installed",
                          hint="pip install peft, or set lora.enabled: false") from None
    try:
        return get_peft_model(model, LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                                                target_modules=lora.target_modules, task_type="CAUSAL_LM"))
    except ValueError as err:  # e.g. target modules this architecture does not have
        raise ConfigError(f"lora: {err}", hint="set lora.target_modules to module names of this model") from None


def _open_audit(config: AZRConfig) -> Any:
    from azr_safe.audit import AuditLog

    return AuditLog(Path(config.out_dir) / "audit")
