import pytest

from azr_safe.errors import ConfigError
from azr_safe.monitors import DEFAULT_MONITORS, build_monitor_suite, registered_monitors


def test_every_default_monitor_and_the_judge_are_registered():
    assert set(DEFAULT_MONITORS) | {"judge"} <= set(registered_monitors())
    assert "judge" not in DEFAULT_MONITORS  # off by default on CPU


def test_unknown_monitor_names_are_a_config_error_listing_the_known_ones():
    with pytest.raises(ConfigError, match="registered monitors: .*code_ast"):
        build_monitor_suite(["code_ast", "telepathy"])


def test_suite_returns_one_verdict_list_per_sample_in_name_order(sample_factory):
    suite = build_monitor_suite(["sandbox_violation", "code_ast", "reasoning_patterns"])
    samples = [sample_factory("fine", sample_id="a"), sample_factory("I will escape the sandbox and break out of the jail.", sample_id="b")]
    out = suite.check_batch(samples)
    assert len(out) == 2 and [v.monitor for v in out[0]] == suite.names
    assert not out[0][2].flagged and out[1][2].flagged
    assert suite.check_batch([]) == []


def test_judge_with_a_missing_model_path_is_a_clear_error(monkeypatch, tmp_path):
    from azr_safe.errors import ModelNotFoundError
    from azr_safe.monitors.judge import JudgeMonitor

    monkeypatch.setenv("AZR_SAFE_JUDGE_MODEL", str(tmp_path / "nope"))
    with pytest.raises(ModelNotFoundError, match="AZR_SAFE_JUDGE_MODEL"):
        JudgeMonitor()
