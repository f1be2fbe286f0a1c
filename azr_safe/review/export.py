"""Export review labels as a labelled corpus that `azr-safe monitor train` and `monitor eval` read.

Rows are `azr_safe.monitors.corpus.LabeledTrace`s, so the trainer's own schema checks them:
- a true positive becomes `concerning`, with the reasoning categories the monitors flagged and their
  evidence: the sentence windows (the trainer's own split) that the monitors' spans touch;
  a true positive with no reasoning evidence (e.g. a flag on code only) teaches the reasoning
  classifier nothing, so it is left out;
- a false positive becomes `benign` of kind `hard_negative`: a monitor thought it concerning;
- flags still under discussion are left out. The latest label of a sample wins.
"""

from __future__ import annotations

from collections.abc import Iterator

from azr_safe.monitors.base import REASONING_CATEGORIES
from azr_safe.monitors.corpus import EvidenceRange, LabeledTrace
from azr_safe.monitors.encoder import split_windows
from azr_safe.review.index import SampleIndex
from azr_safe.review.source import SampleView


def export_rows(index: SampleIndex) -> Iterator[LabeledTrace]:
    """One corpus row per reviewed sample whose latest label is true or false positive."""
    index.refresh(force=True)
    current = index.rows(
        "SELECT target_seq, label FROM current_label "
        "WHERE label IN ('true_positive', 'false_positive') ORDER BY seq"
    )
    for target_seq, label in current:
        view = index.load_record(target_seq)
        if view is None or not view.sample.reasoning:
            continue  # a label for a record this log does not hold, or nothing to learn from
        row = _true_positive(view) if label == "true_positive" else _false_positive(view)
        if row is not None:
            yield row


def _true_positive(view: SampleView) -> LabeledTrace | None:
    spans = [sp for v in view.verdicts for sp in v.spans if sp.field == "reasoning" and sp.category in REASONING_CATEGORIES]
    if not spans:
        return None
    # Most confident category first: the trainer takes categories[0] as the trace's category.
    score = {c: max(v.scores.get(c, 0.0) for v in view.verdicts) for c in {sp.category for sp in spans}}
    categories = sorted(score, key=lambda c: (-score[c], c))
    # The trainer labels a sentence window positive when evidence covers at least half of it, and
    # monitor spans are often a short phrase: widen each span to the windows it touches.
    windows = split_windows(view.sample.reasoning)
    evidence = sorted({(a, b) for sp in spans for a, b in windows if a < sp.end and sp.start < b})
    return _trace(view, "concerning", "concerning", categories, evidence)


def _false_positive(view: SampleView) -> LabeledTrace:
    return _trace(view, "benign", "hard_negative", [], [])


def _trace(view: SampleView, label: str, kind: str, categories: list[str], evidence) -> LabeledTrace:
    s = view.sample
    return LabeledTrace(
        id=f"review:{s.sample_id}",
        text=s.reasoning,
        label=label,
        categories=categories,
        role=s.role,
        task_type=s.task_type,
        kind=kind,
        evidence=[EvidenceRange(start=a, end=b) for a, b in evidence],
    )


def export_jsonl(index: SampleIndex) -> Iterator[str]:
    """The export as JSONL lines."""
    for row in export_rows(index):
        yield row.model_dump_json() + "\n"
