"""The hash-chained, append-only audit log: records, writer, reader, verifier, export."""

from azr_safe.audit.export import export_log
from azr_safe.audit.log import AuditLog, Position
from azr_safe.audit.reader import get_record, is_flagged, iter_records, review_labels, surviving_samples
from azr_safe.audit.records import (
    EVENTS,
    GENESIS_HASH,
    AuditRecord,
    Halt,
    Recovery,
    Redaction,
    Resume,
    ReviewLabel,
    RunEnd,
    RunStart,
    SampleEvent,
    StepEnd,
    parse_record,
)
from azr_safe.audit.redact import pii_spans
from azr_safe.audit.verify import AuditError, VerifyReport, verify_log

__all__ = [
    "EVENTS",
    "GENESIS_HASH",
    "AuditError",
    "AuditLog",
    "AuditRecord",
    "Halt",
    "Position",
    "Recovery",
    "Redaction",
    "Resume",
    "ReviewLabel",
    "RunEnd",
    "RunStart",
    "SampleEvent",
    "StepEnd",
    "VerifyReport",
    "export_log",
    "get_record",
    "is_flagged",
    "iter_records",
    "parse_record",
    "pii_spans",
    "review_labels",
    "surviving_samples",
    "verify_log",
]
