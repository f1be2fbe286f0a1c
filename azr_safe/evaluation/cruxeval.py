"""CRUXEval-style output and input prediction (Gu et al. 2024), built from HumanEval offline.

For each HumanEval problem, in task-number order:
1. program: prompt + canonical solution, docstrings removed (they show example outputs) and the
   entry point renamed to `f`, as in CRUXEval and in our self-play format;
2. inputs: the literal argument lists of `candidate(...)` calls in the top-level asserts of
   `check`, read with `ast` (nothing is executed to find them);
3. output: `f(input)` run twice in the jail (two processes, two hash seeds); the first input whose
   output is deterministic, a literal, and short enough becomes the problem's one item.
The same items serve `cruxeval-o` (deduction: predict the output) and `cruxeval-i` (abduction:
find any input with f(input) == output). The built set is stored with its sha256, and a test
rebuilds it in the jail and checks the hash.
"""

from __future__ import annotations

import ast
from typing import Any

from azr_safe.evaluation.humaneval import canonical_solution, load_humaneval
from azr_safe.evaluation.records import Problem
from azr_safe.selfplay.parsing import is_literal_repr

CRUXEVAL_VERSION = "v1"
MAX_IO_CHARS = 120  # CRUXEval keeps inputs and outputs short enough to reason about


class _StripAndRename(ast.NodeTransformer):
    """Drop docstrings and rename the entry point (definition and every use) to `f`."""

    def __init__(self, entry_point: str) -> None:
        self.entry_point = entry_point

    def _strip_docstring(self, node: Any) -> Any:
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            if isinstance(body[0].value.value, str):
                body = body[1:] or [ast.Pass()]
        node.body = body
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        if node.name == self.entry_point:
            node.name = "f"
        return self._strip_docstring(self.generic_visit(node))

    def visit_Module(self, node: ast.Module) -> Any:
        return self._strip_docstring(self.generic_visit(node))

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id == self.entry_point:
            node.id = "f"
        return node


def _uses_name_f(tree: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id == "f") or (isinstance(n, ast.arg) and n.arg == "f")
        or (isinstance(n, ast.FunctionDef) and n.name == "f")
        for n in ast.walk(tree)
    )


def cruxeval_program(prompt: str, solution: str, entry_point: str) -> str | None:
    """The canonical solution as a docstring-free program defining `f`; None if `f` is taken."""
    tree = ast.parse(prompt + solution)
    if _uses_name_f(tree):
        return None  # renaming would change the program's meaning
    return ast.unparse(ast.fix_missing_locations(_StripAndRename(entry_point).visit(tree)))


def _literal_args(call: ast.Call) -> str | None:
    if call.keywords or not call.args or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    try:
        for arg in call.args:
            ast.literal_eval(arg)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return None
    return ", ".join(ast.unparse(arg) for arg in call.args)


def extract_test_inputs(test: str) -> list[str]:
    """Literal argument lists of `candidate(...)` in check()'s top-level asserts, in order, deduplicated."""
    tree = ast.parse(test)
    check = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"), None)
    found: list[str] = []
    for statement in check.body if check else []:
        if not isinstance(statement, ast.Assert):
            continue  # asserts inside loops use loop variables, not literals
        for node in ast.walk(statement.test):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "candidate":
                args = _literal_args(node)
                if args is not None and len(args) <= MAX_IO_CHARS and args not in found:
                    found.append(args)
    return found


def _first_good_pair(inputs: list[str], first: list[Any], second: list[Any]) -> tuple[str, str] | None:
    """The first input whose output is ok, identical in both runs, a literal, and short."""
    for given, a, b in zip(inputs, first, second):
        if a.status == b.status == "ok" and a.value == b.value and a.value is not None:
            if len(a.value) <= MAX_IO_CHARS and is_literal_repr(a.value):
                return given, a.value
    return None


def build_cruxeval(jail: Any, problems: list[Problem] | None = None) -> list[Problem]:
    """Build the item set (as deduction problems) from HumanEval, running canonical solutions in `jail`."""
    problems = problems if problems is not None else load_humaneval()[0]
    candidates = []
    for source in problems:
        program = cruxeval_program(source.program, canonical_solution(source), source.entry_point)
        inputs = extract_test_inputs(source.test)
        if program is not None and inputs:
            candidates.append((source.problem_id.split("/")[1], program, inputs))
    runs = jail.evaluate_twice_many([(program, inputs) for _, program, inputs in candidates])
    items: list[Problem] = []
    for (number, program, inputs), (first, second) in zip(candidates, runs, strict=True):
        pair = _first_good_pair(inputs, first, second)
        if pair is not None:
            items.append(
                Problem(
                    problem_id=f"cruxeval-{CRUXEVAL_VERSION}/{number}",
                    task="deduction",
                    program=program,
                    inputs=[pair[0]],
                    outputs=[pair[1]],
                )
            )
    return items
