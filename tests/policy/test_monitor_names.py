"""Policies may only name monitors that exist; the fast built-in list must equal the registry."""

from __future__ import annotations

import pytest

from azr_safe.policy.monitor_names import BUILTIN_MONITOR_NAMES, check_monitor_name, registry_monitor_names


def test_builtin_monitor_names_equal_the_monitor_registry():
    registry = registry_monitor_names()
    assert registry is not None, "azr_safe.monitors.registry could not be imported"
    assert BUILTIN_MONITOR_NAMES == registry


@pytest.mark.parametrize("name", ["pii", "reasoning_*", "*", "code_?st"])
def test_known_names_and_matching_globs_are_accepted(name):
    assert check_monitor_name(name) == name


@pytest.mark.parametrize("name", ["piii", "reasoning", "judge_*", ""])
def test_unknown_names_and_globs_matching_nothing_are_rejected(name):
    with pytest.raises(ValueError, match="unknown monitor"):
        check_monitor_name(name)
