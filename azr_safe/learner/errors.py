"""The learner's user-facing errors (torch-free, so the CLI can raise them before the jail starts)."""

from __future__ import annotations

from azr_safe.errors import UserFacingError


class CheckpointError(UserFacingError):
    """A checkpoint is missing, unreadable or belongs to another config."""

    code = "AZR010"


class HaltNotAcknowledgedError(UserFacingError):
    """The run halted on a policy rule; resuming needs an explicit acknowledgement."""

    code = "AZR011"
