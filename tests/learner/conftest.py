from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def jail():
    """One real jail for the learner tests (starting one takes seconds)."""
    from azr_safe.jail import Jail, load_profile

    with Jail(load_profile(REPO / "sandbox" / "default.yaml")) as j:
        yield j
