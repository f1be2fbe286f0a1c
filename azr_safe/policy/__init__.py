"""Declarative policy files and their engine: what may be trained on, and when the run halts."""

from azr_safe.policy.decision import SEVERITY, Action, Decision
from azr_safe.policy.engine import PolicyEngine, most_severe
from azr_safe.policy.load import load_policy
from azr_safe.policy.monitor_names import known_monitor_names
from azr_safe.policy.schema import (
    FlaggedShareRule,
    MonitorMatch,
    Policy,
    Rule,
    SandboxMatch,
    ViolationCountRule,
    When,
)

__all__ = [
    "SEVERITY",
    "Action",
    "Decision",
    "FlaggedShareRule",
    "MonitorMatch",
    "Policy",
    "PolicyEngine",
    "Rule",
    "SandboxMatch",
    "ViolationCountRule",
    "When",
    "known_monitor_names",
    "load_policy",
    "most_severe",
]
