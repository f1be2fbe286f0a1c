"""`azr-safe sandbox run|doctor`: JSON fields, exit codes, one-line errors."""

from __future__ import annotations

import json

from azr_safe.errors import JailUnavailableError
from azr_safe.jail import seccomp_filters

FIELDS = {"status", "value", "stdout", "stderr", "violation", "duration_s"}


def test_run_json_prints_one_object_with_every_field(azr, program):
    out = azr("sandbox", "run", str(program), "--call", "f([1, 2])", "--json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert FIELDS <= set(payload)
    assert (payload["status"], payload["value"], payload["stdout"]) == ("ok", "{'x': [1, 2]}", "hi\n")


def test_run_exits_zero_when_the_program_misbehaves(azr, program):
    violation = json.loads(azr("sandbox", "run", str(program), "--call", "bad()", "--json").stdout)
    timeout = json.loads(azr("sandbox", "run", str(program), "--call", "spin()", "--timeout", "0.5", "--json").stdout)
    assert (violation["status"], violation["violation"]) == ("violation", "kill")
    assert timeout["status"] == "timeout" and timeout["duration_s"] < 3


def test_run_on_a_missing_file_is_a_one_line_error_with_exit_2(azr, tmp_path):
    out = azr("sandbox", "run", str(tmp_path / "nope.py"))
    assert out.returncode == 2 and "Traceback" not in out.stderr and "nope.py" in out.stderr


def test_doctor_json_lists_every_layer(azr):
    out = azr("sandbox", "doctor", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [layer["name"] for layer in report["layers"]][-2:] == ["seccomp", "rlimits"]
    assert report["self_test"] == "ok"


def test_cli_exits_3_when_the_jail_cannot_be_set_up(azr, program, monkeypatch):
    def unavailable():
        raise JailUnavailableError("libseccomp is not usable: simulated")

    seccomp_filters.base_filter_bpf.cache_clear()
    seccomp_filters.child_filter_bpf.cache_clear()
    monkeypatch.setattr(seccomp_filters, "_seccomp_module", unavailable)
    out = azr("sandbox", "run", str(program), "--call", "f(1)", "--json")
    seccomp_filters.base_filter_bpf.cache_clear()
    seccomp_filters.child_filter_bpf.cache_clear()
    assert out.returncode == 3 and "AZR002" in out.stderr and out.stdout == ""


def test_unsafe_no_jail_is_a_global_option_of_the_sandbox_group(azr, program):
    out = azr("sandbox", "--unsafe-no-jail", "doctor", "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["unsafe_no_jail"] is True
