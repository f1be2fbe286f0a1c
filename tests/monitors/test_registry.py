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


class _SlowNative:
    """A stand-in for a torch monitor: records its thread, sleeps (GIL released), then answers."""

    releases_gil = True

    def __init__(self, inner, fail: bool = False) -> None:
        self.inner, self.name, self.fail, self.threads = inner, inner.name, fail, []

    def check_batch(self, samples):
        import threading
        import time

        self.threads.append(threading.current_thread().name)
        time.sleep(0.05)
        if self.fail:
            raise RuntimeError("encoder failed")
        return self.inner.check_batch(samples)


def test_gil_releasing_monitors_run_beside_the_others_with_the_same_verdicts_in_order(sample_factory):
    samples = [sample_factory("fine"), sample_factory("I will escape the sandbox and break out of the jail.")]
    names = ["code_ast", "reasoning_patterns", "sandbox_violation"]
    sequential = build_monitor_suite(names)
    sequential.concurrent = False
    suite = build_monitor_suite(names)
    native = _SlowNative(suite.monitors[1])
    suite.monitors[1] = native
    assert suite.check_batch(samples) == sequential.check_batch(samples)
    assert native.threads and native.threads[0].startswith("azr-monitor")
    suite.concurrent = False
    suite.check_batch(samples)
    assert not native.threads[1].startswith("azr-monitor")


def test_a_failing_threaded_monitor_raises_in_the_caller(sample_factory):
    suite = build_monitor_suite(["code_ast", "reasoning_patterns"])
    suite.monitors[1] = _SlowNative(suite.monitors[1], fail=True)
    with pytest.raises(RuntimeError, match="encoder failed"):
        suite.check_batch([sample_factory("fine")])


def test_judge_with_a_missing_model_path_is_a_clear_error(monkeypatch, tmp_path):
    from azr_safe.errors import ModelNotFoundError
    from azr_safe.monitors.judge import JudgeMonitor

    monkeypatch.setenv("AZR_SAFE_JUDGE_MODEL", str(tmp_path / "nope"))
    with pytest.raises(ModelNotFoundError, match="AZR_SAFE_JUDGE_MODEL"):
        JudgeMonitor()
