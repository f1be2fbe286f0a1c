"""The list page's filters, sort and paging, validated, and the SQL they turn into."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from azr_safe.errors import first_error
from azr_safe.policy.decision import Action
from azr_safe.review.errors import BadQueryError
from azr_safe.selfplay.sample import Role, TaskType

Label = Literal["true_positive", "false_positive", "needs_discussion"]
LABELS: tuple[Label, ...] = ("true_positive", "false_positive", "needs_discussion")
SortKey = Literal["seq", "step", "score", "severity"]
# The sort keys are columns of the `samples` table, never user text.
_SORT_COLUMNS: dict[str, str] = {"seq": "s.seq", "step": "s.step", "score": "s.score", "severity": "s.severity"}


class ListQuery(BaseModel):
    """Filters, sort and page of the flagged-sample list (from the query string)."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # frozen: hashable, so facet counts can be cached

    show: Literal["flagged", "all"] = Field(default="flagged", description="Only flagged samples, or all.")
    category: str | None = Field(default=None, max_length=100, description="A monitor label.")
    monitor: str | None = Field(default=None, max_length=100, description="A monitor's registered name.")
    action: Action | None = Field(default=None, description="The decision's winning action.")
    step: int | None = Field(default=None, ge=0, description="One training step.")
    role: Role | None = None
    task_type: TaskType | None = None
    reviewed: Literal["yes", "no"] | None = Field(default=None, description="Has a review label or not.")
    label: Label | None = Field(default=None, description="The latest review label.")
    sort: SortKey = "seq"
    order: Literal["asc", "desc"] = "asc"
    page: int = Field(default=1, ge=1, le=1_000_000)
    per_page: int = Field(default=50, ge=1, le=500)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @classmethod
    def from_params(cls, params: dict[str, str], default_per_page: int = 50) -> ListQuery:
        """Validate query-string parameters; a bad one raises `BadQueryError` naming it."""
        data: dict[str, Any] = {"per_page": default_per_page, **params}
        data = {k: v for k, v in data.items() if v is not None and v != ""}
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            where, msg = first_error(err, whole="query")
            raise BadQueryError(f"bad parameter {where!r}: {msg}") from None

    def params(self, **override: Any) -> dict[str, str]:
        """The non-default parameters, for links that keep the current filters."""
        merged = {**self.model_dump(exclude_defaults=True), **override}
        return {k: str(v) for k, v in merged.items() if v is not None}

    def filters_only(self) -> dict[str, str]:
        """Parameters that select rows (no sort or page), for detail-page links."""
        return {k: v for k, v in self.params().items() if k not in ("page", "per_page")}


def where_clause(q: ListQuery, skip: str | None = None) -> tuple[str, list[Any]]:
    """SQL WHERE over `samples s` for every filter except `skip` (used for facet counts)."""
    parts: list[str] = []
    args: list[Any] = []
    if q.show == "flagged":
        parts.append("s.flagged = 1")
    for name in ("action", "step", "role", "task_type"):
        value = getattr(q, name)
        if value is not None and name != skip:
            parts.append(f"s.{name} = ?")
            args.append(value)
    flag_parts, flag_args = _flag_conditions(q, skip)
    if flag_parts:
        parts.append(f"EXISTS (SELECT 1 FROM flags f WHERE f.seq = s.seq AND {' AND '.join(flag_parts)})")
        args.extend(flag_args)
    if q.reviewed is not None and skip != "reviewed":
        neg = "" if q.reviewed == "yes" else "NOT "
        parts.append(f"{neg}EXISTS (SELECT 1 FROM current_label c WHERE c.target_seq = s.audit_seq)")
    if q.label is not None and skip != "label":
        parts.append("EXISTS (SELECT 1 FROM current_label c WHERE c.target_seq = s.audit_seq AND c.label = ?)")
        args.append(q.label)
    return (" AND ".join(parts) or "1"), args


def _flag_conditions(q: ListQuery, skip: str | None) -> tuple[list[str], list[Any]]:
    parts, args = [], []
    if q.category is not None and skip != "category":
        parts.append("f.category = ?")
        args.append(q.category)
    if q.monitor is not None and skip != "monitor":
        parts.append("f.monitor = ?")
        args.append(q.monitor)
    return parts, args


def order_clause(q: ListQuery, reverse: bool = False) -> str:
    """ORDER BY the sort key, ties broken by log order, in the page's direction (or reversed)."""
    desc = (q.order == "desc") != reverse
    direction = "DESC" if desc else "ASC"
    column = _SORT_COLUMNS[q.sort]
    return f"{column} {direction}, s.seq {direction}"


def after_clause(q: ListQuery, key: Any, seq: int, reverse: bool = False) -> tuple[str, list[Any]]:
    """Rows strictly after (key, seq) in the page's order (or before, if `reverse`). Keys are never NULL."""
    forward = (q.order == "asc") != reverse
    op = ">" if forward else "<"
    column = _SORT_COLUMNS[q.sort]
    return f"({column} {op} ? OR ({column} = ? AND s.seq {op} ?))", [key, key, seq]
