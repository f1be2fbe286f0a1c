"""Where a step's time goes: thin proxies that time every generator and jail call the rollout makes."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class PhaseClock:
    """Accumulates seconds per phase (generation, execution, screening, learning, ...)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start

    def reset(self) -> dict[str, float]:
        out = {k: round(v, 4) for k, v in self.seconds.items()}
        self.seconds.clear()
        return out


class TimedGenerator:
    """A `Generator` whose `generate` time counts as 'generation'."""

    def __init__(self, inner: Any, clock: PhaseClock) -> None:
        self.inner = inner
        self.clock = clock

    def generate(self, requests: list[Any]) -> list[list[Any]]:
        with self.clock.phase("generation"):
            return self.inner.generate(requests)

    def sync_weights(self, model: Any) -> None:
        with self.clock.phase("generation"):
            self.inner.sync_weights(model)


class TimedJail:
    """Forwards every attribute to the jail; calls of its methods count as 'execution'."""

    def __init__(self, inner: Any, clock: PhaseClock) -> None:
        self._inner = inner
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self._clock.phase("execution"):
                return attr(*args, **kwargs)

        return timed
