"""Atomic checkpoints: model, optimizer, buffers, RNG states, step, audit-log position, config hash.

Layout of `<out>/checkpoints/step-00000N/` (N = the next step to run):
    model.safetensors      the model's state dict (shared tensors handled by safetensors)
    optimizer.pt           the optimizer's state dict (tensors and numbers only; loaded weights_only)
    rng.safetensors        torch CPU (and CUDA) generator states
    state.json             step, attempt, audit position, config hash, buffers, python/numpy RNG,
                           generator state, halt info and the metrics history

A checkpoint is written to a temporary folder, every file and the folder are fsync'd, and the folder
is renamed into place, so a `step-*` folder is always complete: a kill -9 at any moment leaves either
the previous checkpoint or the new one. The newest `keep` checkpoints are kept.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from safetensors.torch import load_file, save_file

from azr_safe.durable import fsync_dir, fsync_file
from azr_safe.learner.errors import CheckpointError

STATE_FILE = "state.json"
PREFIX = "step-"


class HaltInfo(BaseModel):
    """Why a run halted: the rule(s) and the sample that triggered it."""

    model_config = ConfigDict(extra="forbid")

    step: int
    sample_id: str
    rule_ids: list[str] = Field(default_factory=list)
    message: str = ""
    audit_seq: int | None = Field(default=None, description="seq of the halt record in the audit log.")


class TrainerState(BaseModel):
    """Everything in a checkpoint besides tensors."""

    model_config = ConfigDict(extra="forbid")

    step: int = Field(description="The next step to run.")
    attempt: int = Field(default=0, description="How many times this run was resumed.")
    config_sha256: str
    audit_position: dict[str, Any] | None = Field(default=None, description="AuditLog position at save time.")
    buffers: dict[str, Any] = Field(default_factory=dict, description="Buffers.state_dict().")
    python_rng: Any = Field(default=None, description="random.getstate() as JSON.")
    numpy_rng: Any = Field(default=None, description="np.random.get_state() as JSON.")
    rollout_rng: Any = Field(default=None, description="State of the trainer's random.Random for the buffers.")
    generator_state: dict[str, Any] | None = Field(default=None, description="Replay position of a scripted backend.")
    halted: HaltInfo | None = None
    metrics: list[dict[str, Any]] = Field(default_factory=list, description="One record per finished step.")


def capture_rng() -> tuple[Any, Any, dict[str, torch.Tensor]]:
    """Python and numpy states as JSON-able data, torch states as tensors."""
    version, internal, gauss = random.getstate()
    py = [version, list(internal), gauss]
    name, keys, pos, has_gauss, cached = np.random.get_state()
    npy = [name, keys.tolist(), int(pos), int(has_gauss), float(cached)]
    tensors = {"torch_cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"torch_cuda{i}"] = s
    return py, npy, tensors


def restore_rng(py: Any, npy: Any, tensors: dict[str, torch.Tensor]) -> None:
    random.setstate((py[0], tuple(py[1]), py[2]))
    np.random.set_state((npy[0], np.array(npy[1], dtype=np.uint32), npy[2], npy[3], npy[4]))
    torch.set_rng_state(tensors["torch_cpu"])
    cuda = [tensors[k] for k in sorted(tensors) if k.startswith("torch_cuda")]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)


def save_checkpoint(root: Path, state: TrainerState, model_state: dict[str, torch.Tensor],
                    optimizer_state: dict[str, Any], keep: int) -> Path:
    """Write one checkpoint atomically and prune old ones; returns its folder."""
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"{PREFIX}{state.step:08d}"
    tmp = root / f".tmp-{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    py, npy, rng_tensors = capture_rng()
    state = state.model_copy(update={"python_rng": py, "numpy_rng": npy})
    # contiguous CPU copies: safetensors refuses views, and FSDP/GPU tensors must come home first
    save_file({k: v.detach().cpu().contiguous() for k, v in _unshare(model_state).items()},
              str(tmp / "model.safetensors"))
    torch.save(optimizer_state, tmp / "optimizer.pt")
    save_file(rng_tensors, str(tmp / "rng.safetensors"))
    (tmp / STATE_FILE).write_text(state.model_dump_json())
    for f in tmp.iterdir():
        fsync_file(f)
    fsync_dir(tmp)
    if final.exists():  # only possible when a step is re-saved; the old copy goes first
        shutil.rmtree(final)
    os.rename(tmp, final)
    fsync_dir(root)
    _prune(root, keep)
    return final


def _unshare(model_state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Tied weights (embeddings == lm_head) share storage; store each name as its own tensor."""
    seen: set[int] = set()
    out = {}
    for name, t in model_state.items():
        ptr = t.data_ptr()
        out[name] = t.clone() if ptr in seen and t.numel() else t
        seen.add(ptr)
    return out


def _prune(root: Path, keep: int) -> None:
    for old in list_checkpoints(root)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    for leftover in root.glob(".tmp-*"):
        if leftover.name.endswith(f"-{os.getpid()}"):
            continue
        shutil.rmtree(leftover, ignore_errors=True)


def list_checkpoints(root: Path) -> list[Path]:
    """Complete checkpoints, oldest first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.name.startswith(PREFIX) and (p / STATE_FILE).is_file()]
    return sorted(found, key=lambda p: int(p.name[len(PREFIX):]))


class LoadedCheckpoint(BaseModel):
    """A checkpoint read back from disk."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    path: Path
    state: TrainerState
    model_state: dict[str, Any]
    optimizer_state: dict[str, Any]
    rng_tensors: dict[str, Any]


def load_latest(root: Path) -> LoadedCheckpoint:
    """The newest complete checkpoint under `root`, or a CheckpointError naming the folder."""
    found = list_checkpoints(root)
    if not found:
        raise CheckpointError(f"no checkpoint under {str(root)!r} to resume from",
                              hint="run without --resume to start a new run")
    path = found[-1]
    try:
        state = TrainerState.model_validate_json((path / STATE_FILE).read_text())
        model_state = load_file(str(path / "model.safetensors"))
        optimizer_state = torch.load(path / "optimizer.pt", weights_only=True)
        rng_tensors = load_file(str(path / "rng.safetensors"))
    except (OSError, ValueError, RuntimeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"checkpoint {str(path)!r} is unreadable: {err}") from None
    return LoadedCheckpoint(path=path, state=state, model_state=model_state,
                            optimizer_state=optimizer_state, rng_tensors=rng_tensors)
