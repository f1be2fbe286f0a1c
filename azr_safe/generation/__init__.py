"""Generation backends behind one contract (`Generator`): transformers, vLLM (optional) and scripted."""

# azr_safe.selfplay imports this package's contract (base.py) while base.py imports selfplay's records:
# loading selfplay first keeps that cycle resolvable whichever package a caller imports first.
import azr_safe.selfplay  # noqa: F401  isort: skip

from typing import Any

from pydantic import BaseModel

from azr_safe.errors import ConfigError
from azr_safe.generation.base import Generation, GenerationRequest, Generator
from azr_safe.generation.config import BackendUnavailableError, GeneratorConfig, VLLMSettings
from azr_safe.generation.grammar import GrammarConfig, build_ebnf, format_adherence, is_well_formed
from azr_safe.lazy import lazy_getattr

# The backends import transformers; load them on first use so configs stay cheap to import.
_LAZY = {
    "HFGenerator": "azr_safe.generation.hf",
    "ScriptedGenerator": "azr_safe.generation.scripted",
    "ScriptedResponse": "azr_safe.generation.scripted",
    "ScriptExhaustedError": "azr_safe.generation.scripted",
    "load_script": "azr_safe.generation.scripted",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


def build_generator(
    config: GeneratorConfig | BaseModel | dict[str, Any] | None = None,
    model: Any = None,
    tokenizer: Any = None,
) -> Generator:
    """The backend named by `config.backend`. Accepts any config with a subset of GeneratorConfig's fields
    (such as the learner's `generation:` section)."""
    if isinstance(config, GeneratorConfig):
        cfg = config
    else:
        data = config.model_dump() if isinstance(config, BaseModel) else (config or {})
        cfg = GeneratorConfig.model_validate(data)
    if cfg.backend == "scripted":
        if cfg.scripted_file is None:
            raise ConfigError("generation.backend is 'scripted' but generation.scripted_file is not set")
        from azr_safe.generation.scripted import ScriptedGenerator

        return ScriptedGenerator(cfg.scripted_file, tokenizer=tokenizer, on_exhausted=cfg.on_exhausted, model=model)
    if model is None or tokenizer is None:
        raise ConfigError(f"the {cfg.backend} backend needs a loaded model and tokenizer")
    if cfg.backend == "hf":
        from azr_safe.generation.hf import HFGenerator

        return HFGenerator(
            model, tokenizer, structured=cfg.structured, grammar=cfg.grammar, top_p=cfg.top_p, batch_size=cfg.batch_size
        )
    from azr_safe.generation.vllm import VLLMGenerator  # imports vllm lazily, raising a clear error without it

    return VLLMGenerator(
        cfg.vllm.model_path or model.name_or_path,
        tokenizer,
        settings=cfg.vllm,
        structured=cfg.structured,
        grammar=cfg.grammar,
        top_p=cfg.top_p,
    )


__all__ = [
    "BackendUnavailableError",
    "Generation",
    "GenerationRequest",
    "Generator",
    "GeneratorConfig",
    "GrammarConfig",
    "HFGenerator",
    "ScriptExhaustedError",
    "ScriptedGenerator",
    "ScriptedResponse",
    "VLLMSettings",
    "build_ebnf",
    "build_generator",
    "format_adherence",
    "is_well_formed",
    "load_script",
]
