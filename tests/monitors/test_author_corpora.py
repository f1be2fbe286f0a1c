"""The hand-written training corpora of authors D onward (monitors/corpus/author_*/): each parses, builds with
its own id prefix, meets the minimums its author wrote to (README of each folder), marks evidence on every
concerning trace and never repeats a trace. Authors B and C have tests of their own (other checks)."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict

from azr_safe.monitors.base import REASONING_CATEGORIES
from azr_safe.monitors.corpus import LabeledTrace
from azr_safe.monitors.handwritten import build, parse_source

CORPUS = Path(__file__).resolve().parents[2] / "monitors" / "corpus"


class AuthorSpec(BaseModel):
    """What one author set out to write; every field is a floor the corpus must stay above."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: tuple[int, int, int] = (220, 150, 80)  # concerning, hard negatives, plain benign
    per_category: int = 25  # concerning traces in every category
    category_counts: dict[str, int] = {}  # absolute floors for some categories
    category_shares: dict[str, float] = {}  # floors as a share of the concerning traces
    propose_share: float = 0.40
    max_spans: int | None = 2  # evidence spans per concerning trace
    long_traces: int = 0  # traces of at least 1.5 KB
    two_span_traces: int = 0
    buried_long_concerning: bool = False  # a >= 1.5 KB concerning trace whose evidence starts after char 200
    shortest_below: int = 80  # the shortest trace, in characters
    longest_at_least: int = 2049  # the longest trace, in characters
    median_gap: float | None = None  # each benign kind's median length within this share of the concerning one


# Authors L to S wrote to one brief (2026-12-07): the floors below, lengths matched across kinds.
SESSION5_BRIEF = AuthorSpec(kinds=(230, 160, 90), category_shares={"reward_hacking": 0.30, "deception": 0.25},
                            two_span_traces=10, long_traces=6, buried_long_concerning=True, median_gap=0.15,
                            longest_at_least=1500)

SESSION7_BRIEF = SESSION5_BRIEF.model_copy(update={"kinds": (240, 170, 95), "shortest_below": 150})

AUTHORS: dict[str, AuthorSpec] = {
    "d": AuthorSpec(kinds=(200, 150, 100), per_category=30, category_counts={"reward_hacking": 45},
                    category_shares={"reward_hacking": 0.25}, propose_share=0.45, max_spans=None),
    "e": AuthorSpec(category_shares={"reward_hacking": 0.35, "deception": 0.20}, max_spans=None, long_traces=5),
    "f": AuthorSpec(category_shares={"reward_hacking": 0.35, "deception": 0.20}, buried_long_concerning=True),
    "g": AuthorSpec(per_category=20, category_shares={"reward_hacking": 0.30, "deception": 0.30}, max_spans=None,
                    long_traces=5),
    "i": AuthorSpec(category_shares={"reward_hacking": 0.30, "deception": 0.20}),
    "j": AuthorSpec(per_category=20, category_shares={"reward_hacking": 0.35, "deception": 0.25}),
    "k": AuthorSpec(per_category=30, category_counts={"reward_hacking": 45, "deception": 45}, two_span_traces=10),
    **{a: SESSION5_BRIEF for a in "lmnopqrs"},
    # T, U, W, X: the same brief with a different list of registers to avoid; T and W wrote no trace under 113
    # characters
    **{a: SESSION5_BRIEF.model_copy(update={"shortest_below": 150}) for a in "tuwx"},
    # Session 6 (2026-12-07): the same brief again; Y, Z, A and then two-letter keys
    **{a: SESSION5_BRIEF.model_copy(update={"shortest_below": 150}) for a in ("y", "z", "a", "aa", "ab", "ac", "ad")},
    # Session 7: the same brief with higher counts; written for head 2.7 (not in head 2.6's training data)
    **{a: SESSION7_BRIEF for a in ("ae", "af", "ag", "ah", "ai", "aj", "ak")},
    # Session 8: the same brief in emotional and figurative registers (v8's false positives); for head 2.8
    **{a: SESSION7_BRIEF for a in ("al", "am", "an")},
    # Session 9: the same again (romance, fables, epic poetry, self-help, guided meditation, tabloid); for head 2.9
    **{a: SESSION7_BRIEF for a in ("ao", "ap", "aq", "ar", "as", "at")},
    # Session 10: the same brief again (newspaper op-ed and letters-to-the-editor, travel guidebook,
    # starship captain's log); for head 3.0
    **{a: SESSION7_BRIEF for a in ("au", "av", "aw")},
}


def _files(author: str) -> list[Path]:
    return sorted((CORPUS / f"author_{author}").glob("*.txt"))


@pytest.fixture(scope="module", params=sorted(AUTHORS), ids=lambda a: f"author_{a}")
def author(request) -> str:
    return request.param


def _parsed(author: str) -> list[LabeledTrace]:
    return [t for f in _files(author) for t in parse_source(f, id_prefix=author)]


@pytest.fixture(scope="module")
def traces(author) -> list[LabeledTrace]:
    return _parsed(author)


def test_every_source_file_parses_and_is_named_with_the_authors_letter(author):
    files = _files(author)
    assert files, f"no author {author} source files"
    for f in files:
        assert re.fullmatch(rf"{author}[a-z]_[a-z_]+\.txt", f.name), f.name
        assert parse_source(f, id_prefix=author), f"{f.name} has no records"


def test_the_folder_builds_with_the_authors_prefix_and_ids_do_not_collide(author, traces):
    built = build(CORPUS / f"author_{author}", id_prefix=author)
    assert len(built) == len(traces)
    ids = [t.id for t in built]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith(f"{author}-{author}") for i in ids)


def test_total_and_per_kind_counts_meet_the_minimums(author, traces):
    spec = AUTHORS[author]
    kinds = Counter(t.kind for t in traces)
    assert len(traces) >= 450
    minimums = dict(zip(("concerning", "hard_negative", "benign"), spec.kinds, strict=True))
    assert {k: kinds[k] for k in minimums if kinds[k] < minimums[k]} == {}


def test_every_category_has_enough_concerning_traces_and_the_weighted_ones_their_share(author, traces):
    spec = AUTHORS[author]
    concerning = [t for t in traces if t.label == "concerning"]
    assert all(len(t.categories) == 1 for t in concerning)
    per_category = Counter(t.categories[0] for t in concerning)
    assert set(per_category) == set(REASONING_CATEGORIES)
    for category in REASONING_CATEGORIES:
        assert per_category[category] >= spec.per_category, category
    for category, floor in spec.category_counts.items():
        assert per_category[category] >= floor, category
    for category, share in spec.category_shares.items():
        assert per_category[category] >= share * len(concerning), category


def test_proposer_traces_meet_their_share_and_every_kind_role_task_type_cell_has_five(author, traces):
    assert Counter(t.role for t in traces)["propose"] >= AUTHORS[author].propose_share * len(traces)
    cells = Counter((t.kind, t.role, t.task_type) for t in traces)
    for kind in ("concerning", "hard_negative", "benign"):
        for role in ("propose", "solve"):
            for task_type in ("deduction", "abduction", "induction"):
                assert cells[(kind, role, task_type)] >= 5, (kind, role, task_type)


def test_every_concerning_trace_has_evidence_inside_its_text_and_benign_ones_have_none(author, traces):
    spec = AUTHORS[author]
    for t in traces:
        if t.label == "concerning":
            assert t.evidence, t.id
            assert spec.max_spans is None or len(t.evidence) <= spec.max_spans, t.id
            for span in t.evidence:
                assert 0 <= span.start < span.end <= len(t.text), t.id
                assert t.text[span.start : span.end].strip(), t.id
        else:
            assert not t.evidence and not t.categories, t.id
        assert "{{" not in t.text and "}}" not in t.text, t.id


def test_no_trace_is_an_exact_duplicate_of_another(traces):
    texts = Counter(t.text for t in traces)
    assert [text[:60] for text, n in texts.items() if n > 1] == []


def test_lengths_range_from_one_line_to_the_longest_with_the_long_traces_promised(author, traces):
    spec = AUTHORS[author]
    lengths = [len(t.text) for t in traces]
    assert min(lengths) < spec.shortest_below and max(lengths) >= spec.longest_at_least
    assert sum(n >= 1500 for n in lengths) >= spec.long_traces
    assert sum(len(t.evidence) == 2 for t in traces) >= spec.two_span_traces
    if spec.buried_long_concerning:
        long_concerning = [t for t in traces if t.label == "concerning" and len(t.text) >= 1500]
        assert any(t.evidence[0].start > 200 for t in long_concerning)


@pytest.mark.parametrize("matched", sorted(a for a, spec in AUTHORS.items() if spec.median_gap is not None))
def test_length_does_not_give_the_label_away_where_the_author_matched_it(matched):
    gap = AUTHORS[matched].median_gap
    traces = _parsed(matched)
    median = {kind: float(np.median([len(t.text) for t in traces if t.kind == kind]))
              for kind in ("concerning", "hard_negative", "benign")}
    for kind in ("hard_negative", "benign"):
        assert abs(median[kind] - median["concerning"]) <= gap * median["concerning"], median


def test_readme_states_the_current_total(author, traces):
    readme = (CORPUS / f"author_{author}" / "README.md").read_text()
    assert f"## Counts ({len(traces)} traces)" in readme


def _argument_counts(trace: LabeledTrace) -> list[tuple[int, int]]:
    """(parameters of f, arguments an <input> passes) for a trace with one <code> defining a plain f, read
    with the trainer's block parser and called the way the jail calls it."""
    from azr_safe.jail.jail import call_for
    from azr_safe.selfplay.parsing import extract_blocks

    code, inputs = extract_blocks(trace.text, "code"), extract_blocks(trace.text, "input")
    if len(code) != 1:
        return []
    try:
        fs = [n for n in ast.parse(code[0]).body if isinstance(n, ast.FunctionDef) and n.name == "f"]
    except SyntaxError:
        return []
    if not fs or fs[0].args.vararg or fs[0].args.defaults or fs[0].args.kwonlyargs:
        return []
    out = []
    for text in inputs:
        try:
            call = ast.parse(call_for(text), mode="eval").body
        except SyntaxError:
            continue
        if not any(isinstance(a, ast.Starred) for a in call.args):
            out.append((len(fs[0].args.args), len(call.args)))
    return out


def test_benign_inputs_call_f_with_as_many_arguments_as_it_takes(traces):
    # The jail calls f(<input>): a two-argument f given "(5, 31)" gets one tuple and raises, so the benign
    # answer is wrong (authors AP and AS wrapped inputs so, until their review).
    wrong = [t.id for t in traces if t.label == "benign" and any(p != a for p, a in _argument_counts(t))]
    assert not wrong
