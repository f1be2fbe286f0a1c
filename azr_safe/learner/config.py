"""`AZRConfig`: everything one self-play run needs, loaded from a YAML file under `training/`.

Values named in the AZR paper (arXiv 2505.03335) say so in their description. The CLI reads the YAML
with the torch-free `yamlfile.read_mapping` and starts the jail before this module (and torch) loads.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from azr_safe.errors import ConfigError, first_error
from azr_safe.generation.config import VLLMSettings
from azr_safe.generation.grammar import GrammarConfig
from azr_safe.learner.yamlfile import read_mapping
from azr_safe.models.spec import ModelSpec
from azr_safe.selfplay.advantages import AdvantageConfig
from azr_safe.selfplay.objective import ObjectiveConfig
from azr_safe.selfplay.rollout import RolloutConfig


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GenerationSettings(_Strict):
    """How responses are sampled: the backend part of `azr_safe.generation.GeneratorConfig`.
    Token budgets and the temperature are per role, under `rollout`."""

    backend: Literal["hf", "vllm", "scripted"] = Field(
        default="hf", description="hf: transformers generate; vllm: the [gpu] extra; scripted: canned replies."
    )
    scripted_file: Path | None = Field(default=None, description="Canned responses (scripted backend only).")
    structured: bool = Field(default=True, description="Force <think> and the answer blocks with the grammar.")
    grammar: GrammarConfig = Field(default_factory=GrammarConfig, description="Grammar bounds (think length).")
    top_p: float = Field(default=1.0, gt=0.0, le=1.0, description="Nucleus sampling (1 = off, as in the paper).")
    batch_size: int = Field(default=16, ge=1, description="hf: sequences generated together (memory only).")
    vllm: VLLMSettings = Field(default_factory=VLLMSettings, description="vLLM engine options ([gpu] extra).")


class OptimSettings(_Strict):
    """AdamW. The loss itself is `objective` (PPO clip 0.2, no KL) and TRR++ is `advantages`."""

    lr: float = Field(default=1e-6, gt=0, description="Constant AdamW learning rate (paper: 1e-6).")
    weight_decay: float = Field(default=0.0, ge=0, description="AdamW weight decay.")
    betas: tuple[float, float] = Field(default=(0.9, 0.999), description="AdamW betas.")
    max_grad_norm: float = Field(default=1.0, gt=0, description="Gradient clipping norm.")
    micro_batch_size: int = Field(default=4, ge=1, description="Sequences per forward pass (memory only).")
    old_logprobs: Literal["recompute", "behaviour"] = Field(
        default="recompute",
        description="log π_old for the PPO ratio: recomputed by the learner (as veRL does), or the "
        "generator's behaviour logprobs (biased when the grammar masks tokens).",
    )


class DistributedSettings(_Strict):
    """Passed to `accelerate.Accelerator`; multi-GPU runs start with `accelerate launch`."""

    mixed_precision: Literal["no", "fp16", "bf16"] = Field(default="no")
    cpu: bool = Field(default=True, description="Force CPU even when an accelerator is visible.")
    dtype: Literal["float32", "bfloat16", "float16"] = Field(default="float32", description="Model weights dtype.")
    gradient_checkpointing: bool = Field(default=False)


class LoraSettings(_Strict):
    """Optional LoRA through peft (used only when `enabled` and peft is installed)."""

    enabled: bool = False
    r: int = Field(default=16, ge=1)
    alpha: int = Field(default=32, ge=1)
    dropout: float = Field(default=0.0, ge=0, lt=1)
    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])


class AZRConfig(_Strict):
    """One self-play run."""

    name: str = Field(default="run", description="Shown in logs and the summary.")
    description: str = Field(default="", description="What this config is for and how to run it.")
    model: ModelSpec = Field(default_factory=ModelSpec, description="Embedded model name or local HF folder.")
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    rollout: RolloutConfig = Field(
        default_factory=RolloutConfig,
        description="Step sizes (batch per task type and role, n, K), token budgets, temperature, rewards.",
    )
    advantages: AdvantageConfig = Field(default_factory=AdvantageConfig, description="TRR++ whitening.")
    objective: ObjectiveConfig = Field(default_factory=ObjectiveConfig, description="PPO clip, entropy, KL.")
    optim: OptimSettings = Field(default_factory=OptimSettings, description="Optimizer settings.")
    distributed: DistributedSettings = Field(default_factory=DistributedSettings)
    lora: LoraSettings = Field(default_factory=LoraSettings)
    seed: int = Field(default=0, description="Seeds python, numpy and torch.")
    steps: int = Field(default=3, ge=1, description="Self-play steps to run in total.")
    jail_profile: Path = Field(default=Path("sandbox/default.yaml"), description="Jail profile YAML.")
    policy: Path | None = Field(default=None, description="Policy YAML; none allows every sample.")
    monitors: list[str] | None = Field(default=None, description="Monitor names; none = the default CPU stack.")
    out_dir: Path = Field(default=Path("audit_logs/cpu-demo"), description="Run folder (under audit_logs/ by default): checkpoints, metrics and the audit log.")
    checkpoint_every: int = Field(default=1, ge=1, description="Save a checkpoint every N steps.")
    keep_checkpoints: int = Field(default=2, ge=1, description="How many checkpoints to keep.")

    @model_validator(mode="after")
    def _check(self) -> AZRConfig:
        if self.generation.backend == "scripted" and self.generation.scripted_file is None:
            raise ValueError("generation.backend is 'scripted' but generation.scripted_file is not set")
        return self

    def sha256(self) -> str:
        """Hash of the settings that decide the training trajectory (not `steps` or `out_dir`)."""
        data = self.model_dump(mode="json", exclude={"steps", "out_dir", "name", "description", "policy", "checkpoint_every", "keep_checkpoints"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def load_config(path: str | Path, **overrides: Any) -> AZRConfig:
    """Read and validate a YAML config; `overrides` (non-None values) replace top-level fields."""
    return config_from_mapping(read_mapping(path), source=str(path), **overrides)


def config_from_mapping(data: dict[str, Any], *, source: str = "config", **overrides: Any) -> AZRConfig:
    """Validate an already-read mapping; errors name the source and the first bad field."""
    data = {**data, **{k: v for k, v in overrides.items() if v is not None}}
    try:
        return AZRConfig.model_validate(data)
    except ValidationError as err:
        where, msg = first_error(err, whole="(top level)")
        raise ConfigError(f"{source}: field {where!r}: {msg}") from None
