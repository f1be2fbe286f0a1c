from __future__ import annotations

import os
from pathlib import Path

import pytest

# Idle OpenMP threads must sleep, not spin: on a shared 2-core machine spinning made the tiny model's
# update ~70x slower. Effective only if torch is not loaded yet (put it in the suite's env to be sure).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def jail():
    """One real jail for the learner tests (starting one takes seconds)."""
    from azr_safe.jail import Jail, load_profile

    with Jail(load_profile(REPO / "sandbox" / "default.yaml")) as j:
        yield j
