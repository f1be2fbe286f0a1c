"""Check predictions against gold answers without trusting the child.

The gold never enters a child that runs model code, so nothing in the child can learn it and
forge a match; the child only reports the strictly typed literal tree of what the program
produced (an `AlwaysEqual` object or an `int` subclass has no tree). Equality of those trees is
decided here, on plain data. A predicted output that is plain literal text is compared without
running anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from azr_safe.jail.literals import NotALiteral, literal_call, literal_tree
from azr_safe.jail.results import CheckResult, ExecResult, Job

if TYPE_CHECKING:
    from azr_safe.jail.jail import Jail

MAX_SHARED_CALLS = 16  # answers per shared child: n = 8 rollouts (the paper's) and a few solves fit


def _gold(text: str) -> Any | None:
    try:
        return literal_tree(text)
    except NotALiteral:
        return None


def _verdict(result: ExecResult, gold: Any) -> tuple[bool, str]:
    if result.status != "ok":
        return False, result.status
    if result.literal is None:
        return False, "value is not a literal"
    return (True, "match") if result.literal == gold else (False, "mismatch")


def check_outputs(jail: Jail, items: Sequence[tuple[str, str, str, str]]) -> list[CheckResult]:
    verdicts: list[CheckResult | None] = []
    to_run: list[tuple[int, Job, Any]] = []
    for program, _input, predicted, gold_text in items:
        gold = _gold(gold_text)
        if gold is None:
            verdicts.append(CheckResult(passed=False, reason="gold output is not a literal"))
            continue
        try:
            same = literal_tree(predicted) == gold
            verdicts.append(CheckResult(passed=same, reason="match" if same else "mismatch"))
        except NotALiteral:  # an expression such as [1] * 3: evaluate it in the jail
            verdicts.append(None)
            to_run.append((len(verdicts) - 1, Job(code=program, calls=[f"({predicted}\n)"]), gold))
    outcomes = jail.run_batch([job for _, job, _ in to_run])
    for (index, _job, gold), results in zip(to_run, outcomes):
        passed, reason = _verdict(results[0], gold)
        verdicts[index] = CheckResult(passed=passed, reason=reason, results=results)
    return [v for v in verdicts if v is not None]


def check_inputs(jail: Jail, items: Sequence[tuple[str, str, str]]) -> list[CheckResult]:
    """The answers for one program that are literal data share a child (`shared.py`: outcomes as
    if each had its own); an answer that is an expression is model code and runs alone."""
    from azr_safe.jail.jail import call_for

    golds = [_gold(gold_text) for _, _, gold_text in items]
    calls = [call_for(predicted) for _, predicted, _ in items]
    groups: dict[str, list[int]] = {}
    alone: list[list[int]] = []
    for index, ((program, _, _), call) in enumerate(zip(items, calls)):
        if jail.config.share_child_for_literal_calls and literal_call(call):
            groups.setdefault(program, []).append(index)
        else:
            alone.append([index])
    # Calls in a child run one after another: chunks bound the latency of a slow program's answers.
    members = [group[i:i + MAX_SHARED_CALLS] for group in groups.values()
               for i in range(0, len(group), MAX_SHARED_CALLS)] + alone
    outcomes = jail.run_shared([Job(code=items[m[0]][0], calls=[calls[i] for i in m]) for m in members])
    per_item: list[ExecResult | None] = [None] * len(items)
    for member, results in zip(members, outcomes):
        for index, result in zip(member, results):
            per_item[index] = result
    verdicts = []
    for gold, result in zip(golds, per_item):
        if gold is None:
            verdicts.append(CheckResult(passed=False, reason="gold output is not a literal", results=[result]))
            continue
        passed, reason = _verdict(result, gold)
        verdicts.append(CheckResult(passed=passed, reason=reason, results=[result]))
    return verdicts


def check_programs(jail: Jail, items: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> list[CheckResult]:
    from azr_safe.jail.jail import call_for

    jobs = [Job(code=candidate, calls=[call_for(i) for i, _ in pairs]) for candidate, pairs in items]
    runnable = [bool(pairs) for _, pairs in items]
    outcomes = jail.run_batch([job for job, ok in zip(jobs, runnable) if ok])
    verdicts = []
    for (_candidate, pairs), ok in zip(items, runnable):
        if not ok:
            verdicts.append(CheckResult(passed=False, reason="no pairs to check"))
            continue
        results = outcomes.pop(0)
        reason = "match"
        for index, ((_, gold_text), result) in enumerate(zip(pairs, results)):
            gold = _gold(gold_text)
            passed, why = _verdict(result, gold) if gold is not None else (False, "gold output is not a literal")
            if not passed:
                reason = f"pair {index}: {why}"
                break
        verdicts.append(CheckResult(passed=reason == "match", reason=reason, results=results))
    return verdicts
