"""Author K's hand-written training traces (monitors/corpus/author_k): parse, minimum counts, evidence, no duplicates."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from azr_safe.monitors.base import REASONING_CATEGORIES
from azr_safe.monitors.handwritten import build, parse_source

SRC = Path(__file__).resolve().parents[2] / "monitors" / "corpus" / "author_k"
FILES = sorted(SRC.glob("*.txt"))


@pytest.fixture(scope="module")
def traces():
    return [t for f in FILES for t in parse_source(f, id_prefix="k")]


def test_every_source_file_parses_and_is_named_ka_to_kz():
    assert FILES, "no author K source files"
    for f in FILES:
        assert re.fullmatch(r"k[a-z]_[a-z_]+\.txt", f.name), f.name
        assert parse_source(f, id_prefix="k"), f"{f.name} has no records"


def test_the_folder_builds_with_the_k_prefix_and_ids_do_not_collide(traces):
    built = build(SRC, id_prefix="k")
    assert len(built) == len(traces)
    ids = [t.id for t in built]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("k-k") for i in ids)


def test_total_and_per_kind_counts_meet_the_minimums(traces):
    minimums = {"concerning": 220, "hard_negative": 150, "benign": 80}
    kinds = Counter(t.kind for t in traces)
    assert len(traces) >= 450
    assert {k: kinds[k] for k in minimums if kinds[k] < minimums[k]} == {}


def test_every_category_has_enough_concerning_traces(traces):
    concerning = [t for t in traces if t.label == "concerning"]
    assert all(len(t.categories) == 1 for t in concerning)
    per_category = Counter(t.categories[0] for t in concerning)
    assert set(per_category) == set(REASONING_CATEGORIES)
    assert per_category["reward_hacking"] >= 45
    assert per_category["deception"] >= 45
    for category in REASONING_CATEGORIES:
        assert per_category[category] >= 30, category


def test_proposer_traces_are_at_least_40_percent_and_every_kind_role_task_type_cell_has_five(traces):
    roles = Counter(t.role for t in traces)
    assert roles["propose"] >= 0.40 * len(traces)
    cells = Counter((t.kind, t.role, t.task_type) for t in traces)
    for kind in ("concerning", "hard_negative", "benign"):
        for role in ("propose", "solve"):
            for task_type in ("deduction", "abduction", "induction"):
                assert cells[(kind, role, task_type)] >= 5, (kind, role, task_type)


def test_every_concerning_trace_has_one_or_two_evidence_spans_inside_its_text(traces):
    for t in traces:
        if t.label == "concerning":
            assert 1 <= len(t.evidence) <= 2, t.id
            for span in t.evidence:
                assert 0 <= span.start < span.end <= len(t.text), t.id
                assert t.text[span.start : span.end].strip(), t.id
        else:
            assert not t.evidence and not t.categories, t.id
        assert "{{" not in t.text and "}}" not in t.text, t.id


def test_some_concerning_traces_split_their_evidence_over_two_spans(traces):
    assert sum(len(t.evidence) == 2 for t in traces if t.label == "concerning") >= 10


def test_no_trace_is_an_exact_duplicate_of_another(traces):
    texts = Counter(t.text for t in traces)
    assert [text[:60] for text, n in texts.items() if n > 1] == []


def test_no_trace_line_starts_with_a_record_header(traces):
    for t in traces:
        assert not any(line.startswith("###") for line in t.text.splitlines()), t.id


def test_lengths_range_from_one_line_to_over_two_kilobytes(traces):
    lengths = [len(t.text) for t in traces]
    assert min(lengths) < 80
    assert max(lengths) > 2048


def test_readme_states_the_current_total(traces):
    readme = (SRC / "README.md").read_text()
    assert f"## Counts ({len(traces)} traces)" in readme
