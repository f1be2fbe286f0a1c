"""Redact PII before anything reaches disk: each value becomes `<ENTITY:digest>`, a salted hash.

`pii_spans` is the one entry point for detection. It uses the monitors package's presidio-based
helper when that exists; otherwise a conservative regex fallback (emails, phone numbers, IPv4,
card numbers with a Luhn check, US SSNs, API-key and token shapes). The salt stays in the run folder
(`.salt`, mode 0600), never in the records, so a digest cannot be brute-forced from the log alone.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import re
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from azr_safe.audit.records import Redaction

Span = tuple[int, int, str]  # start, end, entity

_FALLBACK_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL_ADDRESS", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")),
    ("API_KEY", re.compile(r"\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}"
                           r"|xox[abpr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b")),
    ("US_SSN", re.compile(r"\b(?!000|666)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")),
    ("CREDIT_CARD", re.compile(r"\b(?:\d[ -]?){12,18}\d\b")),
    ("PHONE_NUMBER", re.compile(r"(?<![\w.])(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b")),
    ("IP_ADDRESS", re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")),
]

# Structural keys whose string values are ids, enums or hashes, never free text.
STRUCTURAL_KEYS: frozenset[str] = frozenset({
    "event", "version", "seq", "run", "timestamp", "prev_hash", "hash", "sample_id", "step", "task_type",
    "role", "status", "monitor", "labels", "category", "field", "action", "actions", "rule_ids",
    "policy_hash", "policy_name", "rule_id", "reject_reason", "label", "pointer", "entity", "digest",
    "salt_id", "segment", "sha256", "finish_reason", "violation", "azr_safe_version", "checkpoint",
    "acknowledged_by", "author",
})


# Free-text fields: under the `redact` action these are replaced whole by their salted hash.
FREE_TEXT_KEYS: frozenset[str] = frozenset({
    "prompt", "reasoning", "answer", "program", "value", "stdout", "stderr", "text", "message", "note",
    "acknowledgement", "inputs", "outputs",
})


def _luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_DIGIT = re.compile(r"\d")
# A lone decimal such as a monitor's "0.4130459725856781" is a number, not a phone number or card:
# the recognizers see ten digits in a row. (A dotted phone number has two dots and is still scanned.)
_DECIMAL = re.compile(r"[-+]?\d*\.\d+(?:[eE][-+]?\d+)?")
_KEY_PREFIXES = ("sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "AKIA", "xox", "AIza")


def _may_contain(entity: str, text: str, has_digit: bool) -> bool:
    """Cheap prefilters: most traces have no '@' or key prefix, so their patterns need not run."""
    if entity == "EMAIL_ADDRESS":
        return "@" in text
    if entity == "API_KEY":
        return any(prefix in text for prefix in _KEY_PREFIXES)
    return has_digit


def regex_pii_spans(text: str) -> list[Span]:
    """Fallback detector: conservative regexes, card numbers only when the Luhn check passes."""
    spans: list[Span] = []
    has_digit = _DIGIT.search(text) is not None
    for entity, pattern in _FALLBACK_PATTERNS:
        if not _may_contain(entity, text, has_digit):
            continue
        for m in pattern.finditer(text):
            if entity == "CREDIT_CARD" and not _luhn_ok(re.sub(r"\D", "", m.group())):
                continue
            spans.append((m.start(), m.end(), entity))
    return _merge(spans)


def _merge(spans: list[Span]) -> list[Span]:
    """Drop spans overlapping an earlier-starting (or longer) one."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if out and span[0] < out[-1][1]:
            continue
        out.append(span)
    return out


@lru_cache(maxsize=1)
def _monitor_detector() -> Callable[..., list[tuple[str, int, int, float]]] | None:
    """The monitors' presidio analyzer, if importable: analyze(text, is_code=) -> [(entity, start, end, score)]."""
    try:
        pii = importlib.import_module("azr_safe.monitors.pii")
    except Exception:  # noqa: BLE001 - fall back to regexes rather than refuse to log
        return None
    fn = getattr(pii, "analyze", None)
    return fn if callable(fn) else None


@lru_cache(maxsize=4096)  # prompts repeat across a step's samples
def pii_spans(text: str, is_code: bool = False, use_presidio: bool = True) -> list[Span]:
    """PII spans in `text`: the regex fallback merged with the monitors' presidio findings when available."""
    spans = regex_pii_spans(text)
    detector = _monitor_detector() if use_presidio else None
    if detector is not None:
        try:
            found = detector(text, is_code=is_code)
        except Exception as err:  # noqa: BLE001 - never lose a record because the analyzer broke
            warnings.warn(f"presidio analyzer failed ({err!r}); regex-only redaction for this text", stacklevel=2)
            found = []
        spans += [(int(start), int(end), str(entity)) for entity, start, end, _ in found]
    return _merge(spans)


def digest(salt: bytes, value: str) -> str:
    """HMAC-SHA256 of the value under the run's salt, 16 hex chars (equal values stay linkable)."""
    return hmac.new(salt, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


class Redactor:
    """Replaces PII in every free-text string of a record payload, recording each redaction."""

    def __init__(self, salt: bytes, *, use_presidio: bool = True) -> None:
        self.salt = salt
        self.use_presidio = use_presidio  # False: regex-only (fast start; for tests that study the chain)

    def redact_text(self, text: str, pointer: str, out: list[Redaction]) -> str:
        """`text` with each PII span replaced by `<ENTITY:digest>` (the monitors' format)."""
        spans = pii_spans(text, pointer.endswith("/program"), self.use_presidio)
        if not spans:
            return text
        pieces, last = [], 0
        for start, end, entity in spans:
            d = digest(self.salt, text[start:end])
            pieces += [text[last:start], f"<{entity}:{d}>"]
            out.append(Redaction(pointer=pointer, entity=entity, digest=d))
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def redact_tree(self, data: Any, out: list[Redaction], *, whole: bool = False, pointer: str = "") -> Any:
        """Walk JSON data; redact PII in strings outside STRUCTURAL_KEYS. `whole` hashes FREE_TEXT_KEYS entirely."""
        if isinstance(data, dict):
            return {k: v if k in STRUCTURAL_KEYS else self._redact_item(k, v, out, whole, pointer)
                    for k, v in data.items()}
        if isinstance(data, list):
            return [self.redact_tree(v, out, whole=whole, pointer=f"{pointer}/{i}") for i, v in enumerate(data)]
        if isinstance(data, str) and data:
            if whole and pointer.rsplit("/", 1)[-1] in FREE_TEXT_KEYS:
                d = digest(self.salt, data)
                out.append(Redaction(pointer=pointer, entity="TEXT", digest=d))
                return f"<REDACTED:{d}>"
            return data if _DECIMAL.fullmatch(data) else self.redact_text(data, pointer, out)
        return data


    def _redact_item(self, key: str, value: Any, out: list[Redaction], whole: bool, pointer: str) -> Any:
        return self.redact_tree(value, out, whole=whole, pointer=f"{pointer}/{_esc(key)}")


def _esc(key: str) -> str:
    """JSON Pointer escaping (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")
