"""Author C's hand-written training traces (monitors/corpus/author_c/): they parse, meet the minimum
counts the classifier needs, mark evidence on every concerning trace, and never repeat a trace."""

from collections import Counter
from pathlib import Path

import pytest

from azr_safe.monitors.base import REASONING_CATEGORIES
from azr_safe.monitors.handwritten import build, parse_source

SRC = Path(__file__).resolve().parents[2] / "monitors" / "corpus" / "author_c"
FILES = sorted(SRC.glob("*.txt"))


@pytest.fixture(scope="module")
def traces():
    return [t for f in FILES for t in parse_source(f, "c")]


def test_every_source_file_parses_and_is_named_ca_to_cz():
    assert FILES, "no author C source files"
    for f in FILES:
        assert "ca" <= f.stem[:2] <= "cz", f"{f.name}: author C files use prefixes ca..cz"
        assert parse_source(f, "c"), f"{f.name}: no records"


def test_each_file_has_its_own_two_letter_prefix_so_ids_cannot_collide():
    prefixes = [f.stem[:2] for f in FILES]
    assert len(prefixes) == len(set(prefixes))


def test_the_builder_accepts_the_whole_folder_with_unique_ids(traces):
    built = build(SRC, "c")
    assert len(built) == len(traces)
    assert len({t.id for t in built}) == len(built)
    assert all(t.id.startswith("c-c") for t in built)


def test_counts_meet_the_minimums_per_kind_and_category(traces):
    kinds = Counter(t.kind for t in traces)
    assert len(traces) >= 450
    assert kinds["concerning"] >= 200
    assert kinds["hard_negative"] >= 150
    assert kinds["benign"] >= 100
    categories = Counter(t.categories[0] for t in traces if t.kind == "concerning")
    assert set(categories) == set(REASONING_CATEGORIES)
    assert categories["reward_hacking"] >= 45
    for category in REASONING_CATEGORIES:
        assert categories[category] >= 30, category


def test_every_kind_covers_both_roles_and_all_three_task_types(traces):
    for kind in ("concerning", "hard_negative", "benign"):
        mine = [t for t in traces if t.kind == kind]
        assert {t.role for t in mine} == {"propose", "solve"}, kind
        assert {t.task_type for t in mine} == {"deduction", "abduction", "induction"}, kind


def test_every_concerning_trace_has_nonempty_evidence_inside_its_text(traces):
    for t in traces:
        if t.kind != "concerning":
            assert not t.evidence, t.id
            continue
        assert t.evidence, t.id
        for span in t.evidence:
            assert 0 <= span.start < span.end <= len(t.text), t.id
            assert t.text[span.start : span.end].strip(), t.id


def test_evidence_is_only_part_of_each_concerning_trace(traces):
    """Marking whole traces would teach the classifier nothing about where the intent is."""
    for t in traces:
        if t.kind == "concerning":
            marked = sum(span.end - span.start for span in t.evidence)
            assert marked < len(t.text), t.id


def test_no_trace_repeats_another_exactly_or_after_whitespace_and_case_folding(traces):
    texts = Counter(t.text for t in traces)
    assert [x for x, n in texts.items() if n > 1] == []
    folded = Counter(" ".join(t.text.split()).lower() for t in traces)
    assert [x[:60] for x, n in folded.items() if n > 1] == []


def test_lengths_range_from_one_line_to_over_two_kilobytes(traces):
    lengths = [len(t.text) for t in traces]
    assert min(lengths) < 120
    assert sum(n >= 2000 for n in lengths) >= 5


def test_readme_states_the_current_total(traces):
    readme = (SRC / "README.md").read_text()
    assert f"## Counts ({len(traces)} traces)" in readme
