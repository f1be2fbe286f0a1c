"""The self-play learner: config, the update loop, the screening hook, checkpoint and resume.

Names are re-exported lazily: `azr-safe run` reads its config and starts the jail before anything
here imports torch.
"""

from __future__ import annotations

from azr_safe.lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, {name: f"{__name__}.{module}" for name, module in _EXPORTS.items()})
