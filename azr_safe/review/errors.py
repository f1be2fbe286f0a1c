"""Errors the review server shows as one line (CLI) or one JSON/HTML error (web)."""

from __future__ import annotations

from azr_safe.errors import ConfigError, UserFacingError


class ReviewExposureError(ConfigError):
    """Refused to bind a non-loopback address without a token (or with a weak one)."""

    code = "AZR061"


class RunNotFoundError(UserFacingError):
    """The run directory does not exist or holds no audit log."""

    code = "AZR062"


class BadQueryError(UserFacingError):
    """A filter, sort or page parameter of a request is invalid."""

    code = "AZR063"
