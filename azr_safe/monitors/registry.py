"""Monitors registered by name; the policy refers to monitors and their categories by these names."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from azr_safe.errors import ConfigError
from azr_safe.monitors.verdict import Monitor, Verdict
from azr_safe.selfplay.sample import Sample

_FACTORIES: dict[str, Callable[[], Monitor]] = {}

# The default CPU stack: every monitor except the LLM judge (too slow on CPU).
DEFAULT_MONITORS: tuple[str, ...] = (
    "reasoning_patterns",
    "reasoning_classifier",
    "code_ast",
    "sandbox_violation",
    "reward_signals",
    "pii",
)


def register(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register a zero-argument factory under `name` (decorator)."""

    def deco(factory: Callable[[], Any]) -> Callable[[], Any]:
        _FACTORIES[name] = factory
        return factory

    return deco


def registered_monitors() -> list[str]:
    _load_builtin()
    return sorted(_FACTORIES)


def _load_builtin() -> None:
    # Importing the modules runs their @register decorators.
    from azr_safe.monitors import (  # noqa: F401
        behaviour,
        classifier,
        code_ast,
        judge,
        patterns,
        pii,
    )


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _native_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="azr-monitor")
        return _pool


class MonitorSuite:
    """Several monitors run over the same samples; verdicts come back in `names` order.

    Monitors that spend their time in native code with the GIL released (`releases_gil = True`: torch
    encoders) run on a worker thread while the pure-Python ones (regexes, presidio, AST) run here: done one
    after another, a core idles during the Python monitors (measured in benchmarks/bench_monitors.py)."""

    def __init__(self, monitors: list[Monitor], concurrent: bool = True) -> None:
        self.monitors = monitors
        self.names = [m.name for m in monitors]
        self.concurrent = concurrent

    def check_batch(self, samples: list[Sample]) -> list[list[Verdict]]:
        native = [self.concurrent and getattr(m, "releases_gil", False) for m in self.monitors]
        futures: dict[int, Future] = {i: _native_pool().submit(m.check_batch, samples)
                                      for i, m in enumerate(self.monitors) if native[i]}
        inline = {i: m.check_batch(samples) for i, m in enumerate(self.monitors) if not native[i]}
        per_monitor = [futures[i].result() if native[i] else inline[i] for i in range(len(self.monitors))]
        return [list(vs) for vs in zip(*per_monitor, strict=True)] if per_monitor else [[] for _ in samples]

    def check(self, sample: Sample) -> list[Verdict]:
        return self.check_batch([sample])[0]


def build_monitor_suite(names: list[str] | None = None) -> MonitorSuite:
    """Build monitors by name; `None` gives the default CPU stack (DEFAULT_MONITORS)."""
    _load_builtin()
    wanted = list(DEFAULT_MONITORS if names is None else names)
    unknown = [n for n in wanted if n not in _FACTORIES]
    if unknown:
        raise ConfigError(
            f"unknown monitor(s) {', '.join(unknown)}",
            hint=f"registered monitors: {', '.join(sorted(_FACTORIES))}",
        )
    return MonitorSuite([_FACTORIES[n]() for n in wanted])
