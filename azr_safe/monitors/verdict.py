"""What a monitor returns. Monitors judge; the policy decides what happens."""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.selfplay.sample import Sample

Field_ = Literal["reasoning", "answer", "program", "stdout", "stderr"]


class Span(BaseModel):
    """Evidence: a character range in one text field of the sample."""

    model_config = ConfigDict(extra="forbid")

    field: Field_
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    category: str
    text: str = ""


class Verdict(BaseModel):
    """One monitor's judgement of one sample."""

    model_config = ConfigDict(extra="forbid")

    monitor: str = Field(description="Registered name, as the policy refers to it.")
    scores: dict[str, float] = Field(default_factory=dict, description="Category -> score in [0, 1].")
    labels: list[str] = Field(default_factory=list, description="Categories over threshold.")
    spans: list[Span] = Field(default_factory=list)
    flagged: bool = False
    details: dict[str, str] = Field(
        default_factory=dict,
        description="Monitor-specific context for reviewers (head version, violated rule, ...).",
    )


class Monitor(Protocol):
    """A named monitor. `check_batch` lets learned monitors batch their encoder."""

    name: str

    def check(self, sample: Sample) -> Verdict: ...

    def check_batch(self, samples: list[Sample]) -> list[Verdict]: ...
