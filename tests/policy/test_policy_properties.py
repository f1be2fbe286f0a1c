"""Property: whatever fires, the decision is the most severe action and records every rule in file order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from azr_safe.monitors.verdict import Verdict
from azr_safe.policy import SEVERITY, Policy, PolicyEngine

from .helpers import make_sample

ACTIONS = sorted(SEVERITY)
ROLES = ["propose", "solve"]


@settings(max_examples=150, deadline=None)
@given(rules=st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ROLES), st.floats(0, 1)), max_size=8),
       role=st.sampled_from(ROLES), score=st.floats(0, 1))
def test_decision_is_the_most_severe_fired_action_with_every_fired_rule_in_order(rules, role, score):
    policy = Policy.model_validate({"version": 1, "name": "p", "rules": [
        {"id": f"r{i}", "action": action, "when": {"role": [rule_role],
                                                  "monitor": {"name": "pii", "category": "pii", "min_score": cut}}}
        for i, (action, rule_role, cut) in enumerate(rules)]})
    decision = PolicyEngine(policy).decide(make_sample(role=role),
                                           [Verdict(monitor="pii", scores={"pii": score})])
    expected = [(f"r{i}", a) for i, (a, r, cut) in enumerate(rules) if r == role and score >= cut]
    assert list(zip(decision.rule_ids, decision.actions)) == expected
    assert decision.action == max([a for _, a in expected], key=SEVERITY.__getitem__, default="allow")
