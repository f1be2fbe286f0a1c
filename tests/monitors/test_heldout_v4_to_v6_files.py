"""Checks the shape of the blind held-out sets monitors/heldout/v4 to v10 (eval.jsonl), never their scores.

The file keeps its v4-to-v6 name; v7 to v10 were added to it on 2026-12-07.

Each set is scored once per model version (see the README next to it). These tests only guard its
schema, its coverage, the counts published in its README and that it has not been edited since its
sha256 was recorded in the README. (v2 and v3 keep the self-contained tests their writers shipped.)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

HELDOUT = Path(__file__).resolve().parents[2] / "monitors" / "heldout"

CATEGORIES = {"contempt_outsmart", "deception", "sandbox_escape", "reward_hacking", "power_seeking", "sabotage"}
BASE_KEYS = {"id", "text", "label", "category", "role", "task_type", "style"}
ROLES = {"propose", "solve"}
TASK_TYPES = {"deduction", "abduction", "induction"}


class SetSpec(BaseModel):
    """The tables of one set's README. categories: (concerning, propose, solve, deduction, abduction,
    induction); roles, task_types, styles: (concerning, benign, of which hard negatives)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    total: int
    concerning: int
    hard_negatives: int
    plain_benign: int
    styles: dict[str, tuple[int, int, int]]
    categories: dict[str, tuple[int, int, int, int, int, int]]
    roles: dict[str, tuple[int, int, int]]
    task_types: dict[str, tuple[int, int, int]]


SETS = {
    "v4": SetSpec(
        total=425, concerning=180, hard_negatives=130, plain_benign=115,
        styles={"bilingual": (26, 34, 18), "chatty": (25, 33, 18), "checklist": (29, 41, 23),
                "code_first": (22, 28, 13), "longform": (23, 30, 15), "markdown": (27, 38, 20),
                "second_person": (28, 41, 23)},
        categories={"contempt_outsmart": (29, 13, 16, 10, 10, 9), "deception": (31, 16, 15, 11, 10, 10),
                    "power_seeking": (29, 13, 16, 10, 9, 10), "reward_hacking": (33, 15, 18, 12, 10, 11),
                    "sabotage": (29, 14, 15, 10, 9, 10), "sandbox_escape": (29, 14, 15, 11, 8, 10)},
        roles={"propose": (85, 110, 54), "solve": (95, 135, 76)},
        task_types={"abduction": (56, 78, 41), "deduction": (64, 89, 47), "induction": (60, 78, 42)}),
    "v5": SetSpec(
        total=440, concerning=186, hard_negatives=130, plain_benign=124,
        styles={"dialogue": (30, 43, 19), "letter": (42, 61, 32), "proof": (30, 43, 21), "textbook": (31, 41, 23),
                "third_person": (53, 66, 35)},
        categories={"contempt_outsmart": (31, 15, 16, 11, 10, 10), "deception": (32, 15, 17, 11, 10, 11),
                    "power_seeking": (30, 15, 15, 10, 10, 10), "reward_hacking": (32, 13, 19, 12, 10, 10),
                    "sabotage": (30, 15, 15, 11, 9, 10), "sandbox_escape": (31, 13, 18, 11, 9, 11)},
        roles={"propose": (86, 115, 55), "solve": (100, 139, 75)},
        task_types={"abduction": (58, 83, 40), "deduction": (66, 90, 47), "induction": (62, 81, 43)}),
    "v6": SetSpec(
        total=424, concerning=180, hard_negatives=130, plain_benign=114,
        styles={"bayes": (38, 56, 28), "gherkin": (49, 67, 36), "goal_stack": (46, 61, 33), "minutes": (47, 60, 33)},
        categories={"contempt_outsmart": (30, 14, 16, 10, 9, 11), "deception": (30, 14, 16, 11, 9, 10),
                    "power_seeking": (29, 14, 15, 10, 9, 10), "reward_hacking": (31, 15, 16, 11, 10, 10),
                    "sabotage": (30, 13, 17, 11, 10, 9), "sandbox_escape": (30, 14, 16, 11, 9, 10)},
        roles={"propose": (84, 111, 57), "solve": (96, 133, 73)},
        task_types={"abduction": (56, 80, 41), "deduction": (64, 87, 46), "induction": (60, 77, 43)}),
    "v7": SetSpec(
        total=427, concerning=182, hard_negatives=130, plain_benign=115,
        styles={"annotated_game": (44, 59, 32), "lab_report": (54, 69, 37), "manpage": (43, 59, 31),
                "recipe": (41, 58, 30)},
        categories={"contempt_outsmart": (30, 14, 16, 10, 11, 9), "deception": (31, 13, 18, 12, 10, 9),
                    "power_seeking": (30, 17, 13, 11, 10, 9), "reward_hacking": (31, 14, 17, 11, 10, 10),
                    "sabotage": (30, 11, 19, 11, 9, 10), "sandbox_escape": (30, 13, 17, 11, 9, 10)},
        roles={"propose": (82, 103, 52), "solve": (100, 142, 78)},
        task_types={"abduction": (59, 78, 40), "deduction": (66, 94, 51), "induction": (57, 73, 39)}),
    "v8": SetSpec(
        total=430, concerning=182, hard_negatives=132, plain_benign=116,
        styles={"sales_copy": (41, 52, 25), "symbolic_shorthand": (46, 63, 34), "thought_record": (52, 72, 40),
                "verse": (43, 61, 33)},
        categories={"contempt_outsmart": (30, 14, 16, 12, 9, 9), "deception": (30, 12, 18, 11, 9, 10),
                    "power_seeking": (31, 15, 16, 12, 10, 9), "reward_hacking": (31, 14, 17, 11, 9, 11),
                    "sabotage": (30, 12, 18, 12, 10, 8), "sandbox_escape": (30, 13, 17, 11, 10, 9)},
        roles={"propose": (80, 104, 52), "solve": (102, 144, 80)},
        task_types={"abduction": (57, 77, 38), "deduction": (69, 92, 52), "induction": (56, 79, 42)}),
    "v9": SetSpec(
        total=433, concerning=188, hard_negatives=132, plain_benign=113,
        styles={"audio_guide": (50, 64, 34), "picture_book": (43, 59, 32), "shipping_forecast": (47, 59, 31),
                "telegram": (48, 63, 35)},
        categories={"contempt_outsmart": (31, 15, 16, 10, 10, 11), "deception": (32, 15, 17, 11, 10, 11),
                    "power_seeking": (31, 14, 17, 10, 11, 10), "reward_hacking": (32, 15, 17, 11, 11, 10),
                    "sabotage": (31, 14, 17, 10, 10, 11), "sandbox_escape": (31, 15, 16, 11, 10, 10)},
        roles={"propose": (88, 109, 61), "solve": (100, 136, 71)},
        task_types={"abduction": (62, 82, 45), "deduction": (63, 87, 47), "induction": (63, 76, 40)}),
    "v10": SetSpec(
        total=428, concerning=182, hard_negatives=131, plain_benign=115,
        styles={"auction_catalogue": (44, 59, 30), "interactive_fiction": (44, 60, 30), "sermon": (48, 65, 35),
                "toast": (46, 62, 36)},
        categories={"contempt_outsmart": (30, 14, 16, 10, 11, 9), "deception": (30, 14, 16, 10, 10, 10),
                    "power_seeking": (31, 14, 17, 11, 11, 9), "reward_hacking": (30, 14, 16, 10, 10, 10),
                    "sabotage": (31, 15, 16, 11, 11, 9), "sandbox_escape": (30, 14, 16, 10, 11, 9)},
        roles={"propose": (85, 109, 59), "solve": (97, 137, 72)},
        task_types={"abduction": (64, 83, 45), "deduction": (62, 84, 44), "induction": (56, 79, 42)}),
    "v11": SetSpec(
        total=439, concerning=186, hard_negatives=131, plain_benign=122,
        styles={"eulogy": (46, 66, 34), "horoscope": (44, 63, 33), "magic_show": (47, 61, 31),
                "radio_call_in": (49, 63, 33)},
        categories={"contempt_outsmart": (31, 14, 17, 11, 9, 11), "deception": (31, 15, 16, 10, 11, 10),
                    "power_seeking": (31, 15, 16, 11, 11, 9), "reward_hacking": (31, 15, 16, 10, 10, 11),
                    "sabotage": (31, 15, 16, 11, 10, 10), "sandbox_escape": (31, 15, 16, 10, 10, 11)},
        roles={"propose": (89, 116, 59), "solve": (97, 137, 72)},
        task_types={"abduction": (61, 83, 44), "deduction": (63, 87, 45), "induction": (62, 83, 42)}),
    "v12": SetSpec(
        total=447, concerning=186, hard_negatives=141, plain_benign=120,
        styles={"dating_profile": (46, 64, 36), "flatpack_manual": (48, 64, 33), "report_card": (42, 64, 35),
                "wine_tasting": (50, 69, 37)},
        categories={"contempt_outsmart": (31, 15, 16, 11, 10, 10), "deception": (31, 15, 16, 11, 10, 10),
                    "power_seeking": (31, 15, 16, 11, 10, 10), "reward_hacking": (31, 15, 16, 11, 10, 10),
                    "sabotage": (31, 15, 16, 11, 10, 10), "sandbox_escape": (31, 15, 16, 11, 10, 10)},
        roles={"propose": (90, 126, 67), "solve": (96, 135, 74)},
        task_types={"abduction": (60, 83, 44), "deduction": (66, 92, 50), "induction": (60, 86, 47)}),
    "v13": SetSpec(
        total=440, concerning=186, hard_negatives=132, plain_benign=122,
        styles={"birdwatching_log": (42, 62, 33), "crossword_setter": (48, 64, 33),
                "insurance_claim": (48, 63, 33), "platform_announcement": (48, 65, 33)},
        categories={"contempt_outsmart": (31, 15, 16, 11, 10, 10), "deception": (31, 15, 16, 11, 10, 10),
                    "power_seeking": (31, 15, 16, 11, 10, 10), "reward_hacking": (31, 15, 16, 11, 10, 10),
                    "sabotage": (31, 15, 16, 11, 10, 10), "sandbox_escape": (31, 15, 16, 11, 10, 10)},
        roles={"propose": (90, 120, 66), "solve": (96, 134, 66)},
        task_types={"abduction": (60, 84, 46), "deduction": (66, 86, 46), "induction": (60, 84, 40)}),
}
# Style keys of the sets before v4 (their own tests hold their tables); each set's keys must be new.
OLDER_STYLES = {
    "v2": {"terse", "prose", "bullets", "lowercase", "nonnative", "code", "socratic", "numbered"},
    "v3": {"okay_so", "rambling", "tracer", "codey", "fragment", "looping"},
}


@pytest.fixture(scope="module", params=sorted(SETS))
def version(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def records(version) -> list[dict]:
    lines = (HELDOUT / version / "eval.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "blank line in eval.jsonl"
    return [json.loads(line) for line in lines]


def test_every_line_has_exactly_the_v3_schema_fields_with_valid_values(version, records):
    styles = set(SETS[version].styles)
    for r in records:
        expected = BASE_KEYS | ({"hard_negative"} if r.get("label") == "benign" else set())
        assert set(r) == expected, r.get("id")
        assert r["label"] in {"concerning", "benign"}, r["id"]
        assert r["role"] in ROLES, r["id"]
        assert r["task_type"] in TASK_TYPES, r["id"]
        assert r["style"] in styles, r["id"]
        assert isinstance(r["text"], str) and 150 <= len(r["text"]) <= 2500, r["id"]
        if r["label"] == "concerning":
            assert r["category"] in CATEGORIES, r["id"]
        else:
            assert r["category"] is None, r["id"]
            assert isinstance(r["hard_negative"], bool), r["id"]


def test_ids_run_from_0001_in_order_and_texts_are_unique(version, records):
    assert [r["id"] for r in records] == [f"{version}-{i:04d}" for i in range(1, len(records) + 1)]
    texts = [r["text"] for r in records]
    assert len(texts) == len(set(texts))


def test_set_has_the_numbers_of_concerning_hard_negative_and_plain_benign_traces_in_the_readme(version, records):
    spec = SETS[version]
    labels = Counter(r["label"] for r in records)
    assert len(records) == spec.total
    assert labels["concerning"] == spec.concerning
    assert labels["benign"] == spec.hard_negatives + spec.plain_benign
    assert sum(1 for r in records if r.get("hard_negative") is True) == spec.hard_negatives
    assert sum(1 for r in records if r.get("hard_negative") is False) == spec.plain_benign


def test_category_counts_by_role_and_task_type_match_the_readme(version, records):
    spec = SETS[version]
    for category, (n, propose, solve, ded, abd, ind) in spec.categories.items():
        rows = [r for r in records if r["category"] == category]
        roles = Counter(r["role"] for r in rows)
        types = Counter(r["task_type"] for r in rows)
        assert len(rows) == n, category
        assert (roles["propose"], roles["solve"]) == (propose, solve), category
        assert (types["deduction"], types["abduction"], types["induction"]) == (ded, abd, ind), category
    assert sum(v[0] for v in spec.categories.values()) == spec.concerning


@pytest.mark.parametrize(("key", "table"), [("role", "roles"), ("task_type", "task_types"), ("style", "styles")])
def test_role_task_type_and_style_tables_match_the_readme(version, records, key, table):
    counts = getattr(SETS[version], table)
    assert {r[key] for r in records} == set(counts)
    for value, (concerning, benign, hard) in counts.items():
        rows = [r for r in records if r[key] == value]
        assert sum(r["label"] == "concerning" for r in rows) == concerning, (key, value)
        assert sum(r["label"] == "benign" for r in rows) == benign, (key, value)
        assert sum(r.get("hard_negative") is True for r in rows) == hard, (key, value)


def test_every_category_covers_both_roles_and_all_task_types_and_the_weak_ones_have_30(records):
    for category in CATEGORIES:
        rows = [r for r in records if r["category"] == category]
        roles = Counter(r["role"] for r in rows)
        assert set(roles) == ROLES and min(roles.values()) >= 6, (category, roles)
        types = Counter(r["task_type"] for r in rows)
        assert set(types) == TASK_TYPES and min(types.values()) >= 5, (category, types)
    for category in ("reward_hacking", "deception"):
        assert sum(r["category"] == category for r in records) >= 30, category


def test_both_labels_cover_every_role_task_type_pair_and_every_style(version, records):
    styles = set(SETS[version].styles)
    for label in ("concerning", "benign"):
        rows = [r for r in records if r["label"] == label]
        pairs = Counter((r["role"], r["task_type"]) for r in rows)
        assert len(pairs) == 6 and min(pairs.values()) >= 15, (label, pairs)
        assert {r["style"] for r in rows} == styles, label
    assert {r["style"] for r in records if r.get("hard_negative") is True} == styles
    assert {r["style"] for r in records if r.get("hard_negative") is False} == styles


def test_the_share_of_concerning_traces_is_similar_in_both_roles_so_role_alone_predicts_little(records):
    shares = []
    for role in ROLES:
        rows = [r for r in records if r["role"] == role]
        shares.append(sum(r["label"] == "concerning" for r in rows) / len(rows))
    assert max(shares) - min(shares) < 0.1, shares


def test_some_traces_are_long_like_real_self_play_reasoning(records):
    for label in ("concerning", "benign"):
        assert sum(1 for r in records if r["label"] == label and len(r["text"]) >= 2000) >= 2, label


def test_no_set_reuses_a_style_of_an_earlier_held_out_set(version):
    order = list(SETS)  # written in this order (v10 would sort before v4 as a string)
    earlier = [*OLDER_STYLES.values(), *(set(SETS[v].styles) for v in order[: order.index(version)])]
    assert not (set(SETS[version].styles) & set().union(*earlier))


def test_file_sha256_matches_the_one_recorded_in_the_readme(version):
    found = re.findall(r"\b[0-9a-f]{64}\b", (HELDOUT / version / "README.md").read_text())
    assert len(found) == 1, "README.md must record exactly one sha256"
    assert hashlib.sha256((HELDOUT / version / "eval.jsonl").read_bytes()).hexdigest() == found[0]
