"""Policy models: embedded GGUF models converted once to a safetensors cache, or local HF folders."""

from azr_safe.models.convert import convert_gguf, is_complete, prepared_folder
from azr_safe.models.embedded import EMBEDDED, EmbeddedModel
from azr_safe.models.load import load_policy_model, resolve_dtype
from azr_safe.models.spec import CACHE_ENV, DEFAULT_MODEL, ModelSpec
from azr_safe.models.tiny import build_tiny_model, build_tiny_tokenizer

__all__ = [
    "CACHE_ENV",
    "DEFAULT_MODEL",
    "EMBEDDED",
    "EmbeddedModel",
    "ModelSpec",
    "build_tiny_model",
    "build_tiny_tokenizer",
    "convert_gguf",
    "is_complete",
    "load_policy_model",
    "prepared_folder",
    "resolve_dtype",
]
