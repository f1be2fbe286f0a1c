import pytest


@pytest.fixture(scope="session")
def jail():
    """The real jail (all layers this machine allows), shared by the evaluation tests."""
    from azr_safe.jail import Jail, JailConfig

    with Jail(JailConfig()) as started:
        yield started
