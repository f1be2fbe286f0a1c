"""Test doubles for pure-logic self-play tests: a lookup-table jail that never executes anything.

Tests that check validation or grading *behaviour* use the real jail (test_jail_*.py); this fake
only answers from a table of (program, input) -> output repr written by the test itself.
"""

from __future__ import annotations

import ast

from azr_safe.jail.literals import literal_tree
from azr_safe.jail.results import CheckResult, ExecResult


class TableJail:
    """Answers self-play's jail calls from `table[program][input] = ExecResult`."""

    def __init__(self, table: dict[str, dict[str, ExecResult]], second: dict[str, dict[str, ExecResult]] | None = None):
        self.table = table
        self.second = second or {}
        self.calls: list[str] = []

    def _run(self, program: str, call_input: str, *, second: bool = False) -> ExecResult:
        source = self.second if second and program in self.second else self.table
        return source.get(program, {}).get(call_input, ExecResult(status="error", stderr="NameError"))

    def evaluate_twice_many(self, items):
        self.calls.append("evaluate_twice_many")
        return [([self._run(p, i) for i in inputs], [self._run(p, i, second=True) for i in inputs])
                for p, inputs in items]

    def check_outputs(self, items):
        self.calls.append("check_outputs")
        return [CheckResult(passed=ast.literal_eval(pred) == ast.literal_eval(gold), reason="match")
                for _p, _i, pred, gold in items]

    def check_inputs(self, items):
        self.calls.append("check_inputs")
        out = []
        for program, pred_input, gold in items:
            run = self._run(program, pred_input)
            ok = run.status == "ok" and ast.literal_eval(run.value) == ast.literal_eval(gold)
            out.append(CheckResult(passed=ok, reason="match" if ok else "mismatch", results=[run]))
        return out

    def check_programs(self, items):
        self.calls.append("check_programs")
        out = []
        for candidate, pairs in items:
            runs = [self._run(candidate, i) for i, _ in pairs]
            ok = all(r.status == "ok" and r.value == o for r, (_, o) in zip(runs, pairs))
            out.append(CheckResult(passed=ok, reason="match" if ok else "mismatch", results=runs))
        return out


def ok(value: str) -> ExecResult:
    return ExecResult(status="ok", value=value, literal=literal_tree(value))
