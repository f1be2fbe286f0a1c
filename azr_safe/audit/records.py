"""Audit records: a versioned, tagged union on `event`, each sealed into a sha256 hash chain.

The hash covers the record's canonical JSON without its own `hash` field (sorted keys, no spaces,
UTF-8, no NaN). Each record carries the previous record's hash; the first carries GENESIS_HASH.
design/audit-log.md has the field-by-field table.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from azr_safe.monitors.verdict import Verdict
from azr_safe.policy.decision import Decision
from azr_safe.selfplay.sample import Sample

RECORD_VERSION = 1
GENESIS_HASH = "0" * 64
UNSEALED = ""


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def canonical_json(data: Any) -> str:
    """The byte-exact form every record line is written in (and its hash is computed over)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def record_hash(data: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of `data` without its `hash` field."""
    body = {k: v for k, v in data.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


class Redaction(BaseModel):
    """One value removed before writing: where it was, what it was, and its salted hash."""

    model_config = ConfigDict(extra="forbid")

    pointer: str = Field(description="JSON Pointer of the text field that contained it, e.g. /sample/reasoning.")
    entity: str = Field(description="EMAIL_ADDRESS, PHONE_NUMBER, API_KEY, ... or TEXT for a whole field.")
    digest: str = Field(description="HMAC-SHA256(run salt, value), hex, first 16 chars.")


class _Envelope(BaseModel):
    """Fields every record has. The log fills seq, run, timestamp, prev_hash and hash when sealing."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = Field(default=RECORD_VERSION, description="Record schema version.")
    seq: int = Field(default=-1, description="0-based position in the run's chain.")
    run: str = Field(default="", description="Run name (the log folder's name).")
    timestamp: AwareDatetime = Field(default_factory=utc_now, description="UTC time of writing.")
    prev_hash: str = Field(default=UNSEALED, description="hash of record seq-1; GENESIS_HASH for seq 0.")
    hash: str = Field(default=UNSEALED, description="sha256 of this record's canonical JSON without `hash`.")
    redactions: list[Redaction] = Field(
        default_factory=list, description="Values removed from this record before writing, and where."
    )

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class RunStart(_Envelope):
    """The run began (or a log was opened for it), with its full config."""

    event: Literal["run_start"] = "run_start"
    config: dict[str, Any] = Field(default_factory=dict, description="The run's config, as JSON.")
    policy_name: str | None = None
    policy_hash: str | None = Field(default=None, description="sha256 of the policy file.")
    salt_id: str = Field(default="", description="sha256 of the redaction salt, first 16 chars.")
    azr_safe_version: str = ""


class SampleEvent(_Envelope):
    """One screened sample: its (redacted) text, execution results, verdicts and decision."""

    event: Literal["sample"] = "sample"
    step: int
    sample: Sample = Field(description="The sample, PII replaced by salted hashes.")
    verdicts: list[Verdict] = Field(default_factory=list)
    decision: Decision = Field(description="What the policy decided, with its hash and rule ids.")


class StepEnd(_Envelope):
    """A training step finished; the log is fsync'd here."""

    event: Literal["step_end"] = "step_end"
    step: int
    n_samples: int = 0
    metrics: dict[str, float] = Field(default_factory=dict)
    checkpoint: str | None = None


class Halt(_Envelope):
    """The policy halted the run."""

    event: Literal["halt"] = "halt"
    step: int
    rule_id: str
    sample_id: str
    message: str = ""
    checkpoint: str | None = Field(default=None, description="Checkpoint saved at the halt.")


class Resume(_Envelope):
    """A halted run was resumed after an explicit acknowledgement."""

    event: Literal["resume"] = "resume"
    step: int
    acknowledged_by: str = Field(min_length=1, description="Who acknowledged the halt.")
    acknowledgement: str = Field(min_length=1, description="Their statement, verbatim (redacted).")
    halt_seq: int | None = Field(default=None, description="seq of the halt record acknowledged.")
    checkpoint: str | None = None
    superseded_from_seq: int | None = Field(
        default=None, ge=0,
        description="Records from this seq up to this resume belong to an abandoned attempt (the checkpoint's "
        "position.records); readers that re-decide samples skip them.",
    )


class ReviewLabel(_Envelope):
    """A reviewer's label on a sample record; appended, never edited in place."""

    event: Literal["review_label"] = "review_label"
    target_seq: int = Field(ge=0, description="seq of the labelled sample record.")
    sample_id: str = ""
    label: str = Field(min_length=1, description="e.g. concerning, benign, false_positive.")
    author: str = Field(min_length=1)
    note: str = ""


class Recovery(_Envelope):
    """Opening a log found a torn tail (a crash mid-write); the bytes stay in place, described here."""

    event: Literal["recovery"] = "recovery"
    segment: str = Field(description="Segment file with the torn tail.")
    offset: int = Field(ge=0, description="Byte offset where the torn bytes start.")
    length: int = Field(ge=1, description="Number of torn bytes.")
    sha256: str = Field(description="sha256 of the torn bytes.")


class RunEnd(_Envelope):
    """The run ended normally or by a halt."""

    event: Literal["run_end"] = "run_end"
    status: Literal["completed", "halted", "failed"] = "completed"
    steps: int = 0


AuditRecord = Annotated[
    RunStart | SampleEvent | StepEnd | Halt | Resume | ReviewLabel | Recovery | RunEnd,
    Field(discriminator="event"),
]
EVENTS: tuple[str, ...] = (
    "run_start", "sample", "step_end", "halt", "resume", "review_label", "recovery", "run_end",
)
# Records after which the log is fsync'd and HEAD advanced.
SYNC_EVENTS: frozenset[str] = frozenset({"run_start", "step_end", "halt", "resume", "recovery", "run_end"})
record_adapter: TypeAdapter[AuditRecord] = TypeAdapter(AuditRecord)


def parse_record(data: dict[str, Any]) -> AuditRecord:
    """Validate a decoded line into its record type."""
    return record_adapter.validate_python(data)
