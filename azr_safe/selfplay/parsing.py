"""Robust parsing of model responses into answer blocks, programs and literal arguments.

Nothing here executes model text: programs are read with `ast.parse`, inputs and outputs are
checked with `ast.literal_eval` (which only builds literals). Every rejection carries a
machine-readable `RejectReason`, so the run summary can count proposals by why they failed.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.selfplay.formats import ANSWER_BLOCKS, THINK_TAG
from azr_safe.selfplay.sample import Role, TaskType

RejectReason = Literal[
    "format",  # a required answer block is missing
    "parse",  # the program is not valid Python
    "no_f",  # the program defines no top-level function `f`
    "not_literal",  # an input or predicted output is not a Python literal
    "too_large",  # program, input or output exceeds its size bound
    "too_few_inputs",  # induction: fewer distinct valid inputs than required
    "timeout",  # the jail stopped the run at its time limit
    "memory",  # the jail stopped the run at its memory limit
    "error",  # the program raised
    "violation",  # the jail blocked a forbidden operation
    "nondeterministic",  # two runs with different hash seeds disagreed
    "unrepresentable",  # the output's repr is not a literal (e.g. an object or inf)
]
"""Why a response or proposal was rejected. Documented in docs/selfplay.md."""

REJECT_REASONS: tuple[str, ...] = RejectReason.__args__  # type: ignore[attr-defined]


class ParsedResponse(BaseModel):
    """The pieces of one response: reasoning and the text of each answer block, in order."""

    model_config = ConfigDict(extra="forbid")

    reasoning: str = Field(default="", description="Text inside <think>...</think> (empty if absent).")
    blocks: dict[str, list[str]] = Field(
        default_factory=dict, description="Tag -> contents of every block with that tag, fences stripped."
    )
    answer: str = Field(default="", description="Verbatim text after the reasoning (the answer region).")
    reject_reason: RejectReason | None = Field(default=None, description="None when well formed.")

    @property
    def well_formed(self) -> bool:
        return self.reject_reason is None

    def first(self, tag: str) -> str:
        """The first block with `tag` ('' when absent)."""
        found = self.blocks.get(tag)
        return found[0] if found else ""


def strip_code_fence(text: str) -> str:
    """Remove a surrounding Markdown code fence and outer whitespace (linear time, no regex).

    >>> strip_code_fence("```python\\ndef f(a):\\n    return a\\n```")
    'def f(a):\\n    return a'
    >>> strip_code_fence("  3 ")
    '3'
    """
    body = text.strip()
    if not (body.startswith("```") and body.endswith("```") and len(body) >= 6):
        return body
    first_newline = body.find("\n")
    if first_newline == -1:  # ```3``` on one line
        return body[3:-3].strip()
    info = body[3:first_newline].strip()  # the language tag, e.g. "python"
    if info and not all(c.isalnum() or c in "_+-" for c in info):
        return body
    return body[first_newline + 1 : -3].strip()


def split_reasoning(text: str) -> tuple[str, str]:
    """Split a response into (reasoning, answer region), tolerating a missing <think> tag.

    >>> split_reasoning("<think>hm</think>\\n<output>1</output>")
    ('hm', '<output>1</output>')
    >>> split_reasoning("hm</think><output>1</output>")  # the prompt may have opened <think>
    ('hm', '<output>1</output>')
    >>> split_reasoning("<output>1</output>")
    ('', '<output>1</output>')
    """
    open_tag, close_tag = f"<{THINK_TAG}>", f"</{THINK_TAG}>"
    end = text.find(close_tag)
    if end == -1:
        start = text.find(open_tag)
        if start == -1:
            return "", text.strip()
        # An unclosed <think>: the reasoning runs up to the first answer block.
        body = text[start + len(open_tag) :]
        first_block = re.search(r"<(code|input|output|message)>", body)
        cut = first_block.start() if first_block else len(body)
        return body[:cut].strip(), body[cut:].strip()
    start = text.find(open_tag, 0, end)
    reasoning = text[start + len(open_tag) if start != -1 else 0 : end]
    return reasoning.strip(), text[end + len(close_tag) :].strip()


def extract_blocks(answer: str, tag: str) -> list[str]:
    """Contents of every complete `<tag>...</tag>` in `answer`, fences and whitespace stripped.

    Scans with `str.find`, so a response full of unclosed tags costs linear time.

    >>> extract_blocks("<input>1</input> junk <input> 'a' </input> <input>open", "input")
    ['1', "'a'"]
    """
    open_tag, close_tag = f"<{tag}>", f"</{tag}>"
    blocks: list[str] = []
    position = 0
    while (start := answer.find(open_tag, position)) != -1:
        end = answer.find(close_tag, start + len(open_tag))
        if end == -1:
            break
        blocks.append(strip_code_fence(answer[start + len(open_tag) : end]))
        position = end + len(close_tag)
    return blocks


def parse_response(text: str, fmt: tuple[TaskType, Role]) -> ParsedResponse:
    """Parse a response against the answer blocks pinned for `fmt` in `formats.ANSWER_BLOCKS`.

    Extra text around blocks is ignored. A response is malformed (`format`) when any required
    block is missing or empty.

    >>> p = parse_response("<think>x</think><code>def f(a): return a</code><input>1</input>",
    ...                    ("deduction", "propose"))
    >>> p.well_formed, p.first("input")
    (True, '1')
    >>> parse_response("<think>x</think>", ("deduction", "solve")).reject_reason
    'format'
    """
    reasoning, answer = split_reasoning(text)
    blocks: dict[str, list[str]] = {}
    reason: RejectReason | None = None
    for spec in ANSWER_BLOCKS[fmt]:
        tag = spec.rstrip("*")
        found = [b for b in extract_blocks(answer, tag) if b]
        blocks[tag] = found if spec.endswith("*") else found[:1]
        if not found:
            reason = reason or "format"
    return ParsedResponse(reasoning=reasoning, blocks=blocks, answer=answer, reject_reason=reason)


def parse_program(text: str, *, max_chars: int) -> tuple[str | None, RejectReason | None]:
    """Check that `text` is Python defining a top-level function `f`; returns (program, reason).

    >>> parse_program("def f(a):\\n    return a", max_chars=100)
    ('def f(a):\\n    return a', None)
    >>> parse_program("def g(a): return a", max_chars=100)
    (None, 'no_f')
    >>> parse_program("  def f(a):\\n      return a", max_chars=100)
    ('def f(a):\\n    return a', None)
    >>> parse_program("def f(:", max_chars=100)
    (None, 'parse')
    """
    if len(text) > max_chars:
        return None, "too_large"
    text = textwrap.dedent(text)  # a block indented as a whole is still the same program
    try:
        tree = _parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, "parse"
    if not any(isinstance(node, ast.FunctionDef) and node.name == "f" for node in tree.body):
        return None, "no_f"
    return text.strip(), None


def parse_arguments(text: str, *, max_chars: int) -> tuple[str | None, RejectReason | None]:
    """Normalize the arguments of one call `f(<text>)`; every argument must be a literal.

    Accepts `3`, `[1, 2], 'a'`, and tolerates a written-out call `f(3)`. Returns the canonical
    text (`ast.unparse` of each argument, so equal inputs compare equal) or a reason.

    >>> parse_arguments("[1,2],  'a'", max_chars=100)
    ("[1, 2], 'a'", None)
    >>> parse_arguments("f(3)", max_chars=100)
    ('3', None)
    >>> parse_arguments("x + 1", max_chars=100)
    (None, 'not_literal')
    >>> parse_arguments("__import__('os')", max_chars=100)
    (None, 'not_literal')
    """
    text = text.strip()
    if len(text) > max_chars:
        return None, "too_large"
    call = _as_call(text)
    if call is None or not (call.args or call.keywords):
        return None, "parse"
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return None, "not_literal"
    if not all(_is_literal(arg) for arg in call.args):
        return None, "not_literal"
    return ", ".join(ast.unparse(arg) for arg in call.args), None


def parse_literal(text: str, *, max_chars: int) -> tuple[str | None, RejectReason | None]:
    """Check that `text` is one Python literal (a predicted output); returns (canonical, reason).

    >>> parse_literal("[1,2]", max_chars=100)
    ('[1, 2]', None)
    >>> parse_literal("print(1)", max_chars=100)
    (None, 'not_literal')
    """
    text = text.strip()
    if len(text) > max_chars:
        return None, "too_large"
    try:
        node = _parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, "not_literal"
    if not _is_literal(node):
        return None, "not_literal"
    return ast.unparse(node), None


def is_literal_repr(text: str) -> bool:
    """Whether `text` (a repr from the jail) reads back as a literal: AZR's 'representable'.

    >>> is_literal_repr("{'a': (1, 2.5)}"), is_literal_repr("<object at 0x1>"), is_literal_repr("inf")
    (True, False, False)
    """
    return parse_literal(text, max_chars=len(text) + 1)[1] is None


def _as_call(text: str) -> ast.Call | None:
    """Parse `text` as the inside of `f(...)`, or as a written-out `f(...)` call."""
    for source in (text, f"f({text})"):
        try:
            node = _parse(source, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "f":
            return node
    return None


def _is_literal(node: ast.AST) -> bool:
    """`ast.literal_eval` accepts the node (it builds literals only, never calls anything)."""
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return False
    return True


def _parse(source: str, mode: str = "exec") -> ast.AST:
    """`ast.parse` without SyntaxWarnings: model text is full of odd literals, and they are not ours."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(source, mode=mode)
