"""`GeneratorConfig`: which backend samples, and how. A superset of the learner's `generation:` section,
so `build_generator(run_config.generation, ...)` accepts it as is."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.errors import UserFacingError
from azr_safe.generation.grammar import GrammarConfig


class BackendUnavailableError(UserFacingError):
    """A generation backend cannot run here (e.g. vLLM without the [gpu] extra or without a GPU)."""

    code = "AZR010"


class VLLMSettings(BaseModel):
    """Options of the vLLM backend (`[gpu]` extra). Untested here: this machine has no GPU."""

    model_config = ConfigDict(extra="forbid")

    model_path: Path | None = Field(
        default=None, description="HF folder vLLM loads; default: the policy's own folder (`name_or_path`)."
    )
    dtype: Literal["bfloat16", "float16", "float32", "auto"] = Field(default="bfloat16")
    gpu_memory_utilization: float = Field(default=0.3, gt=0, le=1, description="Share of GPU memory for vLLM.")
    tensor_parallel_size: int = Field(default=1, ge=1)
    max_model_len: int | None = Field(default=4096, ge=64, description="Prompt + completion tokens.")
    enable_sleep_mode: bool = Field(default=False, description="Free vLLM's memory between generations.")
    enforce_eager: bool = Field(default=False, description="Skip CUDA graphs (slower, starts faster).")
    seed: int = Field(default=0)
    distributed_executor_backend: Literal["external_launcher", "uni", "mp", "ray"] | None = Field(
        default=None,
        description="external_launcher under torchrun/accelerate (colocated with the trainer); None: in-process.",
    )


class GeneratorConfig(BaseModel):
    """How samples are generated."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["hf", "vllm", "scripted"] = Field(
        default="hf", description="hf: transformers generate; vllm: the [gpu] extra; scripted: canned replies."
    )
    scripted_file: Path | None = Field(default=None, description="YAML or JSONL of canned responses (scripted).")
    on_exhausted: Literal["cycle", "raise"] = Field(
        default="cycle", description="Scripted: start over, or raise, when the responses run out."
    )
    structured: bool = Field(default=True, description="Force <think> and the answer blocks with the grammar.")
    grammar: GrammarConfig = Field(default_factory=GrammarConfig)
    max_new_tokens: int = Field(
        default=256, ge=1, description="Default response length; callers copy it into each GenerationRequest."
    )
    temperature: float = Field(
        default=1.0, ge=0.0, description="Default temperature (0 = greedy); callers copy it into requests."
    )
    top_p: float = Field(default=1.0, gt=0.0, le=1.0, description="Nucleus sampling (1 = off).")
    batch_size: int = Field(default=16, ge=1, description="hf: sequences per generate call (memory only).")
    vllm: VLLMSettings = Field(default_factory=VLLMSettings)
