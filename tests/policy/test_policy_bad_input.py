"""Every kind of bad policy file gives one clear ConfigError naming file (and line), and writes nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from azr_safe.cli.policy import app
from azr_safe.errors import ConfigError
from azr_safe.policy import load_policy

GOOD_RULE = "  - {id: r1, action: flag, when: {role: [solve]}}\n"
HEADER = "version: 1\nname: t\nrules:\n"

BAD_FILES: list = [
    pytest.param(b"", "file is empty", None, id="empty"),
    pytest.param(b"  \n\n", "file is empty", None, id="whitespace"),
    pytest.param(b"# only a comment\n", "no content", None, id="comment-only"),
    pytest.param(b"version: 1\x00\x01\x02\n", "binary", None, id="binary-nul"),
    pytest.param(b"name: \xff\xfe\n", "not UTF-8", None, id="not-utf8"),
    pytest.param(b"a: [" * 3 + b"\n", "malformed YAML", 2, id="malformed-unclosed"),
    pytest.param(b"version: 1\nname: t\n  rules: x\n", "malformed YAML", 3, id="malformed-indent"),
    pytest.param(b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nesting is too deep", None, id="deep-flow"),
    pytest.param("".join(f"{'  ' * i}k{i}:\n" for i in range(60)).encode(), "nesting is too deep", 33,
                 id="deep-block"),
    pytest.param(b"- 1\n- 2\n", "expected a YAML mapping", 1, id="top-level-list"),
    pytest.param(b"version: 1\nversion: 1\nname: t\n", "duplicate key 'version'", 2, id="duplicate-yaml-key"),
    pytest.param(b"version: one\nname: t\n", "version", 1, id="wrong-type-version"),
    pytest.param(b"version: 2\nname: t\n", "version", 1, id="future-version"),
    pytest.param(b"version: 1\nname: t\nrules: all of them\n", "rules", 3, id="wrong-type-rules"),
    pytest.param(b"version: 1\nname: t\ncolour: red\n", "unknown field 'colour'", 3, id="unknown-top-field"),
    pytest.param((HEADER + "  - {id: r1, action: flag, when: {role: [solve]}, sevrity: 3}\n").encode(),
                 "unknown field 'sevrity'", 4, id="unknown-rule-field"),
    pytest.param((HEADER + "  - id: r1\n    action: flag\n    when:\n      monitor: {name: reasoning_patern, flagged: true}\n").encode(),
                 "unknown monitor 'reasoning_patern'", 7, id="unknown-monitor"),
    pytest.param((HEADER + "  - {id: r1, action: nuke, when: {role: [solve]}}\n").encode(), "rules[0].action", 4,
                 id="unknown-action"),
    pytest.param((HEADER + "  - id: r1\n    action: halt\n    when:\n      monitor: {name: pii, category: pii, min_score: 1.5}\n").encode(),
                 "less than or equal to 1", 7, id="score-above-1"),
    pytest.param(b"version: 1\nname: t\nrate_rules:\n  - {id: s, kind: flagged_share, window: 10, threshold: -0.1}\n",
                 "rate_rules[0].threshold", 4, id="threshold-negative"),
    pytest.param(b"version: 1\nname: t\nrate_rules:\n  - {id: s, kind: flagged_share, window: 0, threshold: 0.1}\n",
                 "rate_rules[0].window", 4, id="window-zero"),
    pytest.param(b"version: 1\nname: t\nrate_rules:\n  - {id: s, kind: sometimes, count: 1}\n",
                 "rate_rules[0]", 4, id="unknown-rate-kind"),
    pytest.param((HEADER + GOOD_RULE + "  - {id: r1, action: halt, when: {role: [propose]}}\n").encode(),
                 "duplicate rule id 'r1'", 5, id="duplicate-rule-id"),
    pytest.param((HEADER + "  - {id: r1, action: flag, when: {}}\n").encode(), "at least one condition", 4,
                 id="empty-when"),
    pytest.param((HEADER + "  - {id: Bad Id!, action: flag, when: {role: [solve]}}\n").encode(), "rules[0].id", 4,
                 id="bad-rule-id"),
    pytest.param(b"a: &a [1, 2]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                 b"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                 b"f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", "too many YAML nodes", None, id="alias-bomb"),
]


@pytest.mark.parametrize(("content", "expect", "line"), BAD_FILES)
def test_bad_policy_file_raises_one_line_config_error_naming_file_and_line(tmp_path, content, expect, line):
    path = tmp_path / "policy.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expect in message
    if line is not None:
        assert message.startswith(f"{path}:{line}:"), message


def test_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"version: 1\nname: t\n" + b"# padding\n" * 120_000)
    with pytest.raises(ConfigError, match="too large"):
        load_policy(path)


def test_missing_file_and_directory_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_policy(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_policy(tmp_path)


def test_python_object_tags_are_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"version: 1\nname: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ConfigError, match=r"evil.yaml:2"):
        load_policy(path)
    assert not marker.exists()


@pytest.mark.parametrize(("content", "expect", "line"), BAD_FILES[:6] + BAD_FILES[-5:])
def test_policy_validate_cli_exits_2_with_one_line_and_writes_nothing(tmp_path, monkeypatch, content, expect, line):
    path = tmp_path / "policy.yaml"
    path.write_bytes(content)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error AZR001: ") and expect in lines[0]
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_real_entry_point_prints_no_traceback_for_an_invalid_policy(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(HEADER + "  - {id: r1, action: nuke, when: {role: [solve]}}\n")
    out = subprocess.run([sys.executable, "-m", "azr_safe.cli", "policy", "validate", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert f"{path}:4: rules[0].action:" in out.stderr


@pytest.mark.parametrize("name", ["default", "strict", "observe-only"])
def test_shipped_policies_validate(name):
    result = CliRunner().invoke(app, ["validate", f"policies/{name}.yaml"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: policies/{name}.yaml: policy '{name}'")
