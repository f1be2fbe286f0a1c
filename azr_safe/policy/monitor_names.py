"""The one place that says which monitor names a policy may refer to.

When the monitors package exposes its registry, its names are the truth. Until then (or when the
registry cannot be imported, e.g. a trimmed install) we fall back to the names the monitor issue
specifies, so a policy typo such as `reasoning_patern` is still caught at load time.
"""

from __future__ import annotations

import importlib
from fnmatch import fnmatchcase
from functools import lru_cache

# The monitor stack of the monitor issue: reasoning tiers, code and behaviour, PII.
FALLBACK_MONITOR_NAMES: frozenset[str] = frozenset(
    {
        "reasoning_patterns",
        "reasoning_classifier",
        "reasoning_judge",
        "code_ast",
        "sandbox",
        "reward_hacking",
        "pii",
    }
)


@lru_cache(maxsize=1)
def known_monitor_names() -> frozenset[str]:
    """Names registered by `azr_safe.monitors`, else the fallback list."""
    registry = _registry_names()
    return frozenset(registry) if registry else FALLBACK_MONITOR_NAMES


def _registry_names() -> list[str] | None:
    try:
        monitors = importlib.import_module("azr_safe.monitors")
    except Exception:  # noqa: BLE001 - a broken optional import must not break policy loading
        return None
    for attr in ("registered_monitor_names", "monitor_names"):
        fn = getattr(monitors, attr, None)
        if callable(fn):
            try:
                return sorted(str(name) for name in fn())
            except Exception:  # noqa: BLE001
                return None
    registry = getattr(monitors, "MONITOR_REGISTRY", None) or getattr(monitors, "REGISTRY", None)
    if isinstance(registry, dict) and registry:
        return sorted(str(name) for name in registry)
    return None


def check_monitor_name(name: str) -> str:
    """Return `name` if a policy may use it (a known name, or a glob matching one); else ValueError."""
    known = known_monitor_names()
    if name in known or any(fnmatchcase(k, name) for k in known):
        return name
    raise ValueError(f"unknown monitor {name!r}; known monitors: {', '.join(sorted(known))} (globs allowed)")
