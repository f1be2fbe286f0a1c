"""The generation boundary: every backend (transformers, vLLM, scripted) implements `Generator`."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.selfplay.sample import Role, TaskType


class GenerationRequest(BaseModel):
    """One prompt to complete `n` times, optionally forced into a (task type, role) answer format."""

    model_config = ConfigDict(extra="forbid")

    prompt: str
    n: int = Field(default=1, ge=1)
    fmt: tuple[TaskType, Role] | None = Field(
        default=None, description="Force the <think> skeleton and the answer blocks of this role."
    )
    max_new_tokens: int = Field(default=256, ge=1)
    temperature: float = Field(default=1.0, ge=0.0, description="0 means greedy.")


class Generation(BaseModel):
    """One completion, with the token ids and behaviour-policy logprobs the learner needs."""

    model_config = ConfigDict(extra="forbid")

    text: str
    prompt_ids: list[int] = Field(default_factory=list)
    completion_ids: list[int] = Field(default_factory=list)
    logprobs: list[float] = Field(default_factory=list, description="One per completion token.")
    finish_reason: str = "stop"


class Generator(Protocol):
    """A generation backend."""

    def generate(self, requests: list[GenerationRequest]) -> list[list[Generation]]:
        """Return, for each request, its `n` completions in order."""
        ...

    def sync_weights(self, model: Any) -> None:
        """Make the backend sample from `model`'s current weights (no-op when it shares them)."""
        ...
