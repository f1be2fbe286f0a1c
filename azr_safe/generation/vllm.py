"""`VLLMGenerator`: the same contract on vLLM 0.33 (`[gpu]` extra). UNTESTED ON vLLM: written against
the vLLM 0.33 source (shared/notes/training.md §4) and never run on it, because no GPU machine has
been available. What it hands to vLLM and how it reads the answers is tested against a stand-in
module (tests/generation/test_vllm_adapter.py).

- The structured format is the same EBNF text the transformers backend compiles, handed to vLLM's
  xgrammar backend through `StructuredOutputsParams(grammar=...)`. There is no budget forcing here.
- Logprobs: the engine runs with `logprobs_mode="processed_logprobs"`, so each sampled token's logprob
  comes from the distribution it was sampled from (after the grammar mask, temperature and top-p):
  the same definition as `HFGenerator`.
- Weight sync: in-process, push every named parameter through the model's own `load_weights` (vLLM
  maps HF names and fuses qkv / gate_up itself), then drop the prefix cache. When the driver worker is
  not reachable (another executor), the same function runs on every worker through `apply_model`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from azr_safe.generation.base import Generation, GenerationRequest
from azr_safe.generation.config import BackendUnavailableError, VLLMSettings
from azr_safe.generation.grammar import GrammarConfig, build_ebnf
from azr_safe.generation.tokens import encode_prompt
from azr_safe.selfplay.formats import THINK_TAG

_INSTALL_HINT = "install the GPU extra on a CUDA machine: pip install 'azr-safe[gpu]'"


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as err:
        raise BackendUnavailableError(f"the vllm backend needs the vllm package ({err})", hint=_INSTALL_HINT) from None
    return vllm


class VLLMGenerator:
    """Samples with an in-process `vllm.LLM` loaded from a safetensors HF folder."""

    def __init__(
        self,
        model_path: str | Path,
        tokenizer: Any,
        *,
        settings: VLLMSettings | None = None,
        structured: bool = True,
        grammar: GrammarConfig | None = None,
        top_p: float = 1.0,
    ) -> None:
        vllm = _import_vllm()
        self.settings = settings or VLLMSettings()
        path = Path(self.settings.model_path or model_path)
        if not (path / "config.json").is_file():
            raise BackendUnavailableError(
                f"vLLM needs a Hugging Face folder with config.json, not {path}",
                hint="use the converted folder from azr_safe.models.prepared_folder (GGUF is not supported)",
            )
        # Keep the engine in this process so the driver worker (and its model) is reachable for sync.
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        self.tokenizer = tokenizer
        self.structured = structured
        self.grammar = grammar or GrammarConfig()
        self.top_p = top_p
        self._vllm = vllm
        kwargs: dict[str, Any] = {
            "model": str(path),
            "tokenizer": str(path),
            "dtype": self.settings.dtype,
            "gpu_memory_utilization": self.settings.gpu_memory_utilization,
            "tensor_parallel_size": self.settings.tensor_parallel_size,
            "max_model_len": self.settings.max_model_len,
            "enable_sleep_mode": self.settings.enable_sleep_mode,
            "enforce_eager": self.settings.enforce_eager,
            "seed": self.settings.seed,
            "logprobs_mode": "processed_logprobs",
        }
        if self.settings.distributed_executor_backend is not None:
            kwargs["distributed_executor_backend"] = self.settings.distributed_executor_backend
        self.llm = vllm.LLM(**kwargs)

    # -- generation -------------------------------------------------------------------------------

    def _sampling_params(self, req: GenerationRequest) -> Any:
        from vllm.sampling_params import StructuredOutputsParams

        structured = None
        if self.structured and req.fmt is not None:
            opened = req.prompt.rstrip().endswith(f"<{THINK_TAG}>")
            structured = StructuredOutputsParams(grammar=build_ebnf(tuple(req.fmt), self.grammar, think_opened=opened))
        return self._vllm.SamplingParams(
            n=req.n,
            temperature=req.temperature,
            top_p=self.top_p if req.temperature > 0 else 1.0,
            top_k=0 if req.temperature > 0 else -1,  # 0 and -1 both mean "off" across 0.2x-0.3x
            max_tokens=req.max_new_tokens,
            logprobs=0,  # the sampled token's logprob only
            structured_outputs=structured,
            skip_special_tokens=False,
        )

    def generate(self, requests: list[GenerationRequest]) -> list[list[Generation]]:
        """Return, for each request, its `n` completions in order."""
        if self.settings.enable_sleep_mode:
            self.llm.wake_up(tags=["kv_cache"])
        prompt_ids = [encode_prompt(self.tokenizer, r.prompt) for r in requests]
        outputs = self.llm.generate(
            [{"prompt_token_ids": ids} for ids in prompt_ids],
            sampling_params=[self._sampling_params(r) for r in requests],
            use_tqdm=False,
        )
        if self.settings.enable_sleep_mode:
            self.llm.sleep(level=1)
        return [
            [self._to_generation(ids, completion) for completion in output.outputs]
            for ids, output in zip(prompt_ids, outputs)
        ]

    @staticmethod
    def _to_generation(prompt_ids: list[int], completion: Any) -> Generation:
        token_ids = list(completion.token_ids)
        logprobs = [
            float(position[token].logprob) if position and token in position else 0.0
            for token, position in zip(token_ids, completion.logprobs or [None] * len(token_ids))
        ]
        return Generation(
            text=completion.text,
            prompt_ids=prompt_ids,
            completion_ids=token_ids,
            logprobs=logprobs,
            finish_reason="length" if completion.finish_reason == "length" else "stop",
        )

    # -- weight sync -------------------------------------------------------------------------------

    def sync_weights(self, model: Any) -> None:
        """Copy the learner's current weights into the engine (PEFT adapters must be merged first)."""
        if self.settings.enable_sleep_mode:
            self.llm.wake_up(tags=["weights"])
        weights = [(name, param.detach()) for name, param in model.named_parameters()]
        runner_model = self._driver_model()
        if runner_model is not None:
            runner_model.load_weights(weights)
        else:
            self.llm.apply_model(lambda m: m.load_weights(weights))
        self.llm.reset_prefix_cache()

    def _driver_model(self) -> Any:
        """`llm.llm_engine.model_executor.driver_worker.model_runner.model`, when in-process."""
        node: Any = self.llm
        for attr in ("llm_engine", "model_executor", "driver_worker"):
            node = getattr(node, attr, None)
            if node is None:
                return None
        node = getattr(node, "worker", node)  # some executors wrap the worker once more
        runner = getattr(node, "model_runner", None)
        return getattr(runner, "model", None)
