"""Policy models: embedded GGUF models converted once to a safetensors cache, or local HF folders."""

from azr_safe.lazy import lazy_getattr
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


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = ["CACHE_ENV", "DEFAULT_MODEL", "ModelSpec", *_LAZY]
