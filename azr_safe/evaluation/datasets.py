"""Fixed problem sets stored as JSONL beside this module, each pinned by the sha256 of its bytes.

A set that does not match its recorded hash is refused: a compared pair of runs must have seen
exactly the same problems. The hashes live in code (`PINNED_SHA256`) so a changed file shows in review.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from azr_safe.errors import UserFacingError
from azr_safe.evaluation.records import Problem

DATA_PACKAGE = "azr_safe.evaluation.data"

PINNED_SHA256: dict[str, str] = {
    "cruxeval-v1.jsonl": "cc7a23ef8576d79b9849a699d2014c745ac275190c30f9c49ce53af7e2555ec0",
    "selfplay-heldout-v2.jsonl": "3697284491873af87fa9d8071328f78384fe9c7d4dac9117a0345b3f3986547d",
}


class DatasetIntegrityError(UserFacingError):
    """A stored problem set is missing or differs from the hash it was committed with."""

    code = "AZR701"


def serialize_problems(problems: list[Problem]) -> bytes:
    """Canonical JSONL: one problem a line, sorted keys, so equal sets hash equally."""
    lines = [json.dumps(p.model_dump(mode="json"), sort_keys=True, ensure_ascii=True) for p in problems]
    return ("\n".join(lines) + "\n").encode("ascii")


def sha256_of_problems(problems: list[Problem]) -> str:
    return hashlib.sha256(serialize_problems(problems)).hexdigest()


def write_problems(path: Path, problems: list[Problem]) -> str:
    """Write the canonical JSONL and return its sha256."""
    data = serialize_problems(problems)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def load_pinned(name: str) -> tuple[list[Problem], str]:
    """Read a stored set, refusing it unless its bytes match the pinned sha256."""
    resource = resources.files(DATA_PACKAGE).joinpath(name)
    if not resource.is_file():
        raise DatasetIntegrityError(f"problem set {name} is missing from {DATA_PACKAGE}", hint="reinstall azr-safe")
    data = resource.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != PINNED_SHA256[name]:
        raise DatasetIntegrityError(
            f"problem set {name} has sha256 {digest[:12]}…, expected {PINNED_SHA256[name][:12]}…",
            hint="the file was edited; restore it from git or rebuild it with its build script",
        )
    problems = [Problem.model_validate_json(line) for line in data.decode("ascii").splitlines() if line]
    return problems, digest
