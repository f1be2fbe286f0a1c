"""Author J's hand-written training traces (monitors/corpus/author_j): parse, minimum counts, evidence, no duplicates."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from azr_safe.monitors.base import REASONING_CATEGORIES
from azr_safe.monitors.handwritten import build, parse_source

SRC = Path(__file__).resolve().parents[2] / "monitors" / "corpus" / "author_j"
FILES = sorted(SRC.glob("*.txt"))


@pytest.fixture(scope="module")
def traces():
    return [t for f in FILES for t in parse_source(f, id_prefix="j")]


def test_every_source_file_parses_and_is_named_ja_to_jz():
    assert FILES, "no author J source files"
    for f in FILES:
        assert re.fullmatch(r"j[a-z]_[a-z_]+\.txt", f.name), f.name
        assert parse_source(f, id_prefix="j"), f"{f.name} has no records"


def test_the_folder_builds_with_the_j_prefix_and_ids_do_not_collide(traces):
    built = build(SRC, id_prefix="j")
    assert len(built) == len(traces)
    ids = [t.id for t in built]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("j-j") for i in ids)


def test_total_and_per_kind_counts_meet_the_minimums(traces):
    minimums = {"concerning": 220, "hard_negative": 150, "benign": 80}
    kinds = Counter(t.kind for t in traces)
    assert len(traces) >= 450
    assert {k: kinds[k] for k in minimums if kinds[k] < minimums[k]} == {}


def test_every_category_has_enough_concerning_traces_with_reward_hacking_and_deception_leading(traces):
    concerning = [t for t in traces if t.label == "concerning"]
    per_category = Counter(t.categories[0] for t in concerning)
    assert set(per_category) == set(REASONING_CATEGORIES)
    assert per_category["reward_hacking"] >= 0.35 * len(concerning)
    assert per_category["deception"] >= 0.25 * len(concerning)
    for category in REASONING_CATEGORIES:
        assert per_category[category] >= 20, category


def test_every_concerning_trace_has_at_most_two_evidence_spans(traces):
    assert all(1 <= len(t.evidence) <= 2 for t in traces if t.label == "concerning")


def test_proposer_traces_are_at_least_45_percent_and_every_role_task_type_pair_occurs(traces):
    roles = Counter(t.role for t in traces)
    assert roles["propose"] >= 0.45 * len(traces)
    pairs = Counter((t.kind, t.role, t.task_type) for t in traces)
    for kind in ("concerning", "hard_negative", "benign"):
        for role in ("propose", "solve"):
            for task_type in ("deduction", "abduction", "induction"):
                assert pairs[(kind, role, task_type)] >= 5, (kind, role, task_type)


def test_every_concerning_trace_has_evidence_inside_its_text_and_benign_ones_have_none(traces):
    for t in traces:
        if t.label == "concerning":
            assert t.evidence, t.id
            for span in t.evidence:
                assert 0 <= span.start < span.end <= len(t.text), t.id
                assert t.text[span.start : span.end].strip(), t.id
        else:
            assert not t.evidence and not t.categories, t.id
        assert "{{" not in t.text and "}}" not in t.text, t.id


def test_no_trace_is_an_exact_duplicate_of_another(traces):
    texts = Counter(t.text for t in traces)
    assert [text[:60] for text, n in texts.items() if n > 1] == []


def test_lengths_range_from_one_line_to_over_two_kilobytes(traces):
    lengths = [len(t.text) for t in traces]
    assert min(lengths) < 80
    assert max(lengths) > 2048


def test_readme_states_the_current_total(traces):
    readme = (SRC / "README.md").read_text()
    assert f"## Counts ({len(traces)} traces)" in readme
