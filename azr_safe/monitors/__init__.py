"""Monitors: read every reasoning trace, program and execution; return verdicts (the policy decides)."""

from azr_safe.monitors.base import REASONING_CATEGORIES, monitors_dir
from azr_safe.monitors.registry import (
    DEFAULT_MONITORS,
    MonitorSuite,
    build_monitor_suite,
    register,
    registered_monitors,
)
from azr_safe.monitors.verdict import Monitor, Span, Verdict


def redact(text: str, **kwargs):  # noqa: ANN003, ANN201 - lazy: presidio loads on first use
    """Replace PII and secrets with salted hashes: `(redacted_text, findings)`. See monitors.pii.redact."""
    from azr_safe.monitors.pii import redact as _redact

    return _redact(text, **kwargs)


def explain(text: str, **kwargs):  # noqa: ANN003, ANN201 - lazy: loads MiniLM and captum
    """Token attributions of the classifier for the top windows of `text` (for the review page)."""
    from azr_safe.monitors.attributions import explain as _explain

    return _explain(text, **kwargs)


__all__ = [
    "DEFAULT_MONITORS",
    "REASONING_CATEGORIES",
    "Monitor",
    "MonitorSuite",
    "Span",
    "Verdict",
    "build_monitor_suite",
    "explain",
    "monitors_dir",
    "redact",
    "register",
    "registered_monitors",
]
