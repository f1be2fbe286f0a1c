"""Checkpoints are atomic, pruned, and restore every RNG exactly."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from azr_safe.learner.checkpoint import TrainerState, list_checkpoints, load_latest, save_checkpoint
from azr_safe.learner.errors import CheckpointError


def _save(root, step, keep=2):
    model = {"w": torch.full((2, 2), float(step)), "tied": torch.ones(3)}
    model["tied_alias"] = model["tied"]  # shared storage, as tied embeddings are
    optim = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1).state_dict()
    return save_checkpoint(root, TrainerState(step=step, config_sha256="abc"), model, optim, keep=keep)


def test_only_the_newest_checkpoints_are_kept_and_the_latest_loads(tmp_path):
    for step in (1, 2, 3):
        _save(tmp_path, step)
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step-00000002", "step-00000003"]
    latest = load_latest(tmp_path)
    assert latest.state.step == 3 and torch.equal(latest.model_state["w"], torch.full((2, 2), 3.0))
    assert torch.equal(latest.model_state["tied_alias"], torch.ones(3))


def test_a_half_written_checkpoint_is_never_loaded_and_is_cleaned_up(tmp_path):
    _save(tmp_path, 1)
    torn = tmp_path / ".tmp-step-00000002-99999"  # what a kill -9 mid-save leaves behind
    torn.mkdir()
    (torn / "model.safetensors").write_bytes(b"partial")
    assert load_latest(tmp_path).state.step == 1
    _save(tmp_path, 2)
    assert not torn.exists()


def test_an_unreadable_checkpoint_is_a_clear_error(tmp_path):
    path = _save(tmp_path, 1)
    (path / "state.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="unreadable"):
        load_latest(tmp_path)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_latest(tmp_path / "elsewhere")


def test_rng_states_round_trip(tmp_path):
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    _save(tmp_path, 1)
    expected = (random.random(), float(np.random.rand()), float(torch.rand(1)))
    random.seed(2), np.random.seed(2), torch.manual_seed(2)  # move everything elsewhere
    from azr_safe.learner.checkpoint import restore_rng

    ckpt = load_latest(tmp_path)
    restore_rng(ckpt.state.python_rng, ckpt.state.numpy_rng, ckpt.rng_tensors)
    assert (random.random(), float(np.random.rand()), float(torch.rand(1))) == expected
