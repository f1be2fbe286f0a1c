"""Everything the detail page shows about one sample, with model text made safe."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from azr_safe.monitors.verdict import Verdict
from azr_safe.review import listing
from azr_safe.review.attributions import AttributionCache
from azr_safe.review.highlight import Mark, attribution_marks, category_class, highlight
from azr_safe.review.index import SampleIndex
from azr_safe.review.query import ListQuery
from azr_safe.review.source import SampleView

_TEXT_FIELDS = ("reasoning", "answer", "program")


def detail_context(index: SampleIndex, cache: AttributionCache, sample_id: str, q: ListQuery) -> dict[str, Any] | None:
    """Template context for one sample, or None if the run has no such sample."""
    loaded = index.load_sample(sample_id)
    if loaded is None:
        return None
    row, view = loaded
    categories = sorted({sp.category for v in view.verdicts for sp in v.spans} | {c for v in view.verdicts for c in v.labels})
    prev_id, next_id = listing.neighbours(index, q, row["seq"])
    attribution = cache.state(sample_id)
    return {
        "view": view,
        "sample": view.sample,
        "row": row,
        "fields": _highlighted_fields(view, categories, attribution.tokens),
        "executions": _executions(view, categories),
        "verdicts": _verdict_rows(view.verdicts),
        "categories": [(c, category_class(c, categories)) for c in categories],
        "decision": view.decision,
        "history": index.labels_for(view.audit_seq),
        "prev_id": prev_id,
        "next_id": next_id,
        "filters": urlencode(q.filters_only()),
        "attribution": attribution,
    }


def _marks_for(view: SampleView, field: str, categories: list[str]) -> list[Mark]:
    return [
        Mark(sp.start, sp.end, category_class(sp.category, categories), f"{v.monitor}: {sp.category}")
        for v in view.verdicts
        for sp in v.spans
        if sp.field == field
    ]


def _highlighted_fields(view: SampleView, categories: list[str], tokens) -> list[tuple[str, Markup, int]]:
    """(field name, highlighted HTML, evidence count) for each non-empty text field."""
    s = view.sample
    out = []
    for field in _TEXT_FIELDS:
        text = getattr(s, field) or ""
        if not text:
            continue
        marks = _marks_for(view, field, categories)
        if field == "reasoning" and tokens:
            marks = attribution_marks(tokens) + marks
        out.append((field, highlight(text, marks), len(_marks_for(view, field, categories))))
    return out


def _executions(view: SampleView, categories: list[str]) -> list[dict[str, Any]]:
    """Each jail run; evidence spans on stdout/stderr refer to the first run."""
    runs = []
    for i, e in enumerate(view.sample.executions):
        marks = {f: _marks_for(view, f, categories) if i == 0 else [] for f in ("stdout", "stderr")}
        runs.append({
            "run": e,
            "stdout": highlight(e.stdout, marks["stdout"]),
            "stderr": highlight(e.stderr, marks["stderr"]),
        })  # fmt: skip
    return runs


def _verdict_rows(verdicts: list[Verdict]) -> list[dict[str, Any]]:
    return [
        {
            "monitor": v.monitor,
            "flagged": v.flagged,
            "labels": v.labels,
            "scores": sorted(v.scores.items(), key=lambda kv: -kv[1]),
            "spans": len(v.spans),
        }
        for v in verdicts
    ]
