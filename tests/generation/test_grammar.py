import pytest
import xgrammar as xgr

from azr_safe.generation.grammar import GrammarConfig, build_ebnf, format_adherence, is_well_formed
from azr_safe.generation.grammar_hf import GrammarCompiler, open_region
from azr_safe.selfplay.formats import ANSWER_BLOCKS

FMTS = list(ANSWER_BLOCKS)
GOOD = {
    ("deduction", "propose"): "<think>add</think>\n<code>def f(a):\n    return a + 1</code>\n<input>3</input>",
    ("abduction", "propose"): "<think>x</think>\n<code>def f(a):\n    return a < 2</code>\n<input>1</input>",
    ("induction", "propose"): "<think>s</think>"
    + "".join(f"\n<input>{i}</input>" for i in range(6))
    + "\n<message>adds one</message>",
    ("deduction", "solve"): "<think>6</think>\n<output>6</output>",
    ("abduction", "solve"): "<think>3</think>\n<input>3</input>",
    ("induction", "solve"): "<think>f</think>\n<code>def f(a):\n    return a</code>",
}


@pytest.mark.parametrize("fmt", FMTS)
def test_the_grammar_accepts_a_well_formed_response_of_each_role(tiny_tokenizer, fmt):
    compiler = GrammarCompiler(tiny_tokenizer, len(tiny_tokenizer))
    matcher = xgr.GrammarMatcher(compiler.compiled(fmt))
    assert matcher.accept_string(GOOD[fmt])
    assert matcher.is_completed()
    assert is_well_formed(GOOD[fmt], fmt)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        (("deduction", "solve"), "<think>6</think>\n<input>6</input>"),  # wrong block
        (("deduction", "propose"), "<think>x</think>\n<input>1</input>\n<code>def f(a): return a</code>"),  # order
        (("deduction", "solve"), "<think>a </output> b</think>\n<output>6</output>"),  # closing tag inside think
        (("deduction", "solve"), "<think>x</think>\n<output> \n</output>"),  # blank block
        (("induction", "propose"), "<think>s</think>\n<input>1</input>\n<message>m</message>"),  # too few inputs
    ],
)
def test_the_grammar_and_the_checker_both_reject_malformed_responses(tiny_tokenizer, fmt, text):
    compiler = GrammarCompiler(tiny_tokenizer, len(tiny_tokenizer))
    matcher = xgr.GrammarMatcher(compiler.compiled(fmt))
    assert not (matcher.accept_string(text) and matcher.is_completed())
    assert not is_well_formed(text, fmt) or fmt == ("induction", "propose")  # the checker takes 1+ inputs


def test_a_prompt_that_opens_think_gets_a_grammar_without_the_opening_tag():
    assert build_ebnf(("deduction", "solve"), think_opened=True).startswith("root ::= think")
    assert is_well_formed("reasoning</think>\n<output>1</output>", ("deduction", "solve"))


def test_comparison_operators_stay_writable_inside_blocks(tiny_tokenizer):
    compiler = GrammarCompiler(tiny_tokenizer, len(tiny_tokenizer))
    matcher = xgr.GrammarMatcher(compiler.compiled(("induction", "solve")))
    assert matcher.accept_string("<think>a < b, c <= d</think>\n<code>def f(a):\n    return a < 3</code>")


def test_induction_input_count_bounds_are_validated():
    with pytest.raises(ValueError, match="induction_max_inputs"):
        GrammarConfig(induction_min_inputs=5, induction_max_inputs=2)


def test_format_adherence_is_the_fraction_of_well_formed_responses():
    fmt = ("deduction", "solve")
    texts = [GOOD[fmt], "no tags at all", GOOD[fmt], "<think>x</think>"]
    assert format_adherence(texts, [fmt] * 4) == 0.5
    assert format_adherence([], []) == 1.0
    with pytest.raises(ValueError):
        format_adherence(["x"], [])


def test_the_checker_is_linear_on_long_malformed_text():
    import time

    text = "<think>" + "a " * 20000 + "</think>\n" + "<input>x</input>\n" * 3 + "<message>" + "b" * 50000
    started = time.perf_counter()
    assert not is_well_formed(text, ("induction", "propose"))
    assert time.perf_counter() - started < 0.5


def test_open_region_tells_reasoning_blocks_and_gaps_apart():
    assert open_region("<think>still thinking") == ("think", 0)
    assert open_region("<think>t</think>\n") is None
    assert open_region("<think>t</think>\n<code>def f") == ("code", len("<think>t</think>\n<code>"))
    assert open_region("<think>t</think>\n<code>x</code>\n") is None


@pytest.mark.parametrize("fmt", [("deduction", "propose"), ("induction", "solve")])
def test_a_code_block_must_start_with_the_function_definition(tiny_tokenizer, fmt):
    compiler = GrammarCompiler(tiny_tokenizer, len(tiny_tokenizer))
    prose = "<think>x</think>\n<code>may be constructed in this order.</code>"
    matcher = xgr.GrammarMatcher(compiler.compiled(fmt))
    assert not matcher.accept_string(prose)
    matcher = xgr.GrammarMatcher(compiler.compiled(fmt))
    assert matcher.accept_string("<think>x</think>\n<code>\ndef f(a):")
    matcher = xgr.GrammarMatcher(compiler.compiled(fmt))
    assert not matcher.accept_string("<think>x</think>\n<code>\n  def f(a):")  # indented: would not parse


def test_an_empty_code_prefix_allows_any_code_again(tiny_tokenizer):
    compiler = GrammarCompiler(tiny_tokenizer, len(tiny_tokenizer), GrammarConfig(code_prefix=""))
    matcher = xgr.GrammarMatcher(compiler.compiled(("induction", "solve")))
    assert matcher.accept_string("<think>x</think>\n<code>import math\ndef f(a):\n    return a</code>")


def test_a_code_prefix_that_would_open_a_tag_is_refused():
    with pytest.raises(ValueError, match="code_prefix"):
        GrammarConfig(code_prefix="<def")
