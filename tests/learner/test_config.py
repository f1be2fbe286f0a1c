"""Configs load from YAML with clear one-line errors; shipped configs are valid."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from azr_safe.errors import ConfigError
from azr_safe.learner.config import AZRConfig, load_config

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["cpu-demo.yaml", "gpu-7b-vllm-4gpu.yaml", "test-tiny.yaml"])
def test_shipped_configs_are_valid(name):
    config = load_config(REPO / "training" / name)
    assert config.objective.clip_eps_low == 0.2 and config.objective.kl_coef == 0.0


def test_defaults_follow_the_paper():
    config = AZRConfig()
    assert config.optim.lr == 1e-6 and config.objective.clip_eps_low == 0.2 and config.objective.kl_coef == 0
    assert config.model.name == "gemma3-270m"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("steps: 3\nbogus: 1\n", "field 'bogus'", id="unknown-field"),
        pytest.param("optim: {lr: -1}\n", "field 'optim.lr'", id="out-of-range"),
        pytest.param("generation: {backend: tpu}\n", "field 'generation.backend'", id="bad-choice"),
        pytest.param("steps: [\n", "not valid UTF-8 YAML", id="malformed-yaml"),
        pytest.param("- 1\n- 2\n", "top level must be a mapping", id="not-a-mapping"),
        pytest.param("generation: {backend: scripted}\n", "scripted_file is not set", id="scripted-without-file"),
        pytest.param("model: {name: gemma3-270m, path: /x}\n", "field 'model'", id="two-model-sources"),
    ],
)
def test_bad_config_gives_a_one_line_error_naming_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_binary_and_missing_files_are_config_errors(tmp_path):
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not valid UTF-8 YAML"):
        load_config(binary)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_config_hash_ignores_where_and_how_long_but_not_what():
    a = AZRConfig(steps=3, out_dir=Path("a"))
    assert a.sha256() == AZRConfig(steps=30, out_dir=Path("b")).sha256()
    assert a.sha256() != AZRConfig(seed=1).sha256()


def test_cli_reports_a_bad_config_in_one_line_without_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("optim: {lr: oops}\n")
    out = subprocess.run([sys.executable, "-m", "azr_safe.cli", "run", "--config", str(path)],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "AZR001" in out.stderr and "optim.lr" in out.stderr


def test_cli_resume_without_a_checkpoint_fails_before_starting_anything(tmp_path):
    out = subprocess.run([sys.executable, "-m", "azr_safe.cli", "run", "--config", str(REPO / "training" / "test-tiny.yaml"),
                          "--out", str(tmp_path / "empty"), "--resume"], capture_output=True, text=True, cwd=REPO,
                         timeout=120)
    assert out.returncode == 2 and "no checkpoint" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "empty" / "audit").exists()  # nothing was written
