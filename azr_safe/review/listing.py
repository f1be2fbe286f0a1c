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


def _facets(index: SampleIndex, q: ListQuery) -> list[Facet]:
    out = []
    for name in ("category", "monitor"):
        where, args = where_clause(q, skip=name)
        rows = index.rows(
            f"SELECT f.{name}, COUNT(DISTINCT f.seq) FROM flags f JOIN samples s ON s.seq = f.seq "
            f"WHERE {where} GROUP BY f.{name} ORDER BY 2 DESC, 1",
            args,
        )
        out.append(Facet(name, [(r[0], r[1]) for r in rows]))
    for name in ("action", "role", "task_type"):
        where, args = where_clause(q, skip=name)
        rows = index.rows(f"SELECT s.{name}, COUNT(*) FROM samples s WHERE {where} GROUP BY 1 ORDER BY 2 DESC", args)
        out.append(Facet(name, [(r[0], r[1]) for r in rows]))
    return out


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
