"""Token attributions for the detail page: computed off the request path, cached in memory.

Attribution through integrated gradients costs seconds per trace on CPU, so a request only
starts a job; the page refreshes until the result is cached. Nothing is written to disk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Literal, NamedTuple

Tokens = list[tuple[int, int, float]]  # (start, end, score) character offsets into the reasoning
AttributionFn = Callable[[str], Tokens]


class AttributionState(NamedTuple):
    """Where one sample's attributions stand."""

    status: Literal["none", "pending", "done", "error", "unavailable"]
    tokens: Tokens = []
    message: str = ""


class AttributionCache:
    """One worker thread; results kept per sample id for the life of the server."""

    def __init__(self, fn: AttributionFn | None = None) -> None:
        self._fn = fn
        self._jobs: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _resolve(self) -> AttributionFn | None:
        if self._fn is None:
            self._fn = default_attribution_fn()
        return self._fn

    def state(self, sample_id: str) -> AttributionState:
        with self._lock:
            job = self._jobs.get(sample_id)
        if job is None:
            return AttributionState("none")
        if not job.done():
            return AttributionState("pending")
        err = job.exception()
        if err is not None:
            return AttributionState("error", message=f"{type(err).__name__}: {err}")
        return AttributionState("done", tokens=job.result())

    def start(self, sample_id: str, text: str) -> AttributionState:
        """Queue a job unless one exists; returns the state right after."""
        fn = self._resolve()
        if fn is None:
            return AttributionState("unavailable", message="no attribution function in azr_safe.monitors")
        with self._lock:
            if sample_id not in self._jobs:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attributions")
                self._jobs[sample_id] = self._pool.submit(_normalise, fn, text)
        return self.state(sample_id)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def _normalise(fn: AttributionFn, text: str) -> Tokens:
    return [(int(a), int(b), float(s)) for a, b, s in fn(text)]


TOP_WINDOWS = 1  # the most concerning sentence window; each window costs tens of seconds on a busy CPU


def default_attribution_fn() -> AttributionFn | None:
    """The monitors' captum attributions (`azr_safe.monitors.attributions.explain`), loaded lazily.

    The MiniLM classifier is built on the first call, in the worker thread, and reused.
    """
    try:
        from azr_safe.monitors.attributions import explain
    except ImportError:
        return None
    state: dict[str, object] = {}

    def attribute(text: str) -> Tokens:
        if "classifier" not in state:
            from azr_safe.monitors.classifier import ReasoningClassifier

            state["classifier"] = ReasoningClassifier(gate=False)
        explanations = explain(text, state["classifier"], top_windows=TOP_WINDOWS)
        return [(t.start, t.end, t.attribution) for e in explanations for t in e.tokens]

    return attribute
