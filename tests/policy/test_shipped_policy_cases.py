"""The table-driven cases in policies/tests/*.yaml, one pytest case per row, plus the runner itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from azr_safe.cli.policy import app
from azr_safe.errors import ConfigError
from azr_safe.policy import load_policy
from azr_safe.policy.cases import case_policy_path, load_cases, run_case, run_cases

CASE_FILES = sorted((Path(__file__).resolve().parents[2] / "policies" / "tests").glob("*.yaml"))


def _rows():
    for path in CASE_FILES:
        cases = load_cases(path)
        for case in cases.cases:
            yield pytest.param(path, case, id=f"{path.stem}: {case.note}")


def test_every_shipped_policy_has_a_case_table():
    assert {p.stem for p in CASE_FILES} == {p.stem for p in CASE_FILES[0].parent.parent.glob("*.yaml")}


@pytest.mark.parametrize(("path", "case"), list(_rows()))
def test_shipped_policy_case(path, case):
    policy = load_policy(case_policy_path(path, load_cases(path)))
    result = run_case(policy, case)
    assert result.passed, result


def test_policy_test_cli_passes_on_the_shipped_tables():
    for path in CASE_FILES:
        result = CliRunner().invoke(app, ["test", f"policies/{path.stem}.yaml", str(path)])
        assert result.exit_code == 0, result.output
        assert "cases pass" in result.output


def test_policy_test_cli_exits_1_when_a_case_fails(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text("version: 1\ncases:\n  - note: a violation is allowed (wrong on purpose)\n"
                     "    sample: {executions: [{status: violation}]}\n    want_action: allow\n")
    result = CliRunner().invoke(app, ["test", "policies/default.yaml", str(cases), "--json"])
    assert result.exit_code == 1
    assert '"passed":false' in result.output and '"got_action":"veto_reward"' in result.output


def test_an_empty_case_table_is_an_error_not_a_pass(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text("version: 1\ncases: []\n")
    result = CliRunner().invoke(app, ["test", "policies/default.yaml", str(cases)])
    assert result.exit_code == 2
    assert "cases.yaml:2: cases:" in result.output


def test_a_case_naming_a_rule_the_policy_lacks_is_a_config_error(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text("version: 1\ncases:\n  - {note: n, want_action: allow, want_rules: [no-such-rule]}\n")
    with pytest.raises(ConfigError, match="has no rule no-such-rule"):
        run_cases(load_policy("policies/default.yaml"), load_cases(cases))


def test_a_case_with_a_bad_sample_field_names_its_line(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text("version: 1\ncases:\n  - note: n\n    want_action: allow\n    sample: {role: overseer}\n")
    with pytest.raises(ConfigError, match=r"cases.yaml:5: cases\[0\]\.sample\.role"):
        load_cases(cases)
