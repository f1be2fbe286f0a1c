"""Bad input gets clear errors; the jail is safe to share between threads."""

from __future__ import annotations

import concurrent.futures
import json

import pytest
from pydantic import ValidationError

from azr_safe.jail import Jail, JailConfig, Job


@pytest.fixture(scope="module")
def jail():
    with Jail(JailConfig(timeout_s=1.0)) as started:
        yield started


@pytest.mark.parametrize("bad", [
    pytest.param(dict(code="x", timeout_s=0), id="zero-timeout"),
    pytest.param(dict(code="x", memory_mb=1), id="tiny-memory"),
    pytest.param(dict(code=None), id="no-code"),
    pytest.param(dict(code="x", calls="f(1)"), id="calls-not-a-list"),
])
def test_malformed_jobs_are_rejected_before_reaching_the_jail(bad):
    with pytest.raises(ValidationError):
        Job(**bad)


def test_odd_programs_are_ordinary_results_not_jail_failures(jail):
    results = jail.run_many([
        ("", None), ("\x00", None), ("def f(:", "f()"), ("def f():\n    return 'ü€'", "f()"),
        ("def f():\n    return float('nan'), float('inf')", "f()"), ("import sys\nsys.exit(0)", None),
        ("def f():\n    return input()", "f()"), ("x" * 200_000, None),
    ])
    assert [r.status for r in results] == ["ok", "error", "error", "ok", "ok", "error", "error", "error"]
    assert results[3].value == "'ü€'" and results[4].literal == ["tuple", [["float", "nan"], ["float", "inf"]]]


def test_empty_batches_and_empty_inputs_run_nothing(jail):
    assert jail.run_batch([]) == [] and jail.evaluate("def f(x): return x", []) == []
    assert jail.check_programs([("def f(x): return x", [])])[0].reason == "no pairs to check"


def test_many_threads_can_share_one_jail(jail):
    def work(k):
        return [r.value for r in jail.run_many([(f"def f(x):\n    return x + {k}", f"f({i})") for i in range(10)])]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        outputs = list(pool.map(work, range(8)))
    assert outputs == [[str(i + k) for i in range(10)] for k in range(8)]


def test_cli_rejects_a_bad_profile_with_a_one_line_error(azr, program, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("workers: 0\n")
    out = azr("sandbox", "run", str(program), "--profile", str(profile))
    assert out.returncode == 2 and "workers" in out.stderr and "Traceback" not in out.stderr


def test_cli_run_with_a_profile_uses_its_limits(azr, program, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("name: tight\ndescription: short\ntimeout_s: 0.3\nnsjail: \"off\"\n")
    out = azr("sandbox", "run", str(program), "--call", "spin()", "--profile", str(profile), "--json")
    assert json.loads(out.stdout)["status"] == "timeout"


def test_jobs_must_be_jobs_or_code_call_pairs(jail):
    with pytest.raises(ValueError, match="pair"):
        jail.run_many(["def f(): pass"])


def test_a_jail_accepts_a_plain_mapping_as_config_and_validates_it():
    with pytest.raises(ValidationError):
        Jail({"workers": 1})
