"""Writing review labels: the only thing the review app ever writes, through the audit API."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.review.query import Label

MAX_NOTE_CHARS = 4000


class LabelForm(BaseModel):
    """A submitted label, validated before anything is appended."""

    model_config = ConfigDict(extra="forbid")

    label: Label = Field(description="true_positive, false_positive or needs_discussion.")
    note: str = Field(default="", max_length=MAX_NOTE_CHARS, description="Free text; stored as typed.")
    reviewer: str = Field(default="", max_length=100, description="Who labelled it.")


def append_label(run_dir: Path, target_seq: int, sample_id: str, form: LabelForm, default_reviewer: str) -> int:
    """Append one hash-chained `review_label` record for the sample at audit seq `target_seq`.

    The audit writer takes the log's lock, so labelling during a live run interleaves safely with
    the trainer's appends, and it redacts PII in the note like any other text. The caller found the
    target in its index, so we skip `append_review_label`'s own lookup (a full scan of the log).
    Returns the new record's seq.
    """
    from azr_safe.audit import AuditLog, ReviewLabel

    author = form.reviewer.strip() or default_reviewer or "reviewer"
    record = ReviewLabel(target_seq=target_seq, sample_id=sample_id, label=form.label, author=author, note=form.note)
    with AuditLog(run_dir) as log:
        sealed = log.append(record)
        log.sync()
    return sealed.seq
