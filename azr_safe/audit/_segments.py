"""Low-level layout of a run's audit folder: numbered JSONL segments, HEAD.json, .salt, .lock."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azr_safe.durable import fsync_dir

SEGMENT_RE = re.compile(r"^segment-(\d{6})\.jsonl$")
HEAD_NAME = "HEAD.json"
SALT_NAME = ".salt"
LOCK_NAME = ".lock"


def segment_name(number: int) -> str:
    """File name of segment `number` (1-based)."""
    return f"segment-{number:06d}.jsonl"


def list_segments(run_dir: Path) -> list[tuple[int, Path]]:
    """(number, path) of every segment file, sorted by number."""
    found = []
    for path in run_dir.iterdir():
        m = SEGMENT_RE.match(path.name)
        if m and path.is_file():
            found.append((int(m.group(1)), path))
    return sorted(found)


@dataclass(frozen=True)
class Line:
    """One complete (newline-terminated) line of a segment."""

    segment: str
    number: int  # 1-based line number within the segment
    offset: int  # byte offset of the line's start
    raw: bytes  # without the trailing newline


@dataclass(frozen=True)
class Torn:
    """Bytes after a segment's last newline: a record whose write did not complete."""

    segment: str
    offset: int
    data: bytes


def read_segment(path: Path) -> tuple[list[Line], Torn | None]:
    """Split a segment into complete lines and a torn tail (if any)."""
    data = path.read_bytes()
    lines, offset, number = [], 0, 0
    while offset < len(data):
        end = data.find(b"\n", offset)
        if end < 0:
            return lines, Torn(path.name, offset, data[offset:])
        number += 1
        lines.append(Line(path.name, number, offset, data[offset:end]))
        offset = end + 1
    return lines, None


def iter_lines(run_dir: Path) -> Iterator[Line | Torn]:
    """Every complete line of every segment in order, with torn tails where they occur."""
    for _, path in list_segments(run_dir):
        lines, torn = read_segment(path)
        yield from lines
        if torn is not None:
            yield torn


def write_head(run_dir: Path, head: dict[str, Any]) -> None:
    """Atomically replace HEAD.json (write a temp file, fsync, rename, fsync the folder)."""
    tmp = run_dir / f".{HEAD_NAME}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(head_bytes(head).decode("utf-8"))  # canonical: any edit, even of whitespace, shows
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, run_dir / HEAD_NAME)
    fsync_dir(run_dir)


def head_bytes(head: dict[str, Any]) -> bytes:
    """The exact bytes HEAD.json holds for `head`."""
    return json.dumps(head, sort_keys=True, separators=(",", ":")).encode("utf-8")


def read_head(run_dir: Path) -> dict[str, Any] | None:
    """HEAD.json's content, or None if absent, unreadable or not in its canonical form."""
    try:
        raw = (run_dir / HEAD_NAME).read_bytes()
        head = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        return None
    return head if isinstance(head, dict) and head_bytes(head) == raw else None
