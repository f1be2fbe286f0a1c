"""The engine: each kind of condition, precedence, and rate rules over a stream."""

from __future__ import annotations

import pytest

from azr_safe.policy import SEVERITY, Policy, PolicyEngine, load_policy, most_severe
from azr_safe.selfplay.sample import ExecutionRecord

from .helpers import make_sample, verdict, violation


def policy(rules: list[dict], rate_rules: list[dict] | None = None) -> Policy:
    return Policy.model_validate({"version": 1, "name": "t", "rules": rules, "rate_rules": rate_rules or []})


def rule(rule_id: str, action: str, **when: object) -> dict:
    return {"id": rule_id, "action": action, "when": when}


def test_most_severe_action_wins_and_every_fired_rule_is_recorded_in_file_order():
    engine = PolicyEngine(policy([
        rule("flag-it", "flag", role=["solve"]),
        rule("halt-it", "halt", sandbox={"status": ["violation"]}),
        rule("veto-it", "veto_reward", task_type=["deduction"]),
    ]))
    decision = engine.decide(make_sample(executions=[violation()]), [])
    assert decision.action == "halt"
    assert decision.rule_ids == ["flag-it", "halt-it", "veto-it"]
    assert decision.actions == ["flag", "halt", "veto_reward"]
    assert "halt-it" in decision.message and "0-deduction-solve-0" in decision.message


def test_severity_order_is_total_from_allow_to_halt():
    order = ["allow", "flag", "redact", "veto_reward", "drop_sample", "quarantine_task", "halt"]
    assert sorted(SEVERITY, key=SEVERITY.__getitem__) == order
    assert most_severe([]) == "allow"
    assert most_severe(["redact", "flag", "drop_sample"]) == "drop_sample"


def test_no_rule_firing_means_allow_with_the_policy_hash():
    p = policy([rule("r", "halt", role=["propose"])])
    decision = PolicyEngine(p).decide(make_sample(), [])
    assert (decision.action, decision.rule_ids, decision.policy_hash) == ("allow", [], p.sha256)


@pytest.mark.parametrize(
    ("match", "v", "fires"),
    [
        pytest.param({"name": "reasoning_patterns", "flagged": True}, verdict("reasoning_patterns"), True, id="flagged"),
        pytest.param({"name": "reasoning_patterns", "flagged": True}, verdict("reasoning_classifier"), False, id="other-monitor"),
        pytest.param({"name": "reasoning_*", "flagged": True}, verdict("reasoning_classifier"), True, id="glob-name"),
        pytest.param({"name": "pii", "category": "deception", "min_score": 0.9}, verdict("pii", score=0.9), True, id="score-inclusive"),
        pytest.param({"name": "pii", "category": "deception", "min_score": 0.9}, verdict("pii", score=0.89), False, id="score-below"),
        pytest.param({"name": "pii", "category": "deception", "max_score": 0.2}, verdict("pii", score=0.1), True, id="max-score"),
        pytest.param({"name": "pii", "category": "*", "min_score": 0.5}, verdict("pii", "sabotage", 0.6), True, id="any-category"),
        pytest.param({"name": "pii", "category": "deception"}, verdict("pii", flagged=False), False, id="category-not-labelled"),
        pytest.param({"name": "pii", "label": "deception"}, verdict("pii"), True, id="label"),
        pytest.param({"name": "pii", "category": "missing", "min_score": 0.0}, verdict("pii"), False, id="absent-score"),
    ],
)
def test_monitor_conditions_match_exactly_as_documented(match, v, fires):
    engine = PolicyEngine(policy([rule("r", "flag", monitor=match)]))
    assert (engine.decide(make_sample(), [v]).action == "flag") is fires


@pytest.mark.parametrize(
    ("sandbox", "executions", "fires"),
    [
        pytest.param({"status": ["violation"]}, [violation()], True, id="status"),
        pytest.param({"status": ["timeout"]}, [violation()], False, id="other-status"),
        pytest.param({"violation": ["seccomp:*"]}, [violation("seccomp:ptrace")], True, id="violation-glob"),
        pytest.param({"violation": ["landlock:*"]}, [violation("seccomp:ptrace")], False, id="violation-other-kind"),
        pytest.param({"status": ["timeout"]}, [ExecutionRecord(status="ok"), ExecutionRecord(status="timeout")], True, id="any-execution"),
        pytest.param({"status": ["violation"]}, [], False, id="no-executions"),
    ],
)
def test_sandbox_conditions_match_status_and_violation_kind(sandbox, executions, fires):
    engine = PolicyEngine(policy([rule("r", "veto_reward", sandbox=sandbox)]))
    assert (engine.decide(make_sample(executions=executions), []).action == "veto_reward") is fires


def test_role_task_type_and_validity_conditions_all_must_hold():
    engine = PolicyEngine(policy([rule("r", "drop_sample", role=["propose"], task_type=["induction"], valid=False)]))
    hit = make_sample(role="propose", task_type="induction", valid=False)
    assert engine.decide(hit, []).action == "drop_sample"
    for miss in (hit.model_copy(update={"role": "solve"}), hit.model_copy(update={"task_type": "abduction"}),
                 hit.model_copy(update={"valid": True})):
        assert engine.decide(miss, []).action == "allow"


def test_flagged_share_fires_only_on_a_full_window_above_the_threshold():
    engine = PolicyEngine(policy(
        [rule("flag-proposers", "flag", role=["propose"])],
        [{"id": "share", "kind": "flagged_share", "window": 4, "threshold": 0.5, "action": "halt"}],
    ))
    flagged, clean = make_sample(role="propose"), make_sample()
    # A full window is needed: three flagged of the first three samples is not yet judged.
    assert [engine.decide(s, []).action for s in (flagged, flagged, flagged)] == ["flag"] * 3
    assert engine.decide(clean, []).action == "halt"  # 3/4 > 0.5
    assert engine.decide(clean, []).action == "allow"  # 2/4 is not above 0.5


def test_violation_count_fires_on_the_kth_matching_violation_only_on_violating_samples():
    engine = PolicyEngine(policy([], [{"id": "k", "kind": "sandbox_violations", "violation": ["seccomp:*"],
                                       "count": 2, "action": "halt"}]))
    seccomp, landlock = make_sample(executions=[violation()]), make_sample(executions=[violation("landlock:x")])
    assert engine.decide(seccomp, []).action == "allow"
    assert engine.decide(landlock, []).action == "allow"  # other kind: not counted
    assert engine.decide(make_sample(), []).action == "allow"
    assert engine.decide(seccomp, []).action == "halt"


def test_windowed_violation_count_forgets_old_samples():
    engine = PolicyEngine(policy([], [{"id": "k", "kind": "sandbox_violations", "count": 2, "window": 2}]))
    bad, good = make_sample(executions=[violation()]), make_sample()
    assert [engine.decide(s, []).action for s in (bad, good, bad)] == ["allow", "allow", "allow"]
    assert engine.decide(bad, []).action == "halt"


def test_rate_rule_state_survives_a_checkpoint_round_trip():
    p = policy([], [{"id": "k", "kind": "sandbox_violations", "count": 3}])
    first = PolicyEngine(p)
    bad = make_sample(executions=[violation()])
    first.decide(bad, [])
    first.decide(bad, [])
    resumed = PolicyEngine(p)
    resumed.load_state_dict(first.state_dict())
    assert resumed.decide(bad, []).action == "halt"
    assert PolicyEngine(p).decide(bad, []).action == "allow"


def test_policy_sha256_is_the_hash_of_the_file_bytes(tmp_path):
    import hashlib

    src = tmp_path / "p.yaml"
    src.write_text("version: 1\nname: p\nrules:\n  - {id: a, action: flag, when: {role: [solve]}}\n")
    assert load_policy(src).sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    src.write_text(src.read_text() + "# a comment changes the revision\n")
    assert load_policy(src).sha256 == hashlib.sha256(src.read_bytes()).hexdigest()


def test_decide_batch_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="2 samples but 1 verdict lists"):
        PolicyEngine(policy([])).decide_batch([make_sample(0), make_sample(1)], [[]])
