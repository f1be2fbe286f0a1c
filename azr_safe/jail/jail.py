"""`Jail`: a pool of jailed fork-server workers and what self-play needs from it.

Create it BEFORE importing torch/CUDA: workers are fresh interpreters started with an explicit
argument list (never a fork of the trainer).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from azr_safe.errors import JailUnavailableError
from azr_safe.jail.config import JailConfig
from azr_safe.jail.decode import decode_calls
from azr_safe.jail.layers import build_layer_report, worker_init
from azr_safe.jail.outer import nsjail_argv, plan_outer
from azr_safe.jail.pool import WorkerDied, WorkerProcess
from azr_safe.jail.results import CheckResult, ExecResult, Job, LayerReport
from azr_safe.jail import shared, verdicts

log = logging.getLogger(__name__)
WATCHDOG_GRACE_S = 15.0


def random_uid_block() -> int:
    """A random block of 64 uids in [2^20, 2^30): no passwd entry, no other jail, no real user."""
    low, high, size = 1 << 20, 1 << 30, 64
    return low + size * secrets.randbelow((high - low) // size)


def _job_from_pair(pair: tuple[str, str | None]) -> Job:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"a job is a Job or a (code, call) pair, got {type(pair).__name__}")
    return Job(code=pair[0], calls=[] if pair[1] is None else [pair[1]])


def call_for(input_text: str) -> str:
    """`f(<input>)`; the newline stops a trailing comment in the input from eating the paren."""
    return f"f({input_text}\n)"


class Jail:
    """Runs model-written programs in the layered jail. See design/interfaces.md."""

    def __init__(self, config: JailConfig | dict | None = None) -> None:
        self.config = config if isinstance(config, JailConfig) else JailConfig.model_validate(config or {})
        self._outer = plan_outer(self.config, random_uid_block())
        self._check_requirements()
        self._init = worker_init(self.config)
        self._closed = False
        self._lock = threading.Lock()
        self._restart_lock = threading.Lock()
        self._uid_block = random_uid_block()
        self._workers: list[WorkerProcess | None] = [None] * self.config.workers
        self._ready: list[dict] = []
        self.children_started = 0  # programs submitted to workers, i.e. forked children (one per Job)
        try:
            for index in range(self.config.workers):
                self._ready.append(self._start_worker(index).ready)
        except BaseException:
            self.close()
            raise
        self.layers: LayerReport = build_layer_report(self.config, self._outer, self._ready)
        self._refuse_if_unsafe()

    # ------------------------------------------------------------------ start-up
    def _check_requirements(self) -> None:
        if not os.access(self.config.python, os.X_OK):
            raise JailUnavailableError(
                f"the worker interpreter {self.config.python!r} is missing",
                hint="install Debian's python3-minimal (scripts/setup.sh does), or set `python` in the profile",
            )
        if self.config.nsjail == "require" and not self._outer.active:
            raise JailUnavailableError(f"the nsjail layer is required but unavailable: {self._outer.detail}")
        if self.config.unsafe_no_jail:
            log.warning("azr-safe jail: running WITHOUT isolation (unsafe_no_jail); never use this for model code")

    def _start_worker(self, index: int) -> WorkerProcess:
        uid = self.config.worker_uid(index, self._uid_block)
        seed = 1 + index  # distinct hash seeds: evaluate_twice uses two workers
        init = dict(self._init)
        if self._outer.active:
            argv = nsjail_argv(self._outer.binary, self.config, uid, seed, self._outer.cgroups)
            argv += [self.config.python, "-P", "-s", "-S", "-B"]
            env: dict[str, str] = {}
            init["drop_to_uid"] = None  # nsjail already maps an unprivileged uid
        else:
            argv = [self.config.python, "-P", "-s", "-S", "-B"]
            env = {"PYTHONHASHSEED": str(seed)}
            dropping = self.config.uid_drop != "off" and os.geteuid() == 0 and not self.config.unsafe_no_jail
            init["drop_to_uid"] = uid if dropping else None
        worker = WorkerProcess(argv, env, init, self.config.start_timeout_s)
        with self._lock:
            self._workers[index] = worker
        return worker

    def _refuse_if_unsafe(self) -> None:
        if self.config.unsafe_no_jail:
            return
        for layer in self.layers.layers:
            if layer.name == "seccomp" and not layer.active:
                self.close()
                raise JailUnavailableError(
                    f"seccomp could not be installed ({layer.detail}); refusing to run model code unjailed",
                    hint="fix the machine, or pass --unsafe-no-jail to run WITHOUT isolation",
                )
            if self.config.landlock == "require" and layer.name == "landlock" and not layer.active:
                self.close()
                raise JailUnavailableError(f"Landlock is required but unavailable: {layer.detail}")
            if self.config.uid_drop == "require" and layer.name == "uid_drop" and not layer.active:
                self.close()
                raise JailUnavailableError(f"a uid drop is required but unavailable: {layer.detail}")

    # ------------------------------------------------------------------ scheduling
    def _worker(self, index: int) -> WorkerProcess:
        if self._closed:
            raise JailUnavailableError("this Jail is closed; create a new one")
        with self._lock:
            worker = self._workers[index]
        if worker is not None and worker.alive:
            return worker
        with self._restart_lock:  # one restart per dead worker, however many threads notice
            worker = self._workers[index]
            if worker is None or not worker.alive:
                if worker is not None:
                    log.warning("jail worker %d died (%s); restarting it", index, worker.stderr_tail())
                worker = self._start_worker(index)
        return worker

    def _least_loaded(self, avoid: int | None = None) -> int:
        candidates = [i for i in range(len(self._workers)) if i != avoid]
        return min(candidates, key=lambda i: self._workers[i].outstanding if self._workers[i] else 0)

    def _request(self, job: Job) -> dict:
        return {
            "code": job.code, "calls": job.calls,
            "timeout_s": job.timeout_s or self.config.timeout_s,
            "memory_mb": job.memory_mb or self.config.memory_mb,
        }

    def _submit(self, job: Job, index: int) -> tuple[Future, int]:
        future = self._worker(index).submit(self._request(job))
        with self._lock:
            self.children_started += 1
        return future, index

    def _collect(self, job: Job, pending: tuple[Future, int]) -> list[ExecResult]:
        return self._collect_counted(job, pending)[0]

    def _collect_counted(self, job: Job, pending: tuple[Future, int]) -> tuple[list[ExecResult], int]:
        """The job's results and how many calls ran to a record (see `decode_calls`)."""
        future, index = pending
        timeout_s = job.timeout_s or self.config.timeout_s
        budget = timeout_s * max(1, len(job.calls))
        cpu_limit = int(budget) + 2
        try:
            # The worker enforces each deadline; this watchdog only catches a wedged worker.
            response = future.result(timeout=budget * (1 + self.config.workers * self.config.children_per_worker)
                                     + WATCHDOG_GRACE_S)
        except FutureTimeout:
            worker = self._workers[index]
            if worker is not None:
                worker.kill()
            return decode_calls({"killed": "timeout"}, len(job.calls), cpu_limit)
        except WorkerDied as err:
            died = [ExecResult(status="error", stderr=f"jail worker died: {err}") for _ in range(max(1, len(job.calls)))]
            return died, 0
        return decode_calls(response, len(job.calls), cpu_limit)

    # ------------------------------------------------------------------ generic runs
    def run_batch(self, jobs: Sequence[Job]) -> list[list[ExecResult]]:
        """Each job (one program, its calls) in one child; jobs spread over the pool, pipelined."""
        pending = [self._submit(job, self._least_loaded()) for job in jobs]
        return [self._collect(job, p) for job, p in zip(jobs, pending)]

    def run_shared(self, jobs: Sequence[Job]) -> list[list[ExecResult]]:
        """Like `run_batch`, but a call that ends its child costs no other call: the calls after it
        are re-run in a fresh child, and it is re-run alone if others ran before it in its child.

        Only for calls that run nothing but the job's own program on literal data (`shared.py`).
        """
        return shared.run_shared(self, jobs)

    def run(self, code: str, call: str | None = None, timeout_s: float | None = None,
            memory_mb: int | None = None) -> ExecResult:
        """Run `code`, then evaluate `call` (e.g. 'f(3)') after its definitions."""
        job = Job(code=code, calls=[call] if call is not None else [], timeout_s=timeout_s, memory_mb=memory_mb)
        return self.run_batch([job])[0][0]

    def run_many(self, jobs: Iterable[Job | tuple[str, str | None]]) -> list[ExecResult]:
        """One ExecResult per job; each job has at most one call (use run_batch for more)."""
        parsed = [j if isinstance(j, Job) else _job_from_pair(j) for j in jobs]
        if any(len(j.calls) > 1 for j in parsed):
            raise ValueError("run_many takes jobs with at most one call each; use run_batch for several")
        return [results[0] for results in self.run_batch(parsed)]

    # ------------------------------------------------------------------ self-play
    def evaluate_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[list[ExecResult]]:
        """repr(f(<input>)) for every input; one child per program, fresh globals per input."""
        jobs = [Job(code=program, calls=[call_for(i) for i in inputs]) for program, inputs in items]
        results = self.run_batch(jobs)
        return [r if inputs else [] for r, (_, inputs) in zip(results, items)]

    def evaluate(self, program: str, inputs: Sequence[str]) -> list[ExecResult]:
        return self.evaluate_many([(program, inputs)])[0]

    def evaluate_twice_many(self, items: Sequence[tuple[str, Sequence[str]]]
                            ) -> list[tuple[list[ExecResult], list[ExecResult]]]:
        """Each program in two separate worker processes with different hash seeds."""
        jobs = [Job(code=program, calls=[call_for(i) for i in inputs]) for program, inputs in items]
        pending = []
        for job in jobs:
            first = self._least_loaded()
            pending.append((self._submit(job, first), self._submit(job, self._least_loaded(avoid=first))))
        return [
            (self._collect(job, a), self._collect(job, b)) if inputs else ([], [])
            for job, (a, b), (_, inputs) in zip(jobs, pending, items)
        ]

    def evaluate_twice(self, program: str, inputs: Sequence[str]) -> tuple[list[ExecResult], list[ExecResult]]:
        return self.evaluate_twice_many([(program, inputs)])[0]

    def check_outputs(self, items: Sequence[tuple[str, str, str, str]]) -> list[CheckResult]:
        """Deduction: is the predicted output text equal to the gold output repr?"""
        return verdicts.check_outputs(self, items)

    def check_inputs(self, items: Sequence[tuple[str, str, str]]) -> list[CheckResult]:
        """Abduction: does f(predicted input) equal the gold output?"""
        return verdicts.check_inputs(self, items)

    def check_programs(self, items: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> list[CheckResult]:
        """Induction: does the candidate reproduce every hidden (input, output) pair?"""
        return verdicts.check_programs(self, items)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers, self._workers = self._workers, [None] * len(self._workers)
        for worker in workers:
            if worker is not None:
                worker.close()

    def __enter__(self) -> Jail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # best effort; close() is the contract
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass

