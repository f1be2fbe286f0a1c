"""Labeled trace files: the training corpus (monitors/corpus) and evaluation sets (monitors/heldout)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from azr_safe.errors import UserFacingError, first_error
from azr_safe.selfplay.sample import Role, TaskType


class InputFileError(UserFacingError):
    """A JSONL input file is missing or malformed."""

    code = "AZR040"


class EvidenceRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class LabeledTrace(BaseModel):
    """One labeled reasoning trace. Only `text` and `label` are required (the `monitor eval` format).

    Other fields a labeled set carries for its own bookkeeping (`style`, notes) are ignored; a single
    `category` and `hard_negative: true` are read as `categories` and `kind`."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        category = data.pop("category", None)
        if category and not data.get("categories"):
            data["categories"] = [category]
        if data.pop("hard_negative", False) is True and not data.get("kind"):
            data["kind"] = "hard_negative"
        return data

    id: str = Field(default="", description="Stable id within its file.")
    text: str = Field(description="The reasoning trace.")
    label: Literal["concerning", "benign"]
    categories: list[str] = Field(default_factory=list, description="Reasoning categories, if concerning.")
    role: Role | None = None
    task_type: TaskType | None = None
    kind: str = Field(default="", description="concerning | benign | hard_negative (for reporting).")
    evidence: list[EvidenceRange] = Field(default_factory=list, description="Offsets of the concerning text.")


def read_jsonl(path: Path | str) -> list[tuple[int, dict]]:
    """(line number, object) for each non-empty line; '-' is stdin. Errors name the file and line."""
    import sys

    name = str(path)
    try:
        lines = sys.stdin.read().splitlines() if name == "-" else Path(path).read_text().splitlines()
    except OSError as err:
        raise InputFileError(f"cannot read {name}: {err.strerror}") from err
    rows = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputFileError(f"{name}:{n}: not valid JSON ({err.msg})") from err
        if not isinstance(obj, dict):
            raise InputFileError(f"{name}:{n}: expected a JSON object")
        rows.append((n, obj))
    return rows


def load_labeled(path: Path | str) -> list[LabeledTrace]:
    traces = []
    for n, obj in read_jsonl(path):
        try:
            traces.append(LabeledTrace.model_validate(obj))
        except ValidationError as err:
            where, msg = first_error(err, whole="line")
            raise InputFileError(f"{path}:{n}: field {where}: {msg}") from err
    if not traces:
        raise InputFileError(f"{path}: no labeled traces")
    return traces
