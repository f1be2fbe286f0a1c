"""Export review labels as a labelled corpus that `azr-safe monitor train` and `monitor eval` read.

A true positive becomes a `concerning` example with the categories the monitors flagged; a false
positive becomes a `benign` one (a hard negative: a monitor thought it was concerning). Flags
still under discussion are left out. The latest label of a sample wins.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from azr_safe.review.index import SampleIndex

_CORPUS_LABEL = {"true_positive": "concerning", "false_positive": "benign"}


def export_rows(index: SampleIndex) -> Iterator[dict]:
    """One corpus row per reviewed sample whose latest label is true or false positive."""
    index.refresh(force=True)
    current = index.rows(
        "SELECT c.sample_id, c.label, l.note, l.reviewer FROM current_label c "
        "JOIN labels l ON l.seq = c.seq WHERE c.label IN ('true_positive', 'false_positive') ORDER BY c.seq"
    )
    for sample_id, label, note, reviewer in current:
        loaded = index.load_sample(sample_id)
        if loaded is None:
            continue  # a label for a sample this log does not hold
        view = loaded[1]
        s = view.sample
        text = s.reasoning or s.answer
        if not text:
            continue
        categories = sorted({c for v in view.verdicts for c in v.labels})
        yield {
            "text": text,
            "label": _CORPUS_LABEL[label],
            "categories": categories if label == "true_positive" else [],
            "role": s.role,
            "task_type": s.task_type,
            "source": f"review:{sample_id}",
            "note": note or "",
            "reviewer": reviewer or "",
        }


def export_jsonl(index: SampleIndex) -> Iterator[str]:
    """The export as JSONL lines."""
    for row in export_rows(index):
        yield json.dumps(row, ensure_ascii=False) + "\n"
