"""The one place that says which monitor names a policy may refer to.

The monitors registry (`azr_safe.monitors.registry`) is the truth. Importing it loads presidio and
torch-backed monitors (seconds), so the names of the built-in stack are listed here as a fast path,
and the registry is consulted only for a name not on the list (a user-registered monitor). A test
(tests/policy/test_monitor_names.py) keeps this list equal to the registry's.
"""

from __future__ import annotations

import importlib
from fnmatch import fnmatchcase
from functools import lru_cache

BUILTIN_MONITOR_NAMES: frozenset[str] = frozenset(
    {
        "reasoning_patterns",
        "reasoning_classifier",
        "judge",
        "code_ast",
        "sandbox_violation",
        "reward_signals",
        "pii",
    }
)


@lru_cache(maxsize=1)
def registry_monitor_names() -> frozenset[str] | None:
    """Names registered in the monitors package, or None when it cannot be imported."""
    try:
        registry = importlib.import_module("azr_safe.monitors.registry")
        return frozenset(registry.registered_monitors())
    except Exception:  # noqa: BLE001 - a broken optional import must not break policy loading
        return None


def known_monitor_names() -> frozenset[str]:
    """Every name a policy may use: the built-in stack plus anything registered."""
    return BUILTIN_MONITOR_NAMES | (registry_monitor_names() or frozenset())


def _matches_any(name: str, names: frozenset[str]) -> bool:
    return name in names or any(fnmatchcase(known, name) for known in names)


def check_monitor_name(name: str) -> str:
    """Return `name` if a policy may use it (a known name, or a glob matching one); else ValueError."""
    if _matches_any(name, BUILTIN_MONITOR_NAMES) or _matches_any(name, known_monitor_names()):
        return name
    known = ", ".join(sorted(known_monitor_names()))
    raise ValueError(f"unknown monitor {name!r}; known monitors: {known} (globs allowed)")
