"""`load_policy_model(spec, device, dtype) -> (model, tokenizer)`, offline only."""

from __future__ import annotations

from typing import Any

import torch

from azr_safe.errors import ModelNotFoundError
from azr_safe.models.convert import needs_bos_fix_at_load, prepared_folder
from azr_safe.models.spec import ModelSpec
from azr_safe.models.tiny import build_tiny_model, build_tiny_tokenizer

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """Accept 'float32' / 'bfloat16' / 'float16' or a torch dtype."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {sorted(_DTYPES)}, not {dtype!r}")
    return _DTYPES[dtype]


def load_policy_model(
    spec: ModelSpec | dict[str, Any] | None = None,
    device: str | torch.device = "cpu",
    dtype: str | torch.dtype = "float32",
) -> tuple[Any, Any]:
    """Load the policy and its tokenizer (converting an embedded GGUF on first use). Never downloads."""
    spec = spec if isinstance(spec, ModelSpec) else ModelSpec.model_validate(spec or {})
    torch_dtype = resolve_dtype(dtype)
    if spec.name == "tiny-random":
        tokenizer = build_tiny_tokenizer()
        return build_tiny_model(tokenizer).to(device=device, dtype=torch_dtype), tokenizer
    folder = prepared_folder(spec)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype, local_files_only=True)
    except (OSError, ValueError) as err:  # a folder with config.json but no weights or tokenizer
        raise ModelNotFoundError(f"cannot load the model in {folder}: {err}".splitlines()[0]) from None
    if getattr(model.config, "model_type", "").startswith("gemma") and needs_bos_fix_at_load():
        tokenizer.add_bos_token = True  # Gemma emits garbage without BOS; transformers < 5.21 omits it
    return model.to(device).eval(), tokenizer
