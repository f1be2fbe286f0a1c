"""Several calls of one program in ONE child, graded as if each had a child of its own.

A forked child costs ~2–3 ms of CPU, a call ~0.05 ms, so the n answers that one task's program is
checked against (abduction: f(x_1) … f(x_n)) are far cheaper in one child. What must not change is
any answer's outcome. Calls in a child run one after another with fresh globals, so an ordinary
error, a wrong value or a caught MemoryError stays with its call; what does not is a call that
ENDS the child (wall-clock timeout, seccomp violation, memory kill, a crash, a broken result
channel): the calls after it were never run. So, round by round:

* calls with a record of their own are final;
* the call that ended the child is final if it ran first in its child (it had the child to
  itself, exactly as alone); otherwise it is re-run alone, so that nothing an earlier call left
  behind can decide its outcome;
* the calls after it are re-run together in a fresh child.

Every round finalises at least one call per child, so a job of n calls takes at most n rounds; in
the usual case (no call ends its child) one child and one round. Callers must only share a child
between calls that run nothing but the job's own program on literal data (`literals.literal_call`):
an argument that is an expression is model code and gets a child of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from azr_safe.jail.results import ExecResult, Job

if TYPE_CHECKING:
    from azr_safe.jail.jail import Jail


def _segment_job(job: Job, indices: list[int]) -> Job:
    return job.model_copy(update={"calls": [job.calls[i] for i in indices]})


def run_shared(jail: Jail, jobs: Sequence[Job]) -> list[list[ExecResult]]:
    """One result per call of each job, as if every call had run in a child of its own."""
    final: list[list[ExecResult | None]] = [[None] * max(1, len(job.calls)) for job in jobs]
    # (job index, call indices that share the next child); a bare run (no calls) is one segment.
    todo = [(j, list(range(len(job.calls))) or [0]) for j, job in enumerate(jobs)]
    while todo:
        runs = [(j, seg, _segment_job(jobs[j], seg) if jobs[j].calls else jobs[j]) for j, seg in todo]
        pending = [(run, jail._submit(run[2], jail._least_loaded())) for run in runs]  # noqa: SLF001
        todo = []
        for (j, seg, job), submitted in pending:
            results, ran = jail._collect_counted(job, submitted)  # noqa: SLF001
            for k in range(ran):
                final[j][seg[k]] = results[k]
            if ran == len(seg):
                continue
            if ran == 0:
                final[j][seg[0]] = results[0]  # it ended a child it had to itself: its own outcome
            else:
                todo.append((j, [seg[ran]]))  # confirm alone
            if seg[ran + 1:]:
                todo.append((j, seg[ran + 1:]))
    return [[r for r in row if r is not None] for row in final]
