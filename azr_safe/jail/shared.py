"""Several calls of one program in ONE child, graded as if each had a child of its own.

A forked child costs ~2–3 ms of CPU, a call ~0.05 ms, so the n answers that one task's program is
checked against (abduction: f(x_1) … f(x_n)) are far cheaper in one child. What must not change is
any answer's outcome. Calls in a child run one after another with fresh globals, so an ordinary
error, a wrong value or a caught MemoryError stays with its call; what does not is a call that
ENDS the child (wall-clock timeout, seccomp violation, memory kill, a crash, a broken result
channel): the calls after it were never run. So:

* calls with a record of their own are final;
* the call that ended the child is final if it ran first in its child (it had the child to
  itself, exactly as alone); otherwise it is re-run alone, so that nothing an earlier call left
  behind can decide its outcome;
* every call after it is re-run in a child of its own.

A second round's outcomes are all final (each call runs first in its child), so a job takes at most
two rounds: the latency of a child per answer plus one, whatever fails. Re-running the rest one by
one rather than together keeps a task whose inputs loop (n timeouts) from timing out n times in
sequence; the price is that a child-ending answer costs up to n + 1 children instead of 1 (a child
per answer: n). Callers must only share a child between calls that run nothing but the job's own
program on literal data (`literals.literal_call`): an argument that is an expression is model code
and gets a child of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from azr_safe.jail.results import ExecResult, Job

if TYPE_CHECKING:
    from azr_safe.jail.jail import Jail


def _segment_job(job: Job, indices: list[int]) -> Job:
    return job.model_copy(update={"calls": [job.calls[i] for i in indices]}) if job.calls else job


def run_shared(jail: Jail, jobs: Sequence[Job]) -> list[list[ExecResult]]:
    """One result per call of each job, as if every call had run in a child of its own."""
    final: list[list[ExecResult | None]] = [[None] * max(1, len(job.calls)) for job in jobs]
    # (job index, call indices that share the next child); a bare run (no calls) is one segment.
    todo = [(j, list(range(len(job.calls))) or [0]) for j, job in enumerate(jobs)]
    while todo:
        pending = [(j, seg, _segment_job(jobs[j], seg)) for j, seg in todo]
        submitted = [jail._submit(job, jail._least_loaded()) for _, _, job in pending]  # noqa: SLF001
        todo = []
        for (j, seg, job), handle in zip(pending, submitted):
            results, ran = jail._collect_counted(job, handle)  # noqa: SLF001
            for k in range(ran):
                final[j][seg[k]] = results[k]
            if ran == len(seg):
                continue
            if ran == 0:
                final[j][seg[0]] = results[0]  # it ended a child it had to itself: its own outcome
            else:
                todo.append((j, [seg[ran]]))  # confirm alone
            todo.extend((j, [index]) for index in seg[ran + 1:])
    return [[r for r in row if r is not None] for row in final]
