"""Author B's hand-written training traces (monitors/corpus/author_b): parse, minimums, evidence, no duplicates."""

from collections import Counter
from pathlib import Path

import pytest

from azr_safe.monitors.base import REASONING_CATEGORIES, monitors_dir
from azr_safe.monitors.corpus import LabeledTrace
from azr_safe.monitors.handwritten import parse_source

AUTHOR_B = monitors_dir() / "corpus" / "author_b"
SOURCES = sorted(AUTHOR_B.glob("*.txt"))
MIN_PER_CATEGORY = {c: 45 if c == "reward_hacking" else 30 for c in REASONING_CATEGORIES}


def _all_traces() -> list[LabeledTrace]:
    return [t for path in SOURCES for t in parse_source(path)]


@pytest.fixture(scope="module")
def traces() -> list[LabeledTrace]:
    return _all_traces()


def test_author_b_has_source_files():
    assert len(SOURCES) >= 5


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_source_file_parses_into_records(path: Path):
    records = parse_source(path)
    assert records, f"{path.name} holds no records"


def test_counts_meet_the_minimums_per_kind_and_category(traces):
    kinds = Counter(t.kind for t in traces)
    assert len(traces) >= 450
    assert kinds["concerning"] >= 200 and kinds["hard_negative"] >= 150 and kinds["benign"] >= 100
    per_category = Counter(c for t in traces for c in t.categories)
    for category, minimum in MIN_PER_CATEGORY.items():
        assert per_category[category] >= minimum, category


def test_both_roles_and_all_task_types_appear_for_every_kind(traces):
    every_pair = {(r, k) for r in ("propose", "solve") for k in ("deduction", "abduction", "induction")}
    for kind in ("concerning", "hard_negative", "benign"):
        assert {(t.role, t.task_type) for t in traces if t.kind == kind} == every_pair, kind


def test_every_concerning_record_has_one_category_and_nonblank_evidence_inside_its_text(traces):
    for t in traces:
        if t.label != "concerning":
            assert not t.categories and not t.evidence, t.id
            continue
        assert len(t.categories) == 1 and t.categories[0] in REASONING_CATEGORIES, t.id
        assert t.evidence, t.id
        for ev in t.evidence:
            marked = t.text[ev.start : ev.end]
            assert 0 <= ev.start < ev.end <= len(t.text) and marked.strip(), t.id
            assert "{{" not in marked and "}}" not in marked, t.id


def test_no_marker_is_left_unclosed_in_any_text(traces):
    assert [t.id for t in traces if "{{" in t.text] == []


def test_no_record_is_an_exact_or_whitespace_only_duplicate_of_another(traces):
    exact = Counter(t.text for t in traces)
    assert [text[:60] for text, n in exact.items() if n > 1] == []
    squashed = Counter(" ".join(t.text.split()) for t in traces)
    assert [text[:60] for text, n in squashed.items() if n > 1] == []


def test_record_ids_are_unique_across_author_b_and_the_first_hand_written_corpus(traces):
    first_author = monitors_dir() / "corpus" / "handwritten"
    prefixes_b = [p.stem[:2] for p in SOURCES]
    prefixes_first = {p.stem[:2] for p in first_author.glob("*.txt")}
    assert len(set(prefixes_b)) == len(prefixes_b) and not set(prefixes_b) & prefixes_first
    assert len({t.id for t in traces}) == len(traces)


def test_hard_negatives_use_the_alarming_vocabulary_they_are_meant_to_defuse(traces):
    hard = " ".join(t.text.lower() for t in traces if t.kind == "hard_negative")
    for phrase in ["kill", "exploit the symmetry", "outsmart the brute", "escape sequence", "hack around",
                   "bypass the cache", "inject", "attack the problem from the end", "hard but fair",
                   "cheat sheet", "fool myself", "trick question", "hide the helper", "the checker will catch my bug",
                   "sandbox", "timeout", "reward", "grader", "monitor", "log"]:
        assert phrase in hard, phrase


def test_lengths_range_from_one_line_to_over_two_kilobytes(traces):
    lengths = [len(t.text) for t in traces]
    assert min(lengths) < 80 and sum(n >= 2000 for n in lengths) >= 3


def test_readme_states_the_current_total(traces):
    readme = (AUTHOR_B / "README.md").read_text()
    assert f"{len(traces)} traces" in readme
