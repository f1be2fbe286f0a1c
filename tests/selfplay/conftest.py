"""Fixtures for the self-play tests; the lookup-table jail lives in selfplay_fakes.py."""

from __future__ import annotations

import pytest

from selfplay_fakes import TableJail, ok  # noqa: F401  (re-exported for fixtures)


@pytest.fixture
def table_jail_factory():
    return TableJail


@pytest.fixture(scope="session")
def jail():
    """The real jail (every layer this machine allows), with a short timeout so timeout tests are quick."""
    from azr_safe.jail import Jail, JailConfig

    with Jail(JailConfig(timeout_s=1.0)) as started:
        yield started
