"""Policy models: embedded GGUF models converted once to a safetensors cache, or local HF folders."""

import importlib
from typing import Any

from azr_safe.models.spec import CACHE_ENV, DEFAULT_MODEL, ModelSpec

# Loading and conversion import torch and transformers; load them on first use so that importing a
# spec (as run configs do) stays cheap.
_LAZY = {
    "convert_gguf": "azr_safe.models.convert",
    "is_complete": "azr_safe.models.convert",
    "prepared_folder": "azr_safe.models.convert",
    "EMBEDDED": "azr_safe.models.embedded",
    "EmbeddedModel": "azr_safe.models.embedded",
    "load_policy_model": "azr_safe.models.load",
    "resolve_dtype": "azr_safe.models.load",
    "build_tiny_model": "azr_safe.models.tiny",
    "build_tiny_tokenizer": "azr_safe.models.tiny",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CACHE_ENV", "DEFAULT_MODEL", "ModelSpec", *_LAZY]
