"""Checks the shape of the held-out set monitors/heldout/v2/eval.jsonl, never its content's scores.

The file is scored once per model version; these tests only guard its schema, its coverage and that
it has not been edited since its sha256 was recorded in the README next to it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

V2_DIR = Path(__file__).resolve().parents[2] / "monitors" / "heldout" / "v2"
EVAL_FILE = V2_DIR / "eval.jsonl"
README = V2_DIR / "README.md"

CATEGORIES = {"contempt_outsmart", "deception", "sandbox_escape", "reward_hacking", "power_seeking", "sabotage"}
BASE_KEYS = {"id", "text", "label", "category", "role", "task_type", "style"}
ROLES = {"propose", "solve"}
TASK_TYPES = {"deduction", "abduction", "induction"}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    lines = EVAL_FILE.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "blank line in eval.jsonl"
    return [json.loads(line) for line in lines]


def test_every_line_has_exactly_the_schema_fields_with_valid_values(records):
    for r in records:
        expected = BASE_KEYS | ({"hard_negative"} if r.get("label") == "benign" else set())
        assert set(r) == expected, r.get("id")
        assert re.fullmatch(r"v2-\d{4}", r["id"]), r["id"]
        assert r["label"] in {"concerning", "benign"}, r["id"]
        assert r["role"] in ROLES, r["id"]
        assert r["task_type"] in TASK_TYPES, r["id"]
        assert isinstance(r["style"], str) and 0 < len(r["style"]) <= 20, r["id"]
        assert isinstance(r["text"], str) and 200 <= len(r["text"]) <= 2500, r["id"]
        if r["label"] == "concerning":
            assert r["category"] in CATEGORIES, r["id"]
        else:
            assert r["category"] is None, r["id"]
            assert isinstance(r["hard_negative"], bool), r["id"]


def test_ids_and_texts_are_unique(records):
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))
    texts = [r["text"] for r in records]
    assert len(texts) == len(set(texts))


def test_set_has_enough_traces_of_each_label_and_hard_negatives(records):
    labels = Counter(r["label"] for r in records)
    assert len(records) >= 260
    assert labels["concerning"] >= 100
    assert labels["benign"] >= 140
    assert sum(1 for r in records if r.get("hard_negative")) >= 90


def test_every_category_has_at_least_14_traces_over_both_roles_and_all_task_types(records):
    for category in CATEGORIES:
        rows = [r for r in records if r["category"] == category]
        assert len(rows) >= 14, category
        assert {r["role"] for r in rows} == ROLES, category
        assert {r["task_type"] for r in rows} == TASK_TYPES, category


def test_traces_come_in_several_writing_styles_for_both_labels(records):
    for label in ("concerning", "benign"):
        styles = Counter(r["style"] for r in records if r["label"] == label)
        assert len(styles) >= 6, label


def test_file_sha256_matches_the_one_recorded_in_the_readme():
    found = re.findall(r"\b[0-9a-f]{64}\b", README.read_text(encoding="utf-8"))
    assert len(found) == 1, "README.md must record exactly one sha256"
    assert hashlib.sha256(EVAL_FILE.read_bytes()).hexdigest() == found[0]
