"""`ScriptedGenerator`: replays canned responses through the `Generator` contract.

Tests and the policy's safety drills use it to put exact texts (a hidden exfiltration attempt, a
sandbox probe, a clean answer) in front of the monitors, the policy and the learner.

Logprobs: a replay is deterministic, so its own behaviour logprob is 0 for every token. When a model
was handed over with `sync_weights(model)` (as the learner does every step), the logprobs are instead
recomputed under that model, so the learner's importance ratio starts at exactly 1 and it can train on
scripted samples as if the model had written them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from azr_safe.errors import ConfigError
from azr_safe.generation.base import Generation, GenerationRequest
from azr_safe.generation.tokens import completion_logprobs, encode_completion, encode_prompt, pad_token_id
from azr_safe.selfplay.sample import Role, TaskType

OnExhausted = Literal["cycle", "raise"]
_Key = tuple[TaskType, Role] | None


def _key_name(key: _Key) -> str:
    return "*" if key is None else f"{key[0]}/{key[1]}"


class ScriptExhaustedError(ConfigError):
    """The script ran out of responses and was told not to cycle."""


class ScriptedResponse(BaseModel):
    """One canned response; with `task_type` and `role` it answers only requests in that format."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The full response, e.g. '<think>...</think>\\n<output>3</output>'.")
    task_type: TaskType | None = Field(default=None, description="Answer only requests of this task type.")
    role: Role | None = Field(default=None, description="Answer only requests of this role.")
    finish_reason: Literal["stop", "length"] = Field(
        default="stop", description="'length' replays a response cut off by max_new_tokens (no EOS)."
    )

    def key(self) -> _Key:
        if (self.task_type is None) != (self.role is None):
            raise ValueError("give both task_type and role, or neither")
        return None if self.task_type is None else (self.task_type, self.role)  # type: ignore[return-value]


ResponseLike = str | ScriptedResponse | dict[str, Any]


def load_script(path: str | Path) -> list[ScriptedResponse]:
    """Read responses from a YAML file (a list, or a mapping with `responses:`) or a JSONL file.

    Each entry is a string or a mapping with `text` and optionally `task_type`, `role`, `finish_reason`.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"script file not found: {path}")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        entries: list[tuple[str, Any]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    entries.append((f"{path}:{number}", json.loads(line)))
                except json.JSONDecodeError as err:
                    raise ConfigError(f"{path}:{number}: not valid JSON ({err.msg})") from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ConfigError(f"{path}: not valid YAML ({err})") from None
        if isinstance(data, dict) and set(data) == {"responses"}:
            data = data["responses"]
        if not isinstance(data, list):
            raise ConfigError(f"{path}: expected a list of responses (or a mapping with 'responses:')")
        entries = [(f"{path}: response {i}", item) for i, item in enumerate(data)]
    if not entries:
        raise ConfigError(f"{path}: the script has no responses")
    return [_to_response(item, where) for where, item in entries]


def _to_response(item: ResponseLike, where: str) -> ScriptedResponse:
    try:
        response = item if isinstance(item, ScriptedResponse) else (
            ScriptedResponse(text=item) if isinstance(item, str) else ScriptedResponse.model_validate(item)
        )
        response.key()
    except (ValidationError, ValueError, TypeError) as err:
        first = err.errors()[0]["msg"] if isinstance(err, ValidationError) else str(err)
        raise ConfigError(f"{where}: invalid scripted response ({first})") from None
    return response


class ScriptedGenerator:
    """Replays responses in order. A request with `fmt=(task, role)` takes the next response scripted
    for that (task, role) if there is any, else the next unkeyed one. `on_exhausted` decides whether a
    used-up queue starts over ("cycle") or raises `ScriptExhaustedError` ("raise")."""

    def __init__(
        self,
        responses: Sequence[ResponseLike] | str | Path,
        *,
        tokenizer: Any = None,
        on_exhausted: OnExhausted = "cycle",
        model: Any = None,
    ) -> None:
        items = load_script(responses) if isinstance(responses, (str, Path)) else [
            _to_response(r, f"response {i}") for i, r in enumerate(responses)
        ]
        if not items:
            raise ConfigError("ScriptedGenerator needs at least one response")
        if on_exhausted not in ("cycle", "raise"):
            raise ConfigError(f"on_exhausted must be 'cycle' or 'raise', not {on_exhausted!r}")
        self._queues: dict[_Key, list[ScriptedResponse]] = {}
        for item in items:
            self._queues.setdefault(item.key(), []).append(item)
        self._next: dict[_Key, int] = {key: 0 for key in self._queues}
        self.tokenizer = tokenizer
        self.on_exhausted: OnExhausted = on_exhausted
        self.model = model
        self.calls: list[GenerationRequest] = []  # every request seen, for tests and drill reports

    def sync_weights(self, model: Any) -> None:
        """Score future replays under `model`, so their logprobs match the learner's policy."""
        self.model = model

    def state_dict(self) -> dict[str, Any]:
        """The replay position of every queue (JSON data), saved with each learner checkpoint so a
        resumed run replays the next responses instead of starting the script over."""
        return {"next": {_key_name(key): index for key, index in self._next.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore positions saved by `state_dict`; refuses a state from a differently shaped script."""
        saved = state.get("next")
        names = {_key_name(key): key for key in self._queues}
        if not isinstance(saved, dict) or set(saved) != set(names):
            raise ConfigError(
                f"the checkpoint's scripted replay state has queues {sorted(saved or {})}, "
                f"but this script has {sorted(names)}: was the script file changed?"
            )
        for name, index in saved.items():
            queue = self._queues[names[name]]
            if not isinstance(index, int) or not 0 <= index <= len(queue):
                raise ConfigError(f"scripted replay position {index!r} is out of range for queue {name!r}")
            self._next[names[name]] = index

    def remaining(self, key: _Key = None) -> int:
        """How many responses are left in a queue before it cycles or raises."""
        return len(self._queues.get(key, [])) - self._next.get(key, 0)

    def generate(self, requests: list[GenerationRequest]) -> list[list[Generation]]:
        """Return, for each request, its next `n` scripted responses."""
        picked = [[self._take(req.fmt) for _ in range(req.n)] for req in requests]
        self.calls.extend(requests)
        if self.tokenizer is None:
            return [[Generation(text=r.text, finish_reason=r.finish_reason) for r in group] for group in picked]
        return self._with_tokens(requests, picked)

    def _take(self, fmt: _Key) -> ScriptedResponse:
        key = fmt if fmt in self._queues else None
        if key not in self._queues:
            raise ScriptExhaustedError(f"no scripted response for {fmt} and no unkeyed responses to fall back on")
        queue, index = self._queues[key], self._next[key]
        if index >= len(queue):
            if self.on_exhausted == "raise":
                label = "unkeyed" if key is None else f"{key[0]}/{key[1]}"
                raise ScriptExhaustedError(f"the script's {len(queue)} {label} responses are used up")
            index = 0
        self._next[key] = index + 1
        return queue[index]

    def _with_tokens(
        self, requests: list[GenerationRequest], picked: list[list[ScriptedResponse]]
    ) -> list[list[Generation]]:
        flat = [(req, resp) for req, group in zip(requests, picked) for resp in group]
        prompt_ids = [encode_prompt(self.tokenizer, req.prompt) for req, _ in flat]
        completion_ids = [
            encode_completion(self.tokenizer, resp.text, add_eos=resp.finish_reason == "stop") for _, resp in flat
        ]
        logprobs = self._logprobs(prompt_ids, completion_ids, [req.temperature for req, _ in flat])
        generations = iter(
            Generation(text=resp.text, prompt_ids=p, completion_ids=c, logprobs=lp, finish_reason=resp.finish_reason)
            for (_, resp), p, c, lp in zip(flat, prompt_ids, completion_ids, logprobs)
        )
        return [[next(generations) for _ in group] for group in picked]

    def _logprobs(
        self, prompt_ids: list[list[int]], completion_ids: list[list[int]], temperatures: Iterable[float]
    ) -> list[list[float]]:
        if self.model is None:
            return [[0.0] * len(c) for c in completion_ids]
        pad = pad_token_id(self.tokenizer)
        temperatures = list(temperatures)
        out: list[list[float]] = [[] for _ in completion_ids]
        for temperature in set(temperatures):  # one batched pass per temperature
            idx = [i for i, t in enumerate(temperatures) if t == temperature]
            scored = completion_logprobs(
                self.model, [prompt_ids[i] for i in idx], [completion_ids[i] for i in idx],
                temperature=temperature, pad_id=pad,
            )
            for i, lp in zip(idx, scored):
                out[i] = lp
        return out
