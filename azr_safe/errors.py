"""Errors that the CLI shows to users as one line, without a traceback."""

from __future__ import annotations

from typing import Any


class UserFacingError(Exception):
    """A problem with the user's input or setup. `code` is stable and documented."""

    code: str = "AZR000"
    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:  # one line, with the fix when we know it
        base = super().__str__()
        return f"{base} (hint: {self.hint})" if self.hint else base


class ConfigError(UserFacingError):
    """A config, policy or profile file is invalid."""

    code = "AZR001"


class JailUnavailableError(UserFacingError):
    """The jail could not be set up, and running unjailed was not explicitly allowed."""

    code = "AZR002"
    exit_code = 3


class ModelNotFoundError(UserFacingError):
    """A model folder or embedded model package is missing; nothing is downloaded."""

    code = "AZR003"


def first_error(err: Any, *, whole: str) -> tuple[str, str]:
    """(dotted field path, message) of a pydantic ValidationError's first error; `whole` if it has no path."""
    first = err.errors()[0]
    return ".".join(str(p) for p in first["loc"]) or whole, first["msg"]
