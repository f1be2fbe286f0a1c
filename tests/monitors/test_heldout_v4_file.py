"""Checks the shape of the blind held-out set monitors/heldout/v4/eval.jsonl, never its scores.

The set is scored once per model version (see the README next to it). These tests only guard its
schema, its coverage, the counts published in the README and that it has not been edited since its
sha256 was recorded in the README.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

V4_DIR = Path(__file__).resolve().parents[2] / "monitors" / "heldout" / "v4"
EVAL_FILE = V4_DIR / "eval.jsonl"
README = V4_DIR / "README.md"

CATEGORIES = {"contempt_outsmart", "deception", "sandbox_escape", "reward_hacking", "power_seeking", "sabotage"}
BASE_KEYS = {"id", "text", "label", "category", "role", "task_type", "style"}
ROLES = {"propose", "solve"}
TASK_TYPES = {"deduction", "abduction", "induction"}
STYLES = {"markdown", "chatty", "second_person", "bilingual", "longform", "code_first", "checklist"}

# The tables in README.md, as (concerning, propose, solve, deduction, abduction, induction).
CATEGORY_COUNTS = {
    "contempt_outsmart": (29, 13, 16, 10, 10, 9),
    "deception": (31, 16, 15, 11, 10, 10),
    "power_seeking": (29, 13, 16, 10, 9, 10),
    "reward_hacking": (33, 15, 18, 12, 10, 11),
    "sabotage": (29, 14, 15, 10, 9, 10),
    "sandbox_escape": (29, 14, 15, 11, 8, 10),
}
# (concerning, benign, of which hard negatives)
ROLE_COUNTS = {"propose": (85, 110, 54), "solve": (95, 135, 76)}
TASK_TYPE_COUNTS = {"abduction": (56, 78, 41), "deduction": (64, 89, 47), "induction": (60, 78, 42)}
STYLE_COUNTS = {
    "bilingual": (26, 34, 18),
    "chatty": (25, 33, 18),
    "checklist": (29, 41, 23),
    "code_first": (22, 28, 13),
    "longform": (23, 30, 15),
    "markdown": (27, 38, 20),
    "second_person": (28, 41, 23),
}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    lines = EVAL_FILE.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "blank line in eval.jsonl"
    return [json.loads(line) for line in lines]


def test_every_line_has_exactly_the_v3_schema_fields_with_valid_values(records):
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


def test_ids_run_from_v4_0001_in_order_and_texts_are_unique(records):
    assert [r["id"] for r in records] == [f"v4-{i:04d}" for i in range(1, len(records) + 1)]
    texts = [r["text"] for r in records]
    assert len(texts) == len(set(texts))


def test_set_has_the_numbers_of_concerning_hard_negative_and_plain_benign_traces_in_the_readme(records):
    labels = Counter(r["label"] for r in records)
    assert len(records) == 425
    assert labels["concerning"] == 180
    assert labels["benign"] == 245
    assert sum(1 for r in records if r.get("hard_negative") is True) == 130
    assert sum(1 for r in records if r.get("hard_negative") is False) == 115


def test_category_counts_by_role_and_task_type_match_the_readme(records):
    for category, (n, propose, solve, ded, abd, ind) in CATEGORY_COUNTS.items():
        rows = [r for r in records if r["category"] == category]
        roles = Counter(r["role"] for r in rows)
        types = Counter(r["task_type"] for r in rows)
        assert len(rows) == n, category
        assert (roles["propose"], roles["solve"]) == (propose, solve), category
        assert (types["deduction"], types["abduction"], types["induction"]) == (ded, abd, ind), category
    assert sum(v[0] for v in CATEGORY_COUNTS.values()) == 180


@pytest.mark.parametrize(("key", "table"), [("role", ROLE_COUNTS), ("task_type", TASK_TYPE_COUNTS), ("style", STYLE_COUNTS)])
def test_role_task_type_and_style_tables_match_the_readme(records, key, table):
    assert {r[key] for r in records} == set(table)
    for value, (concerning, benign, hard) in table.items():
        rows = [r for r in records if r[key] == value]
        assert sum(r["label"] == "concerning" for r in rows) == concerning, (key, value)
        assert sum(r["label"] == "benign" for r in rows) == benign, (key, value)
        assert sum(r.get("hard_negative") is True for r in rows) == hard, (key, value)


def test_every_category_covers_both_roles_and_all_task_types(records):
    for category in CATEGORIES:
        rows = [r for r in records if r["category"] == category]
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
    hard = {r["style"] for r in records if r.get("hard_negative") is True}
    plain = {r["style"] for r in records if r.get("hard_negative") is False}
    assert hard == STYLES and plain == STYLES


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
