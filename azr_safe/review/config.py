"""Server settings with safe defaults: loopback only, and a token whenever it is exposed."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from azr_safe.review.errors import ReviewExposureError

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
MIN_TOKEN_CHARS = 16
TOKEN_ENV = "AZR_SAFE_REVIEW_TOKEN"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the name `localhost`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ReviewConfig(BaseModel):
    """How `azr-safe review` serves one run directory."""

    model_config = ConfigDict(extra="forbid")

    run_dir: Path = Field(description="The run's audit-log folder, e.g. audit_logs/<run>.")
    host: str = Field(default="127.0.0.1", description="Address to bind; loopback unless a token is set.")
    port: int = Field(default=8765, ge=0, le=65535, description="TCP port; 0 picks a free one.")
    token: str | None = Field(default=None, description="Shared secret required on every request when set.")
    reviewer: str = Field(default="", description="Default reviewer name written into review labels.")
    page_size: int = Field(default=50, ge=1, le=500, description="Rows per list page unless ?per_page= asks.")
    refresh_interval_s: float = Field(
        default=1.0, ge=0.0, description="Minimum seconds between checks for newly appended records."
    )

    @model_validator(mode="after")
    def _exposure_needs_token(self) -> ReviewConfig:
        if self.token is not None and len(self.token) < MIN_TOKEN_CHARS:
            raise ReviewExposureError(
                f"--token is {len(self.token)} characters; at least {MIN_TOKEN_CHARS} are required",
                hint='generate one with: python -c "import secrets; print(secrets.token_urlsafe(24))"',
            )
        if not is_loopback(self.host) and self.token is None:
            raise ReviewExposureError(
                f"refusing to serve reviews on {self.host!r} without a token: anyone who can reach it "
                "could read traces and write labels",
                hint=f"bind 127.0.0.1 (the default), or pass --token / set ${TOKEN_ENV}",
            )
        return self

    @property
    def allowed_hosts(self) -> list[str]:
        """Host headers accepted: loopback names only when unauthenticated (defeats DNS rebinding)."""
        if self.token is not None:
            return ["*"]
        return [*LOOPBACK_NAMES, "[::1]"]


def token_from_env() -> str | None:
    """The token from the environment, so it need not appear in the process list."""
    return os.environ.get(TOKEN_ENV) or None
