"""Session-wide tiny random model and tokenizer (built offline, in about a second)."""

from __future__ import annotations

import pytest

from azr_safe.models.tiny import build_tiny_model, build_tiny_tokenizer


@pytest.fixture(scope="session")
def tiny_tokenizer():
    return build_tiny_tokenizer()


@pytest.fixture(scope="session")
def tiny_model(tiny_tokenizer):
    return build_tiny_model(tiny_tokenizer)
