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


def append_label(run_dir: Path, target_seq: int, form: LabelForm, default_reviewer: str) -> int:
    """Append one hash-chained `review_label` record for the sample at audit seq `target_seq`.

    The audit writer takes the log's lock, so labelling during a live run interleaves safely with
    the trainer's appends. Returns the new record's seq.
    """
    from azr_safe.audit.log import AuditLog

    author = form.reviewer.strip() or default_reviewer or "reviewer"
    with AuditLog(run_dir) as log:
        sealed = log.append_review_label(target_seq, form.label, author=author, note=form.note)
    return sealed.seq
