"""What crosses the boundary: strictly typed records built from the worker's JSON, never pickles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from azr_safe.selfplay.sample import ExecutionRecord

Status = Literal["ok", "error", "timeout", "memory_limit", "output_limit", "violation"]


class ExecResult(BaseModel):
    """One call (or one bare run of a program) in the jail."""

    model_config = ConfigDict(extra="forbid")

    status: Status = Field(description="What happened; `ok` only if the call returned a value.")
    value: str | None = Field(default=None, description="repr of the call's result.")
    literal: Any = Field(default=None, description="Strictly typed JSON tree of the value if it is a literal, else None.")
    stdout: str = Field(default="", description="Captured stdout, capped.")
    stderr: str = Field(default="", description="Captured stderr or traceback, capped.")
    violation: str | None = Field(default=None, description="Name of the syscall the seccomp layer trapped.")
    duration_s: float = Field(default=0.0, description="Seconds the call took inside the child.")

    def to_record(self) -> ExecutionRecord:
        # Imported here: `azr_safe.selfplay` pulls in torch, and the jail must load without it
        # (workers start before torch; `azr-safe sandbox` stays fast).
        from azr_safe.selfplay.sample import ExecutionRecord

        return ExecutionRecord(
            status=self.status, value=self.value, stdout=self.stdout, stderr=self.stderr,
            violation=self.violation, duration_s=self.duration_s,
        )


class CheckResult(BaseModel):
    """A verdict decided from literal data; the trainer only reads `passed` and `reason`."""

    model_config = ConfigDict(extra="forbid")

    passed: bool
    reason: str = Field(description="'match', or why not: 'mismatch', 'not a literal', a status, ...")
    results: list[ExecResult] = Field(default_factory=list, description="The jail runs this verdict used.")


class Job(BaseModel):
    """One program and the calls to evaluate after its definitions, all in ONE child."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Program source.")
    calls: list[str] = Field(default_factory=list, description="Expressions evaluated after the code, e.g. 'f(3)'.")
    timeout_s: float | None = Field(default=None, gt=0, le=600, description="Per call; default from JailConfig.")
    memory_mb: int | None = Field(default=None, ge=16, le=65536, description="Default from JailConfig.")


class Layer(BaseModel):
    """One isolation layer as probed on this machine."""

    model_config = ConfigDict(extra="forbid")

    name: str
    active: bool
    detail: str = Field(description="What is in place, or why the layer is not.")


class LayerReport(BaseModel):
    """`jail.layers`: what protects programs on this machine."""

    model_config = ConfigDict(extra="forbid")

    layers: list[Layer]
    unsafe_no_jail: bool = False

    def active(self, name: str) -> bool:
        return any(layer.name == name and layer.active for layer in self.layers)

    def __getitem__(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)
