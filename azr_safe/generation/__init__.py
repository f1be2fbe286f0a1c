"""Generation backends behind one contract (`Generator`): transformers, vLLM (optional) and scripted."""

from azr_safe.generation.base import Generation, GenerationRequest, Generator
from azr_safe.generation.scripted import ScriptedGenerator, ScriptedResponse, ScriptExhaustedError, load_script

__all__ = [
    "Generation",
    "GenerationRequest",
    "Generator",
    "ScriptExhaustedError",
    "ScriptedGenerator",
    "ScriptedResponse",
    "load_script",
]
