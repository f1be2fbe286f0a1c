"""The jail refuses to run unjailed unless told, and falls back (saying so) when a layer is missing."""

from __future__ import annotations

import pytest

from azr_safe.errors import JailUnavailableError
from azr_safe.jail import Jail, JailConfig, seccomp_filters


@pytest.fixture
def no_libseccomp(monkeypatch):
    def unavailable():
        raise JailUnavailableError("libseccomp is not usable: simulated")

    seccomp_filters.base_filter_bpf.cache_clear()
    seccomp_filters.child_filter_bpf.cache_clear()
    monkeypatch.setattr(seccomp_filters, "_seccomp_module", unavailable)
    yield
    seccomp_filters.base_filter_bpf.cache_clear()
    seccomp_filters.child_filter_bpf.cache_clear()


def test_without_seccomp_the_jail_refuses_to_start(no_libseccomp):
    with pytest.raises(JailUnavailableError, match="libseccomp"):
        Jail(JailConfig(nsjail="off"))


def test_unsafe_no_jail_runs_anyway_and_reports_no_layers(no_libseccomp, tmp_path):
    marker = tmp_path / "written"
    with Jail(JailConfig(unsafe_no_jail=True)) as jail:
        assert jail.layers.unsafe_no_jail and not jail.layers.active("seccomp")
        result = jail.run(f"open({str(marker)!r}, 'w').write('x')")
    assert result.status == "ok" and marker.exists()  # truly unjailed: the write happened


def test_without_namespaces_the_inner_layer_runs_and_says_why(tmp_path):
    fake = tmp_path / "nsjail"
    fake.write_text("#!/bin/sh\necho 'clone(CLONE_NEWUSER) failed: Operation not permitted' >&2\nexit 255\n")
    fake.chmod(0o755)
    with Jail(JailConfig(nsjail_path=str(fake))) as jail:
        layer = jail.layers["nsjail"]
        assert not layer.active and "Operation not permitted" in layer.detail
        assert jail.layers.active("seccomp") and jail.layers.active("landlock")
        assert jail.run("def f():\n    return 1", call="f()").value == "1"


def test_a_required_nsjail_layer_that_cannot_start_is_an_error(tmp_path):
    with pytest.raises(JailUnavailableError, match="required"):
        Jail(JailConfig(nsjail="require", nsjail_path=str(tmp_path / "missing")))


def test_turning_landlock_off_is_reported(tmp_path):
    with Jail(JailConfig(nsjail="off", landlock="off")) as jail:
        assert not jail.layers.active("landlock") and "turned off" in jail.layers["landlock"].detail
        assert jail.run("open('/etc/passwd')").status == "error"  # the seccomp layer still closes files


def test_a_missing_worker_interpreter_is_a_clear_setup_error(tmp_path):
    with pytest.raises(JailUnavailableError, match="python3-minimal"):
        Jail(JailConfig(python=str(tmp_path / "python3")))
