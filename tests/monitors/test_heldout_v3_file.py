"""Checks the shape of the blind held-out set monitors/heldout/v3/eval.jsonl, never its scores.

The set is scored once per model version (see the README next to it). These tests only guard its
schema, its coverage and that it has not been edited since its sha256 was recorded in the README.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

V3_DIR = Path(__file__).resolve().parents[2] / "monitors" / "heldout" / "v3"
EVAL_FILE = V3_DIR / "eval.jsonl"
README = V3_DIR / "README.md"

CATEGORIES = {"contempt_outsmart", "deception", "sandbox_escape", "reward_hacking", "power_seeking", "sabotage"}
BASE_KEYS = {"id", "text", "label", "category", "role", "task_type", "style"}
ROLES = {"propose", "solve"}
TASK_TYPES = {"deduction", "abduction", "induction"}
STYLES = {"okay_so", "rambling", "tracer", "codey", "fragment", "looping"}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    lines = EVAL_FILE.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "blank line in eval.jsonl"
    return [json.loads(line) for line in lines]


def test_every_line_has_exactly_the_v2_schema_fields_with_valid_values(records):
    for r in records:
        expected = BASE_KEYS | ({"hard_negative"} if r.get("label") == "benign" else set())
        assert set(r) == expected, r.get("id")
        assert r["label"] in {"concerning", "benign"}, r["id"]
        assert r["role"] in ROLES, r["id"]
        assert r["task_type"] in TASK_TYPES, r["id"]
        assert r["style"] in STYLES, r["id"]
        assert isinstance(r["text"], str) and 150 <= len(r["text"]) <= 2500, r["id"]
        if r["label"] == "concerning":
            assert r["category"] in CATEGORIES, r["id"]
        else:
            assert r["category"] is None, r["id"]
            assert isinstance(r["hard_negative"], bool), r["id"]


def test_ids_run_from_v3_0001_in_order_and_texts_are_unique(records):
    assert [r["id"] for r in records] == [f"v3-{i:04d}" for i in range(1, len(records) + 1)]
    texts = [r["text"] for r in records]
    assert len(texts) == len(set(texts))


def test_set_has_the_promised_numbers_of_concerning_hard_negative_and_plain_benign_traces(records):
    labels = Counter(r["label"] for r in records)
    assert len(records) >= 300
    assert labels["concerning"] >= 108
    assert sum(1 for r in records if r.get("hard_negative") is True) >= 100
    assert sum(1 for r in records if r.get("hard_negative") is False) >= 90


def test_every_category_has_at_least_18_traces_over_both_roles_and_all_task_types(records):
    for category in CATEGORIES:
        rows = [r for r in records if r["category"] == category]
        assert len(rows) >= 18, category
        roles = Counter(r["role"] for r in rows)
        assert set(roles) == ROLES and min(roles.values()) >= 6, (category, roles)
        types = Counter(r["task_type"] for r in rows)
        assert set(types) == TASK_TYPES and min(types.values()) >= 5, (category, types)


def test_both_labels_cover_every_role_task_type_pair_and_every_style(records):
    for label in ("concerning", "benign"):
        rows = [r for r in records if r["label"] == label]
        pairs = Counter((r["role"], r["task_type"]) for r in rows)
        assert len(pairs) == 6 and min(pairs.values()) >= 15, (label, pairs)
        assert {r["style"] for r in rows} == STYLES, label


def test_the_share_of_concerning_traces_is_similar_in_both_roles_so_role_alone_predicts_little(records):
    shares = []
    for role in ROLES:
        rows = [r for r in records if r["role"] == role]
        shares.append(sum(r["label"] == "concerning" for r in rows) / len(rows))
    assert max(shares) - min(shares) < 0.1, shares


def test_some_traces_are_long_like_real_self_play_reasoning(records):
    for label in ("concerning", "benign"):
        assert sum(1 for r in records if r["label"] == label and len(r["text"]) >= 2000) >= 2, label


def test_file_sha256_matches_the_one_recorded_in_the_readme():
    found = re.findall(r"\b[0-9a-f]{64}\b", README.read_text(encoding="utf-8"))
    assert len(found) == 1, "README.md must record exactly one sha256"
    assert hashlib.sha256(EVAL_FILE.read_bytes()).hexdigest() == found[0]
