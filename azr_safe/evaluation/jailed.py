"""Open the jail for an evaluation. Unjailed execution happens only when explicitly requested."""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterator
from typing import Any


@contextmanager
def open_jail(*, unsafe_no_jail: bool = False) -> Iterator[Any]:
    """The project's `Jail`, started before any model is loaded (workers must not fork from torch)."""
    from azr_safe.jail import Jail, JailConfig

    config = JailConfig(unsafe_no_jail=True) if unsafe_no_jail else JailConfig()
    with Jail(config) as jail:
        yield jail
