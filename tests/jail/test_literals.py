"""Literal parsing in the trainer: never executes anything, and types are strict."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azr_safe.jail import NotALiteral, call_for, literal_tree, parse_literal
from azr_safe.jail.literals import literal_call
from azr_safe.jail._worker import to_literal


@pytest.mark.parametrize("text, value", [
    pytest.param("3", 3, id="int"),
    pytest.param("-2.5", -2.5, id="negative-float"),
    pytest.param("(1+2j)", 1 + 2j, id="complex"),
    pytest.param("'a'", "a", id="str"),
    pytest.param("b'\\x00'", b"\x00", id="bytes"),
    pytest.param("[1, (2, 3), {'k': None}]", [1, (2, 3), {"k": None}], id="nested"),
    pytest.param("set()", set(), id="empty-set"),
    pytest.param("frozenset({1, 2})", frozenset({1, 2}), id="frozenset"),
    pytest.param("inf", math.inf, id="inf"),
    pytest.param("True", True, id="bool"),
])
def test_parse_literal_reads_what_repr_writes(text, value):
    assert parse_literal(text) == value


def test_parse_literal_reads_nan_as_a_float_nan():
    assert math.isnan(parse_literal("nan"))


@pytest.mark.parametrize("text", [
    pytest.param("__import__('os').system('touch /tmp/x')", id="call"),
    pytest.param("f(3)", id="function-call"),
    pytest.param("x", id="name"),
    pytest.param("(1).__class__", id="attribute"),
    pytest.param("lambda: 1", id="lambda"),
    pytest.param("[1] * 3", id="arithmetic"),
    pytest.param("{**{}}", id="dict-unpacking"),
    pytest.param("[", id="syntax-error"),
    pytest.param("{[1]: 2}", id="unhashable-key"),
    pytest.param("-'a'", id="sign-on-string"),
])
def test_parse_literal_refuses_anything_but_literal_data(text):
    with pytest.raises(NotALiteral):
        parse_literal(text)


def test_literal_trees_are_strictly_typed():
    assert literal_tree("1") != literal_tree("1.0") != literal_tree("True")
    assert literal_tree("(1, 2)") != literal_tree("[1, 2]")
    assert literal_tree("{1, 2}") == literal_tree("{2, 1}")
    assert literal_tree("{'a': 1, 'b': 2}") == literal_tree("{'b': 2, 'a': 1}")


def test_subclasses_of_literal_types_have_no_tree():
    class Sneaky(int):
        def __eq__(self, other):
            return True

    assert to_literal(Sneaky(3)) is None
    assert to_literal([1, Sneaky(3)]) is None
    assert to_literal(object()) is None


def test_huge_ints_and_deep_nesting_do_not_crash_canonicalisation():
    assert to_literal(10 ** 5000)[0] == "int"
    deep: list = []
    for _ in range(500):
        deep = [deep]
    assert to_literal(deep) is None


literals = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5) | st.binary(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.integers() | st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(literals)
def test_repr_then_parse_gives_the_same_tree_as_the_child_builds(value):
    assert literal_tree(repr(value)) == to_literal(value)


_json_records = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),  # text includes lone surrogates
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json_records)
def test_the_harness_json_encoder_writes_the_same_bytes_as_json_dumps(record):
    import json

    from azr_safe.jail._worker import dumps
    assert dumps(record) == json.dumps(record)
    assert dumps({"status": "ok", "literal": record, "i": 0}) == json.dumps({"status": "ok", "literal": record, "i": 0})


def test_the_harness_json_encoder_raises_recursion_error_on_a_cycle_and_stays_usable():
    # It skips json's circular check (whose markers dict would keep stale entries after an error);
    # the child catches RecursionError and writes a "result not serialisable" record instead.
    from azr_safe.jail._worker import dumps
    cycle: list = []
    cycle.append(cycle)
    with pytest.raises(RecursionError):
        dumps({"literal": cycle})
    assert dumps({"status": "error", "literal": None}) == '{"status": "error", "literal": null}'


@pytest.mark.parametrize("args", ["3", "[1, 2], 'a'", "{1: (2, 3)}", "-1.5, None, True", "set()", "frozenset({1})",
                                  "nan", "1+2j", "b'x'", "3 # trailing comment", ""])
def test_a_call_of_f_on_literal_data_may_share_a_child(args):
    assert literal_call(call_for(args))


@pytest.mark.parametrize("args", ["x", "*[1]", "a=1", "__import__('os')", "(lambda: 4)()", "3 + 1", "[1] * 3",
                                  "(1).__class__", "(y := 2)", "1), (2", "f(1)", "[i for i in range(3)]"])
def test_anything_but_literal_data_in_the_call_gets_a_child_of_its_own(args):
    assert not literal_call(call_for(args))


def test_only_a_call_of_f_itself_counts_as_a_literal_call():
    assert not literal_call("g(1)") and not literal_call("f.x(1)") and not literal_call("(lambda: f)()(1)")
    assert not literal_call("f(1)(2)") and not literal_call("1") and not literal_call("f(" + "1, " * 10**6 + ")")
