"""List pages, facet counts and previous/next links over the index."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from azr_safe.review.index import SampleIndex
from azr_safe.review.query import ListQuery, after_clause, order_clause, where_clause

_LIST_COLUMNS = (
    "s.seq, s.sample_id, s.step, s.role, s.task_type, s.action, s.rules, s.categories, s.score, "
    "s.excerpt, s.exec_status, s.violation, c.label AS review_label"
)
_FROM = "FROM samples s LEFT JOIN current_label c ON c.target_seq = s.audit_seq"


class ListPage(NamedTuple):
    """One page of the list and what the page header needs."""

    rows: list[sqlite3.Row]
    total: int
    pages: int


class Facet(NamedTuple):
    """Counts of one facet's values under the other filters."""

    name: str
    counts: list[tuple[str, int]]


def list_page(index: SampleIndex, q: ListQuery) -> ListPage:
    """The rows of page `q.page`, using the indexes for order and OFFSET for the page."""
    where, args = where_clause(q)
    total = index.rows(f"SELECT COUNT(*) FROM samples s WHERE {where}", args)[0][0]
    offset = (q.page - 1) * q.per_page
    rows = index.rows(
        f"SELECT {_LIST_COLUMNS} {_FROM} WHERE {where} ORDER BY {order_clause(q)} LIMIT ? OFFSET ?",
        [*args, q.per_page, offset],
    )
    return ListPage(rows, total, max(1, -(-total // q.per_page)))


def facets(index: SampleIndex, q: ListQuery) -> list[Facet]:
    """Counts per category, monitor, action, role and task type, each under the other filters."""
    key = q.model_copy(update={"page": 1, "sort": "seq", "order": "asc", "per_page": 50})
    return index.memo(("facets", key), lambda: _facets(index, key))


_FLAG_FACETS = ("category", "monitor")
_SAMPLE_FACETS = ("action", "role", "task_type")


def _facets(index: SampleIndex, q: ListQuery) -> list[Facet]:
    """A facet's counts ignore its own filter. Facets whose filter is unset all share the page's
    WHERE, so they are counted together: one query for the sample facets, one for the flag facets."""
    counts: dict[str, dict[str, int]] = {}
    shared = [n for n in _SAMPLE_FACETS if getattr(q, n) is None]
    if shared:
        counts.update(_sample_counts(index, q, shared, skip=None))
    for name in (n for n in _SAMPLE_FACETS if n not in shared):
        counts.update(_sample_counts(index, q, [name], skip=name))
    shared = [n for n in _FLAG_FACETS if getattr(q, n) is None]
    if shared:
        counts.update(_flag_counts(index, q, shared, skip=None))
    for name in (n for n in _FLAG_FACETS if n not in shared):
        counts.update(_flag_counts(index, q, [name], skip=name))
    return [
        Facet(name, sorted(counts[name].items(), key=lambda kv: (-kv[1], str(kv[0]))))
        for name in (*_FLAG_FACETS, *_SAMPLE_FACETS)
    ]


def _sample_counts(index: SampleIndex, q: ListQuery, names: list[str], skip: str | None) -> dict[str, dict[str, int]]:
    where, args = where_clause(q, skip=skip)
    cols = ", ".join(f"s.{n}" for n in names)  # names are ours (_SAMPLE_FACETS), never user text
    out: dict[str, dict[str, int]] = {n: {} for n in names}
    for *values, n in index.rows(f"SELECT {cols}, COUNT(*) FROM samples s WHERE {where} GROUP BY {cols}", args):
        for name, value in zip(names, values):
            out[name][value] = out[name].get(value, 0) + n
    return out


def _flag_counts(index: SampleIndex, q: ListQuery, names: list[str], skip: str | None) -> dict[str, dict[str, int]]:
    """Samples (not flags) per value: one sample flagged twice in a category counts once."""
    where, args = where_clause(q, skip=skip)
    cols = ", ".join(f"f.{n}" for n in names)
    seen: dict[str, dict[str, set[int]]] = {n: {} for n in names}
    for seq, *values in index.rows(f"SELECT f.seq, {cols} FROM flags f JOIN samples s ON s.seq = f.seq WHERE {where}", args):
        for name, value in zip(names, values):
            seen[name].setdefault(value, set()).add(seq)
    return {name: {v: len(seqs) for v, seqs in by_value.items()} for name, by_value in seen.items()}


def neighbours(index: SampleIndex, q: ListQuery, seq: int) -> tuple[str | None, str | None]:
    """Sample ids before and after `seq` in the list's filter and order (None at either end)."""
    key_column = {"seq": "seq", "step": "step", "score": "score", "severity": "severity"}[q.sort]
    row = index.rows(f"SELECT {key_column} FROM samples WHERE seq = ?", [seq])
    if not row:
        return None, None
    key = row[0][0]
    where, args = where_clause(q)
    found: list[str | None] = []
    for reverse in (True, False):
        cond, cargs = after_clause(q, key, seq, reverse=reverse)
        hit = index.rows(
            f"SELECT s.sample_id FROM samples s WHERE {where} AND {cond} ORDER BY {order_clause(q, reverse)} LIMIT 1",
            [*args, *cargs],
        )
        found.append(hit[0][0] if hit else None)
    return found[0], found[1]
