"""The self-play learner: config, the update loop, the screening hook, checkpoint and resume.

Names are re-exported lazily: `azr-safe run` reads its config and starts the jail before anything
here imports torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AZRConfig": "config",
    "load_config": "config",
    "config_from_mapping": "config",
    "read_mapping": "yamlfile",
    "ScreeningHook": "screening",
    "PolicyScreeningHook": "screening",
    "Screened": "screening",
    "review_batch": "screening",
    "TrainerState": "checkpoint",
    "CheckpointError": "errors",
    "save_checkpoint": "checkpoint",
    "load_latest": "checkpoint",
    "Trainer": "trainer",
    "Components": "trainer",
    "HaltNotAcknowledgedError": "errors",
    "build_components": "components",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'azr_safe.learner' has no attribute {name!r}")
    return getattr(importlib.import_module(f"azr_safe.learner.{_EXPORTS[name]}"), name)
