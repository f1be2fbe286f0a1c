"""Parsing of responses: tolerant of sloppy formatting, strict about what counts as a literal or a program."""

import pytest

from azr_safe.selfplay.parsing import (
    REJECT_REASONS,
    is_literal_repr,
    parse_arguments,
    parse_literal,
    parse_program,
    parse_response,
)


def test_response_without_think_tag_still_yields_its_answer_block():
    parsed = parse_response("The answer is\n<output> [1, 2] </output>", ("deduction", "solve"))
    assert parsed.well_formed
    assert parsed.first("output") == "[1, 2]"
    assert parsed.reasoning == ""


def test_code_fence_inside_a_block_is_stripped():
    text = "<think>ok</think>\n<code>\n```python\ndef f(a):\n    return a * 2\n```\n</code>\n<input>3</input>"
    parsed = parse_response(text, ("deduction", "propose"))
    assert parsed.first("code") == "def f(a):\n    return a * 2"
    assert parsed.first("input") == "3"


def test_extra_text_around_blocks_is_ignored_and_only_the_first_single_block_is_kept():
    text = "<think>a</think> Sure! <output>1</output> and also <output>2</output> bye"
    parsed = parse_response(text, ("deduction", "solve"))
    assert parsed.blocks["output"] == ["1"]


def test_blocks_written_inside_the_reasoning_do_not_count_as_answers():
    parsed = parse_response("<think>maybe <output>1</output></think> no answer", ("deduction", "solve"))
    assert parsed.reject_reason == "format"


def test_unclosed_think_ends_at_the_first_answer_block():
    parsed = parse_response("<think>step one\n<output>5</output>", ("deduction", "solve"))
    assert parsed.reasoning == "step one"
    assert parsed.first("output") == "5"


def test_empty_required_block_is_a_format_rejection():
    parsed = parse_response("<think>x</think><code>  </code><input>1</input>", ("abduction", "propose"))
    assert parsed.reject_reason == "format"


def test_induction_proposal_collects_every_input_block():
    text = "<think>t</think>" + "".join(f"<input>{i}</input>" for i in range(7)) + "<message>m</message>"
    parsed = parse_response(text, ("induction", "propose"))
    assert parsed.blocks["input"] == [str(i) for i in range(7)]
    assert parsed.first("message") == "m"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("def f(:\n  pass", "parse"),
        ("def g(a):\n    return a", "no_f"),
        ("class f:\n    pass", "no_f"),
        ("if True:\n    def f(a):\n        return a", "no_f"),  # must be top level
        ("def f(a):\n    return a\n" + "#" * 5000, "too_large"),
    ],
)
def test_bad_programs_are_rejected_with_their_reason(source, reason):
    assert parse_program(source, max_chars=4000) == (None, reason)


def test_program_with_helpers_and_imports_is_accepted_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    source = f"import os\nopen({str(marker)!r}, 'w').write('x')\ndef helper(x):\n    return x\ndef f(a):\n    return helper(a)"
    program, reason = parse_program(source, max_chars=4000)
    assert reason is None and program is not None
    assert not marker.exists()  # parsing never executes model text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", "3"),
        ("  [1,2],   'x' ", "[1, 2], 'x'"),
        ("f([1, 2])", "[1, 2]"),
        ("(1, 2)", "(1, 2)"),
        ("{'a': {1, 2}}, -3.5", "{'a': {1, 2}}, -3.5"),
        ("set()", "set()"),
    ],
)
def test_literal_arguments_are_normalized(text, expected):
    assert parse_arguments(text, max_chars=100) == (expected, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("x", "not_literal"),
        ("__import__('os').system('true')", "not_literal"),
        ("a=1", "not_literal"),
        ("*[1, 2]", "not_literal"),
        ("1), g(2", "parse"),
        ("1)(2", "parse"),
        ("", "parse"),
        ("9" * 2000, "too_large"),
    ],
)
def test_non_literal_or_malicious_arguments_are_rejected(text, reason):
    assert parse_arguments(text, max_chars=1000) == (None, reason)


def test_huge_integer_literal_within_the_size_bound_does_not_crash():
    canonical, reason = parse_arguments("9" * 900, max_chars=1000)
    assert reason is None and canonical == "9" * 900


def test_predicted_output_must_be_one_literal():
    assert parse_literal("'abc'", max_chars=100) == ("'abc'", None)
    assert parse_literal("1, 2", max_chars=100) == ("(1, 2)", None)
    assert parse_literal("len('a')", max_chars=100) == (None, "not_literal")


def test_reprs_that_are_not_literals_are_unrepresentable():
    assert is_literal_repr("[1, (2, 'a'), {3: None}]")
    assert not is_literal_repr("<function f at 0x7f>")
    assert not is_literal_repr("nan")


def test_every_reason_used_by_the_parsers_is_declared():
    for reason in ("format", "parse", "no_f", "not_literal", "too_large", "too_few_inputs", "nondeterministic",
                   "timeout", "error", "unrepresentable"):
        assert reason in REJECT_REASONS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```\nx = 1\n```", "x = 1"),
        ("```py\n\ndef f(a):\n    return a\n\n```  ", "def f(a):\n    return a"),
        ("```3```", "3"),
        ("``` not a fence", "``` not a fence"),
    ],
)
def test_code_fence_variants(text, expected):
    from azr_safe.selfplay.parsing import strip_code_fence

    assert strip_code_fence(text) == expected


def test_pathological_responses_of_unclosed_tags_parse_as_format_errors():
    # A regex scan would be quadratic here (seconds); the str.find scan is linear.
    for text in ("<think>" + "<output>" * 20000, "```\n" + " " * 50000, "<think>" + "<code>" * 50000):
        assert parse_response(text, ("deduction", "solve")).reject_reason == "format"
