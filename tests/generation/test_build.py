import sys

import pytest
from pydantic import BaseModel

from azr_safe.errors import ConfigError, UserFacingError
from azr_safe.generation import (
    BackendUnavailableError,
    GenerationRequest,
    GeneratorConfig,
    HFGenerator,
    ScriptedGenerator,
    build_generator,
)


def test_the_default_backend_is_transformers_generate(tiny_model, tiny_tokenizer):
    gen = build_generator(None, tiny_model, tiny_tokenizer)
    assert isinstance(gen, HFGenerator) and gen.structured


def test_a_scripted_config_replays_its_file_with_token_ids(tmp_path, tiny_tokenizer):
    script = tmp_path / "s.yaml"
    script.write_text("- '<think>t</think>\\n<output>1</output>'\n")
    gen = build_generator({"backend": "scripted", "scripted_file": str(script)}, tokenizer=tiny_tokenizer)
    assert isinstance(gen, ScriptedGenerator)
    (g,) = gen.generate([GenerationRequest(prompt="p")])[0]
    assert g.text.endswith("<output>1</output>") and g.completion_ids


def test_a_scripted_config_without_a_file_is_a_config_error():
    with pytest.raises(ConfigError, match="scripted_file"):
        build_generator({"backend": "scripted"})


def test_the_hf_backend_without_a_model_is_a_config_error():
    with pytest.raises(ConfigError, match="model and tokenizer"):
        build_generator({"backend": "hf"})


def test_the_learners_generation_section_is_accepted_as_is(tiny_model, tiny_tokenizer):
    class LearnerSection(BaseModel):  # the fields the learner's run config declares
        backend: str = "hf"
        scripted_file: None = None
        structured: bool = False
        max_new_tokens: int = 64
        temperature: float = 0.5
        vllm: dict = {"gpu_memory_utilization": 0.5}

    gen = build_generator(LearnerSection(), tiny_model, tiny_tokenizer)
    assert isinstance(gen, HFGenerator) and not gen.structured


def test_unknown_generation_options_are_rejected():
    with pytest.raises(ValueError, match="beam"):
        GeneratorConfig.model_validate({"beam_width": 4})


def test_the_vllm_backend_without_vllm_installed_gives_a_one_line_install_hint(monkeypatch, tiny_model, tiny_tokenizer):
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError, as on a CPU machine
    with pytest.raises(BackendUnavailableError) as info:
        build_generator({"backend": "vllm"}, tiny_model, tiny_tokenizer)
    assert isinstance(info.value, UserFacingError)
    assert "azr-safe[gpu]" in str(info.value) and "\n" not in str(info.value)


def test_importing_the_generation_package_does_not_import_vllm():
    import subprocess

    code = "import sys, azr_safe.generation; print('vllm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
