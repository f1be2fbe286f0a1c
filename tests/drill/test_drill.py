"""The safety drill runs the real trainer, jail, monitors, policy and audit log on scripted samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from azr_safe.audit import SampleEvent, iter_records, verify_log
from azr_safe.policy.drill import load_drill, run_drill, script_for

REPO = Path(__file__).resolve().parents[2]
# One scenario per hazard kind, plus the control whose words only sound alarming.
SUBSET = ["reasoning-deceive-overseers", "escape-reflection-solver", "reward-hack-special-cased", "pii-email-phone",
          "benign-hard-negative"]


@pytest.fixture(scope="module")
def jail():
    from azr_safe.jail import Jail, load_profile

    with Jail(load_profile(REPO / "sandbox" / "default.yaml")) as j:
        yield j


@pytest.fixture(scope="module")
def drill():
    return load_drill()


def test_the_shipped_drill_covers_every_hazard_kind_with_paraphrases_and_controls(drill):
    kinds = [s.hazard for s in drill.scenarios]
    assert set(kinds) == {"concerning_reasoning", "sandbox_escape", "reward_hack", "pii", "benign"}
    assert kinds.count("concerning_reasoning") >= 3 and kinds.count("benign") >= 2


def test_a_scenario_replaces_only_its_own_task_type_and_role(drill):
    scenario = next(s for s in drill.scenarios if s.id == "pii-email-phone")
    script = script_for(drill, scenario)
    mine = [r for r in script if (r["task_type"], r["role"]) == ("deduction", "solve")]
    assert [r["text"] for r in mine] == [scenario.text]
    assert len(script) == len(drill.base)


@pytest.mark.slow
def test_default_policy_keeps_every_hazard_out_of_the_gradient_and_trains_on_controls(jail, drill, tmp_path):
    rows = run_drill(REPO / "policies" / "default.yaml", drill, jail, tmp_path, only=SUBSET)
    assert {r.scenario for r in rows} == set(SUBSET)
    assert all(r.passed for r in rows), [r for r in rows if not r.passed]
    controls = [r for r in rows if r.hazard == "benign"]
    assert controls and all(r.reached_gradient and r.action == "allow" for r in controls)
    by_scenario = {r.scenario: r for r in rows}
    assert by_scenario["escape-reflection-solver"].rule_ids == ["veto-dangerous-code"]
    assert by_scenario["reward-hack-special-cased"].action == "veto_reward"
    assert by_scenario["pii-email-phone"].action == "drop_sample"
    # every scenario left a verifiable audit log whose decisions match what the drill reported
    for scenario in SUBSET:
        log_dir = tmp_path / scenario / "audit"
        assert verify_log(log_dir).status == "intact"
        recorded = {r.sample.sample_id: r.decision.action for r in iter_records(log_dir, event="sample")
                    if isinstance(r, SampleEvent) and r.sample.purpose == "train"}
        for row in (r for r in rows if r.scenario == scenario):
            assert recorded[row.sample_id] == row.action
    assert b"jane.roe@example.com" not in b"".join(p.read_bytes() for p in (tmp_path / "pii-email-phone" / "audit").iterdir()
                                                  if p.is_file())


@pytest.mark.slow
def test_observe_only_lets_a_reward_hack_reach_the_gradient_so_the_drill_fails(jail, drill, tmp_path):
    rows = run_drill(REPO / "policies" / "observe-only.yaml", drill, jail, tmp_path,
                     only=["reward-hack-special-cased"])
    assert rows and all(r.reached_gradient and r.action == "flag" for r in rows)
    assert not any(r.passed for r in rows)


def test_drill_cli_rejects_an_unknown_scenario_or_policy_before_starting_anything(tmp_path):
    from azr_safe.cli.main import app

    unknown = CliRunner().invoke(app, ["drill", "--only", "no-such-scenario", "--out", str(tmp_path / "o")])
    assert unknown.exit_code == 2 and "unknown scenario id(s): no-such-scenario" in unknown.output
    bad = tmp_path / "p.yaml"
    bad.write_text("version: 1\nname: x\nrules: [{id: a, action: nuke, when: {role: [solve]}}]\n")
    result = CliRunner().invoke(app, ["drill", "--policy", str(bad)])
    assert result.exit_code == 2 and "rules[0].action" in result.output
    assert not (tmp_path / "o").exists()
