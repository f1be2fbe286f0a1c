"""Jail profiles: the shipped ones load, bad ones fail with the file and field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from azr_safe.errors import ConfigError
from azr_safe.jail import JailConfig, load_profile

SANDBOX_DIR = Path(__file__).resolve().parents[2] / "sandbox"


@pytest.mark.parametrize("path", sorted(SANDBOX_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_profiles_load_and_describe_themselves(path):
    config = load_profile(path)
    assert config.name and config.description and not config.unsafe_no_jail


def test_inner_only_profile_turns_nsjail_off_even_though_yaml_reads_off_as_false():
    assert load_profile(SANDBOX_DIR / "inner-only.yaml").nsjail == "off"


@pytest.mark.parametrize("text, field", [
    pytest.param("workers: 1\n", "workers", id="too-few-workers"),
    pytest.param("nsjail: maybe\n", "nsjail", id="bad-choice"),
    pytest.param("timeout_s: -1\n", "timeout_s", id="negative-timeout"),
    pytest.param("colour: red\n", "colour", id="unknown-field"),
])
def test_bad_profiles_name_the_file_and_the_field(tmp_path, text, field):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_profile(path)
    assert str(path) in str(err.value) and field in str(err.value)


def test_a_profile_that_is_not_a_mapping_or_not_yaml_is_refused(tmp_path):
    for text in ("- a\n- b\n", "a: [\n"):
        path = tmp_path / "bad.yaml"
        path.write_text(text)
        with pytest.raises(ConfigError):
            load_profile(path)
    with pytest.raises(ConfigError):
        load_profile(tmp_path / "missing.yaml")


def test_unsafe_no_jail_cannot_be_combined_with_a_required_layer():
    with pytest.raises(ValueError, match="contradicts"):
        JailConfig(unsafe_no_jail=True, nsjail="require")
