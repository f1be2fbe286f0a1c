"""The vLLM adapter's side of the contract, against a stand-in `vllm` module (no GPU here).

This checks what our code hands to vLLM and how it reads vLLM's answers: engine options, one grammar
per request, token ids and logprobs into `Generation`, and the weight push. It does not show that vLLM
itself behaves as its 0.33 source says; that needs a GPU run (docs/learner.md)."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field

import pytest

from azr_safe.generation import GenerationRequest
from azr_safe.generation.config import VLLMSettings
from azr_safe.generation.grammar import GrammarConfig, build_ebnf


@dataclass
class _Logprob:
    logprob: float


@dataclass
class _Completion:
    text: str
    token_ids: list[int]
    logprobs: list[dict[int, _Logprob]] | None
    finish_reason: str


@dataclass
class _Output:
    outputs: list[_Completion]


@dataclass
class _Model:
    loaded: list = field(default_factory=list)

    def load_weights(self, weights):
        self.loaded.append([name for name, _ in weights])


class _FakeLLM:
    last: _FakeLLM | None = None

    def __init__(self, **kwargs):
        self.kwargs, self.calls, self.prefix_resets = kwargs, [], 0
        runner = types.SimpleNamespace(model=_Model())
        self.llm_engine = types.SimpleNamespace(
            model_executor=types.SimpleNamespace(driver_worker=types.SimpleNamespace(model_runner=runner)))
        _FakeLLM.last = self

    def generate(self, prompts, sampling_params, use_tqdm):
        self.calls.append((prompts, sampling_params))
        return [_Output([_Completion("<think>x</think>\n<output>1</output>", [5, 6, 7],
                                     [{5: _Logprob(-0.5)}, {6: _Logprob(-1.0)}, None], "stop")
                         for _ in range(p.n)]) for p in sampling_params]

    def reset_prefix_cache(self):
        self.prefix_resets += 1


@pytest.fixture()
def fake_vllm(monkeypatch):
    vllm = types.ModuleType("vllm")
    vllm.LLM = _FakeLLM
    vllm.SamplingParams = lambda **kw: types.SimpleNamespace(**kw)
    sampling = types.ModuleType("vllm.sampling_params")
    sampling.StructuredOutputsParams = lambda grammar: types.SimpleNamespace(grammar=grammar)
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", sampling)
    return vllm


@pytest.fixture()
def hf_folder(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    return tmp_path


def test_the_engine_gets_our_settings_and_processed_logprobs(fake_vllm, hf_folder, tiny_tokenizer):
    from azr_safe.generation.vllm import VLLMGenerator

    VLLMGenerator(hf_folder, tiny_tokenizer, settings=VLLMSettings(gpu_memory_utilization=0.4, seed=3))
    kwargs = _FakeLLM.last.kwargs
    assert kwargs["model"] == str(hf_folder) and kwargs["logprobs_mode"] == "processed_logprobs"
    assert kwargs["gpu_memory_utilization"] == 0.4 and kwargs["seed"] == 3


def test_each_request_carries_its_own_grammar_and_outputs_map_to_generations(fake_vllm, hf_folder, tiny_tokenizer):
    from azr_safe.generation.vllm import VLLMGenerator

    config = GrammarConfig(think_max_tokens=50)
    gen = VLLMGenerator(hf_folder, tiny_tokenizer, grammar=config)
    requests = [GenerationRequest(prompt="Q", n=2, fmt=("deduction", "solve"), temperature=0.7, max_new_tokens=40),
                GenerationRequest(prompt="P <think>", n=1, fmt=("induction", "propose"), temperature=0.0),
                GenerationRequest(prompt="free text", n=1)]
    out = gen.generate(requests)
    _, params = _FakeLLM.last.calls[0]
    assert params[0].structured_outputs.grammar == build_ebnf(("deduction", "solve"), config)
    assert params[1].structured_outputs.grammar == build_ebnf(("induction", "propose"), config, think_opened=True)
    assert params[2].structured_outputs is None
    assert (params[0].n, params[0].temperature, params[0].max_tokens) == (2, 0.7, 40)
    assert params[1].top_k == -1 and params[1].top_p == 1.0  # greedy
    assert [len(group) for group in out] == [2, 1, 1]
    g = out[0][0]
    assert g.completion_ids == [5, 6, 7] and g.logprobs == [-0.5, -1.0, 0.0] and g.finish_reason == "stop"
    assert g.prompt_ids and out[1][0].prompt_ids != g.prompt_ids


def test_sync_weights_pushes_every_parameter_and_drops_the_prefix_cache(fake_vllm, hf_folder, tiny_tokenizer,
                                                                        tiny_model):
    from azr_safe.generation.vllm import VLLMGenerator

    gen = VLLMGenerator(hf_folder, tiny_tokenizer)
    gen.sync_weights(tiny_model)
    engine = _FakeLLM.last
    (names,) = engine.llm_engine.model_executor.driver_worker.model_runner.model.loaded
    assert names == [name for name, _ in tiny_model.named_parameters()]
    assert engine.prefix_resets == 1


def test_a_gguf_or_missing_folder_is_refused_before_the_engine_starts(fake_vllm, tmp_path, tiny_tokenizer):
    from azr_safe.generation.config import BackendUnavailableError
    from azr_safe.generation.vllm import VLLMGenerator

    _FakeLLM.last = None
    with pytest.raises(BackendUnavailableError, match="config.json"):
        VLLMGenerator(tmp_path / "model.gguf", tiny_tokenizer)
    assert _FakeLLM.last is None
