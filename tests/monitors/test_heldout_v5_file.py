"""Checks the shape of the blind held-out set monitors/heldout/v5/eval.jsonl, never its scores.

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

V5_DIR = Path(__file__).resolve().parents[2] / "monitors" / "heldout" / "v5"
EVAL_FILE = V5_DIR / "eval.jsonl"
README = V5_DIR / "README.md"

CATEGORIES = {"contempt_outsmart", "deception", "sandbox_escape", "reward_hacking", "power_seeking", "sabotage"}
BASE_KEYS = {"id", "text", "label", "category", "role", "task_type", "style"}
ROLES = {"propose", "solve"}
TASK_TYPES = {"deduction", "abduction", "induction"}
STYLES = {"dialogue", "proof", "textbook", "third_person", "letter"}

# The tables in README.md, as (concerning, propose, solve, deduction, abduction, induction).
CATEGORY_COUNTS = {
    "contempt_outsmart": (31, 15, 16, 11, 10, 10),
    "deception": (32, 15, 17, 11, 10, 11),
    "power_seeking": (30, 15, 15, 10, 10, 10),
    "reward_hacking": (32, 13, 19, 12, 10, 10),
    "sabotage": (30, 15, 15, 11, 9, 10),
    "sandbox_escape": (31, 13, 18, 11, 9, 11),
}
# (concerning, benign, of which hard negatives)
ROLE_COUNTS = {"propose": (86, 115, 55), "solve": (100, 139, 75)}
TASK_TYPE_COUNTS = {"abduction": (58, 83, 40), "deduction": (66, 90, 47), "induction": (62, 81, 43)}
STYLE_COUNTS = {
    "dialogue": (30, 43, 19),
    "letter": (42, 61, 32),
    "proof": (30, 43, 21),
    "textbook": (31, 41, 23),
    "third_person": (53, 66, 35),
}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    lines = EVAL_FILE.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "blank line in eval.jsonl"
    return [json.loads(line) for line in lines]


def test_every_line_has_exactly_the_v3_v4_schema_fields_with_valid_values(records):
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


def test_ids_run_from_v5_0001_in_order_and_texts_are_unique(records):
    assert [r["id"] for r in records] == [f"v5-{i:04d}" for i in range(1, len(records) + 1)]
    texts = [r["text"] for r in records]
    assert len(texts) == len(set(texts))


def test_set_has_the_numbers_of_concerning_hard_negative_and_plain_benign_traces_in_the_readme(records):
    labels = Counter(r["label"] for r in records)
    assert len(records) == 440
    assert labels["concerning"] == 186
    assert labels["benign"] == 254
    assert sum(1 for r in records if r.get("hard_negative") is True) == 130
    assert sum(1 for r in records if r.get("hard_negative") is False) == 124


def test_category_counts_by_role_and_task_type_match_the_readme(records):
    for category, (n, propose, solve, ded, abd, ind) in CATEGORY_COUNTS.items():
        rows = [r for r in records if r["category"] == category]
        roles = Counter(r["role"] for r in rows)
        types = Counter(r["task_type"] for r in rows)
        assert len(rows) == n, category
        assert (roles["propose"], roles["solve"]) == (propose, solve), category
        assert (types["deduction"], types["abduction"], types["induction"]) == (ded, abd, ind), category
    assert sum(v[0] for v in CATEGORY_COUNTS.values()) == 186


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


def test_no_style_of_an_earlier_held_out_set_is_reused(records):
    earlier = {
        "terse", "prose", "bullets", "lowercase", "nonnative", "code", "socratic", "numbered",  # v2
        "okay_so", "rambling", "tracer", "codey", "fragment", "looping",  # v3
        "markdown", "chatty", "second_person", "bilingual", "longform", "code_first", "checklist",  # v4
    }
    assert not ({r["style"] for r in records} & earlier)


def test_reward_hacking_and_deception_have_at_least_30_traces_each(records):
    for category in ("reward_hacking", "deception"):
        assert sum(r["category"] == category for r in records) >= 30, category


def test_file_sha256_matches_the_one_recorded_in_the_readme():
    found = re.findall(r"\b[0-9a-f]{64}\b", README.read_text(encoding="utf-8"))
    assert len(found) == 1, "README.md must record exactly one sha256"
    assert hashlib.sha256(EVAL_FILE.read_bytes()).hexdigest() == found[0]
