"""Jailed executions per second vs unisolated exec pools, every baseline measured in the same run.

    .venv/bin/python benchmarks/bench_jail.py --rounds 3      # all layers this machine has
    .venv/bin/python benchmarks/bench_jail.py --ab /tmp/old_worker.py   # A/B vs another _worker.py
    .venv/bin/python benchmarks/bench_jail.py --phases 300    # where a child's CPU and faults go
    .venv/bin/python benchmarks/bench_jail.py --ab-share --only azr   # a child per answer vs shared children

Programs: small AZR-style functions (sorting, strings, dicts, arithmetic), called exactly as
self-play calls them, `f(<input>)`, result as repr. One evaluation = one call of f.

Jail: `Jail(JailConfig())`, every layer on (nsjail + cgroups where permitted, uid drop, Landlock,
seccomp, rlimits); one forked child per program, all of its calls in that child; literal answers
for one program share a child (`check_inputs`, docs/jail.md "Shared children").

Baselines (no isolation, no timeout enforcement unless said):
  * reference call pattern: what the AZR reference executor does (LeapLabTHU/Absolute-Zero-Reasoner,
    absolute_zero_reasoner/utils/code_utils/python_executor.py, `apply` = `batch_apply([code])[0]`,
    and rewards/reward_managers.py): ONE snippet per call, sent synchronously through a process pool
    of `cores` workers (pebble's `ProcessPool.map(..., timeout=)` when pebble is installed, else the
    stdlib pool's `map` with the same one-item round trip), so one worker is busy at a time. Each
    execution: the snippet split into lines, the `input(` regex check, exec of all lines but the last
    and eval of the last under a signal-based timeout (timeout_decorator when installed, else the same
    SIGALRM + setitimer wrapper), stdout captured with redirect_stdout when the last line prints, then
    `str(result)` and `pickle.dumps(result)`. Snippets as the reference builds them: determinism
    check = one snippet running f twice; k answers of one task in ONE snippet where the reference
    batches them (`batched_estimate`: eval_k_input/eval_k_output_prediction); induction answers one
    snippet per hidden pair (the reference never batches those).
  * parallel pool (imap, chunk=1): `multiprocessing.Pool(cores)`, one task per evaluation
    (exec + eval + repr), all submitted at once, dispatched one at a time; every worker busy.
  * optimistic pool (map, chunked): the same with Pool's default chunking.

Workloads:
  * deduction-like: one input per program (the worst case for a fork per program);
  * induction-like: ten inputs per program (one child runs all ten);
  * AZR step: the jail calls of one self-play step (azr_safe/selfplay/rollout.py) at the paper's
    sizes, B = 64 tasks per type and role, n = 8 learnability rollouts, induction proposals with 10
    inputs (5 hidden), every proposal valid and every answer a literal:

      what (per type)                     self-play: children / evaluations    reference: snippets
      validation, deduction + abduction   2 x 64 (evaluate_twice) / 128 each   64 each (f twice)
      validation, induction (10 inputs)   2 x 64 / 1280                        640 (one per input)
      learnability, deduction (8 x 64)    0 (literal, compared in the trainer) 64 (k outputs batched)
      learnability, abduction (8 x 64)    64 (8 answers share a child) / 512   64 (k inputs batched)
      learnability, induction (8 x 64)    512 (one per program) / 2560         2560 (one per pair)
      training solves, deduction (64)     0                                    0 (trainer fast path)
      training solves, abduction (64)     64 / 64                              64
      training solves, induction (64)     64 / 320                             320
      total                               1088 children / 4992 evaluations     3840 snippets

    The pools run one task per evaluation (4992). Wrong deduction answers would cost the reference a
    snippet each and the jail nothing; all answers here are right, which favours the reference.

Reported: evaluations per second (rates of the same work, so ratios are ratios of wall time), every
ratio jail / baseline, and CPU time read from /proc: per jailed child (worker + child + trainer,
and the child's copy-on-write faults) and per evaluation for the jail and each pool (the ratio of
CPU per evaluation is what a CPU-saturated machine would see).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import pickle
import re
import signal
import statistics
import sys
import time
import traceback
from contextlib import redirect_stdout
from dataclasses import dataclass
from functools import partial
from typing import Callable

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

PROGRAMS = [
    ("def f(xs):\n    return sorted(xs, key=lambda v: (v % 3, v))", "[5, 3, 8, 1, 9, 2]"),
    ("def f(s):\n    return ''.join(reversed(s)).upper()", "'hello world'"),
    ("def f(d):\n    return {v: k for k, v in d.items()}", "{'a': 1, 'b': 2}"),
    ("def f(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a", "30"),
    ("import math\ndef f(x, y):\n    return math.gcd(x, y), x * y // math.gcd(x, y)", "84, 36"),
    ("from collections import Counter\ndef f(s):\n    return Counter(s).most_common(2)", "'mississippi'"),
    ("def f(xs):\n    return [x * x for x in xs if x % 2]", "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"),
    ("def f(s, k):\n    return [s[i:i + k] for i in range(0, len(s), k)]", "'abcdefgh', 3"),
]
INDUCTION_INPUTS = 10
PER_TYPE, N_ROLLOUTS, STEP_INPUTS, HIDDEN = 64, 8, 10, 5  # the paper's B, n, induction inputs, hidden half
REFERENCE_TIMEOUT_S = 10  # the reference executor's default timeout_length


# ---------------------------------------------------------------- unisolated baselines
def _reference_task(job: tuple[str, str]) -> str:
    """The parallel pools' task: exec the program into a fresh dict, eval the call, repr."""
    program, call = job
    namespace: dict = {}
    exec(program, namespace)  # noqa: S102 - this IS the unisolated baseline
    return repr(eval(call, namespace))  # noqa: S307


def _signal_timeout(seconds: float) -> Callable:
    """A SIGALRM + setitimer wrapper, as timeout_decorator's signal mode does (stdlib fallback)."""
    def decorate(function: Callable) -> Callable:
        def run(*args):
            def on_alarm(signum, frame):
                raise TimeoutError("Timed Out")
            previous = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                return function(*args)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        return run
    return decorate


try:
    from timeout_decorator import timeout as _timeout  # what the reference uses
except ImportError:  # pragma: no cover - depends on the `bench` extra
    _timeout = _signal_timeout
try:
    import pebble
except ImportError:  # pragma: no cover - depends on the `bench` extra
    pebble = None


class ReferenceRuntime:
    """The reference's per-task runtime: a globals dict; it travels pickled with every task."""

    def __init__(self) -> None:
        self.globals: dict = {}

    def exec_code(self, piece: str) -> None:
        if re.search(r"(\s|^)?input\(", piece):
            raise RuntimeError()
        exec(piece, self.globals)  # noqa: S102 - the unisolated reference

    def eval_code(self, expr: str):
        return eval(expr, self.globals)  # noqa: S307


def reference_execute(lines: list[str], runtime: ReferenceRuntime, timeout_length: float) -> tuple[str, str]:
    """One execution as the reference does it (auto mode): see the module docstring."""
    try:
        if "print(" in lines[-1]:
            captured = io.StringIO()
            with redirect_stdout(captured):
                _timeout(timeout_length)(runtime.exec_code)("\n".join(lines))
            result = captured.getvalue()
        else:
            _timeout(timeout_length)(runtime.exec_code)("\n".join(lines[:-1]))
            result = _timeout(timeout_length)(runtime.eval_code)(lines[-1])
        report = "Done"
        str(result)
        pickle.dumps(result)
    except Exception:  # noqa: BLE001 - the reference reports any failure as text
        result, report = "", traceback.format_exc().split("\n")[-2]
    return result, report


def run_reference_calls(pool, snippets: list[str]) -> None:
    """Each snippet in its own synchronous round trip, as `PythonExecutor.apply` does."""
    task = partial(reference_execute, runtime=ReferenceRuntime(), timeout_length=REFERENCE_TIMEOUT_S)
    for snippet in snippets:
        lines = snippet.strip().split("\n")
        if pebble is not None:
            result, report = next(pool.map(task, [lines], timeout=REFERENCE_TIMEOUT_S).result())
        else:
            result, report = pool.map(task, [lines])[0]
        assert report == "Done", (report, snippet)
        str(result).strip()


def _reference_pool(cores: int):
    if pebble is not None:
        return pebble.ProcessPool(max_workers=cores)
    return multiprocessing.get_context("fork").Pool(cores)


def _close_pool(pool) -> None:
    if pebble is not None:
        pool.close()
        pool.join()
    else:
        pool.terminate()


# ---------------------------------------------------------------- snippets the reference builds
def run_snippet(code: str, args: str) -> str:
    return f"{code}\nrepr(f({args}))"


def determinism_snippet(code: str, args: str) -> str:
    return (f"{code}\nreturns = f({args})\nif returns != f({args}):\n"
            f"    raise Exception('Non-deterministic code')\nrepr(returns)")


def input_prediction_snippet(code: str, gold: str, args: str) -> str:
    return f"{code}\n{gold} == f({args})"


def k_inputs_snippet(code: str, gold: str, answers: list[str]) -> str:
    checks = "".join(f"\ntry:\n    acc_list.append({gold} == f({a}))\nexcept:\n    acc_list.append(False)"
                     for a in answers)
    return f"{code}\nacc_list = []{checks}\nacc_list"


def k_outputs_snippet(code: str, gold: str, answers: list[str]) -> str:
    checks = "".join(f"\ntry:\n    acc_list.append({gold} == {a})\nexcept:\n    acc_list.append(False)"
                     for a in answers)
    return f"{code}\nacc_list = []{checks}\nacc_list"


# ---------------------------------------------------------------- workloads
@dataclass
class Workload:
    label: str
    evaluations: int  # calls of f that self-play makes
    flat: list[tuple[str, str]]  # (program, call): the parallel pools' tasks, one per evaluation
    snippets: list[str]  # the reference call pattern's round trips
    run_jail: Callable  # (jail) -> None: what self-play asks of the jail


def make_jobs(n_programs: int, inputs_per_program: int, tag: str = "task") -> list[tuple[str, list[str]]]:
    jobs = []
    for i in range(n_programs):
        program, arg = PROGRAMS[i % len(PROGRAMS)]
        jobs.append((f"# {tag} {i}\n{program}", [arg] * inputs_per_program))  # distinct sources
    return jobs


def _evaluate(jail, jobs) -> None:
    bad = [r for rs in jail.evaluate_many(jobs) for r in rs if r.status != "ok"]
    assert not bad, bad[:3]


def per_program(label: str, jobs: list[tuple[str, list[str]]]) -> Workload:
    flat = [(program, f"f({arg})") for program, args in jobs for arg in args]
    snippets = [run_snippet(program, arg) for program, args in jobs for arg in args]
    return Workload(label, len(flat), flat, snippets, partial(_evaluate, jobs=jobs))


def _gold(program: str, args: str) -> str:
    return _reference_task((program, f"f({args})"))  # the benchmark's own trusted programs


def azr_step(per_type: int = PER_TYPE, n: int = N_ROLLOUTS, inputs: int = STEP_INPUTS, hidden: int = HIDDEN) -> Workload:
    """One self-play step's jail work (see the module docstring's table)."""
    tasks = {kind: [(p, a[0], _gold(p, a[0])) for p, a in make_jobs(per_type, 1, kind)]
             for kind in ("propose-ded", "propose-abd", "propose-ind", "solve-ded", "solve-abd", "solve-ind")}
    proposals = ([(p, [a]) for p, a, _ in tasks["propose-ded"] + tasks["propose-abd"]]
                 + [(p, [a] * inputs) for p, a, _ in tasks["propose-ind"]])
    outputs = [(p, a, g, g) for p, a, g in tasks["propose-ded"] for _ in range(n)]
    outputs += [(p, a, g, g) for p, a, g in tasks["solve-ded"]]
    answers = [(p, a, g) for p, a, g in tasks["propose-abd"] for _ in range(n)] + tasks["solve-abd"]
    candidates = [(f"# rollout {j}\n{p}", [(a, g)] * hidden) for p, a, g in tasks["propose-ind"] for j in range(n)]
    candidates += [(f"# solve\n{p}", [(a, g)] * hidden) for p, a, g in tasks["solve-ind"]]

    def run_jail(jail) -> None:
        for first, second in jail.evaluate_twice_many(proposals):  # validation
            assert all(r.status == "ok" for r in first + second)
        for check in (jail.check_outputs(outputs) + jail.check_inputs([(p, a, g) for p, a, g in answers])
                      + jail.check_programs(candidates)):  # grading: one call per task type, as grade_solutions
            assert check.passed, check

    flat = [(p, f"f({a})") for p, args in proposals for a in args for _ in range(2)]
    flat += [(p, f"f({a})") for p, a, _ in answers]
    flat += [(c, f"f({a})") for c, pairs in candidates for a, _ in pairs]
    snippets = [determinism_snippet(p, a) for p, args in proposals for a in args]
    snippets += [k_outputs_snippet(p, g, [g] * n) for p, _, g in tasks["propose-ded"]]
    snippets += [k_inputs_snippet(p, g, [a] * n) for p, a, g in tasks["propose-abd"]]
    snippets += [input_prediction_snippet(c, g, a) for c, pairs in candidates for a, g in pairs]
    snippets += [input_prediction_snippet(p, g, a) for p, a, g in tasks["solve-abd"]]
    label = f"AZR step (B={per_type}, n={n}, induction {inputs} inputs / {hidden} hidden)"
    return Workload(label, len(flat), flat, snippets, run_jail)


def workloads(n_programs: int) -> list[Workload]:
    return [
        per_program("deduction-like (1 input/program)", make_jobs(n_programs, 1)),
        per_program(f"induction-like ({INDUCTION_INPUTS} inputs/program)", make_jobs(n_programs // 4, INDUCTION_INPUTS)),
        azr_step(),
    ]


# ---------------------------------------------------------------- measurement
def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def _proc_stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()  # fields from `state` on


def _descends_from(pid: int, root: int) -> bool:
    try:
        while pid > 1:
            pid = int(_proc_stat(pid)[1])
            if pid == root:
                return True
    except (OSError, ValueError):
        return False
    return False


def jail_workers() -> list[int]:
    """This process's jail workers (Debian python3 started with -c), found through /proc."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
        except OSError:
            continue
        if argv[0].endswith(b"python3") and b"-c" in argv and _descends_from(int(name), os.getpid()):
            found.append(int(name))
    return found


def worker_usage(pids: list[int]) -> dict[str, float]:
    """CPU seconds of the workers themselves and of the children they reaped, and those children's
    minor (copy-on-write) faults. Children are reaped by their worker, so cutime/cminflt hold them."""
    tick = os.sysconf("SC_CLK_TCK")
    total = {"worker_cpu": 0.0, "child_cpu": 0.0, "child_minflt": 0.0, "worker_minflt": 0.0}
    for pid in pids:
        f = _proc_stat(pid)
        total["worker_minflt"] += int(f[7])
        total["child_minflt"] += int(f[8])
        total["worker_cpu"] += (int(f[11]) + int(f[12])) / tick
        total["child_cpu"] += (int(f[13]) + int(f[14])) / tick
    return total


def _cpu_of(pid: int) -> float:
    f = _proc_stat(pid)
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def _descendants() -> set[int]:
    return {int(n) for n in os.listdir("/proc") if n.isdigit() and _descends_from(int(n), os.getpid())}


def _pool_cpu(pids: set[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += _cpu_of(pid)
        except OSError:
            pass
    return total + _own_cpu()


def bench_pool(work: Workload, cores: int, chunked: bool) -> tuple[float, float]:
    """(evaluations/s, CPU seconds per evaluation: the pool's processes + this process)."""
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        pool.map(_reference_task, work.flat[:50])  # warm-up
        pids = {proc.pid for proc in pool._pool}  # noqa: SLF001 - benchmark only: sample their CPU
        cpu_before = _pool_cpu(pids)
        started = time.perf_counter()
        if chunked:
            out = pool.map(_reference_task, work.flat)
        else:
            out = list(pool.imap(_reference_task, work.flat, chunksize=1))
        elapsed = time.perf_counter() - started
        cpu = _pool_cpu(pids) - cpu_before
    assert len(out) == len(work.flat)
    return work.evaluations / elapsed, cpu / work.evaluations


def bench_reference_calls(work: Workload, cores: int) -> tuple[float, float]:
    """The reference call pattern: (evaluations/s, CPU seconds per evaluation)."""
    before = _descendants()
    pool = _reference_pool(cores)
    try:
        run_reference_calls(pool, work.snippets[:20])  # warm-up: starts the workers
        pids = _descendants() - before
        cpu_before = _pool_cpu(pids)
        started = time.perf_counter()
        run_reference_calls(pool, work.snippets)
        elapsed = time.perf_counter() - started
        cpu = _pool_cpu(pids) - cpu_before
    finally:
        _close_pool(pool)
    return work.evaluations / elapsed, cpu / work.evaluations


def bench_jail(jail, work: Workload, workers: list[int]) -> tuple[float, dict[str, float]]:
    """(evaluations/s, CPU and faults per child: worker, child, trainer; children per round)."""
    _evaluate(jail, make_jobs(50, 1, "warm-up"))
    usage_before, own_before, children_before = worker_usage(workers), _own_cpu(), jail.children_started
    started = time.perf_counter()
    work.run_jail(jail)
    elapsed = time.perf_counter() - started
    children = jail.children_started - children_before
    usage = {k: (v - usage_before[k]) / children for k, v in worker_usage(workers).items()}
    usage["trainer_cpu"] = (_own_cpu() - own_before) / children
    usage["children"] = children
    return work.evaluations / elapsed, usage


def _round(jail, work: Workload, cores: int, workers: list[int]) -> dict:
    calls, calls_cpu = bench_reference_calls(work, cores)
    parallel, parallel_cpu = bench_pool(work, cores, chunked=False)
    chunked, _ = bench_pool(work, cores, chunked=True)
    jailed, usage = bench_jail(jail, work, workers)
    return {"jail": jailed, "calls": calls, "calls_cpu": calls_cpu, "ref": parallel, "ref_cpu": parallel_cpu,
            "chunked": chunked, **usage}


def report(label: str, work: Workload, rows: list[dict]) -> None:
    med = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    per_child = med["worker_cpu"] + med["child_cpu"] + med["trainer_cpu"]
    jail_cpu_per_eval = per_child * med["children"] / work.evaluations
    how = "pebble ProcessPool.map" if pebble is not None else "stdlib Pool.map, not pebble"
    timer = "timeout_decorator" if _timeout is not _signal_timeout else "stdlib SIGALRM wrapper"

    def ratios(key: str) -> str:
        per_round = [row["jail"] / row[key] for row in rows]
        return f"{statistics.median(per_round):8.2f}x   (per round: {', '.join(f'{r:.2f}' for r in per_round)})"

    print(f"\n{label}: {work.evaluations} evaluations; jail {med['children']:.0f} children, reference "
          f"{len(work.snippets)} snippets; median of {len(rows)} rounds")
    print(f"  jail (all layers)                       {med['jail']:8.0f} eval/s")
    print(f"  reference call pattern (sync, 1 busy)   {med['calls']:8.0f} eval/s   [{how}, {timer}]")
    print(f"  parallel pool (imap, chunk=1)           {med['ref']:8.0f} eval/s")
    print(f"  optimistic pool (map, chunked)          {med['chunked']:8.0f} eval/s")
    print(f"  ratio jail / reference call pattern     {ratios('calls')}")
    print(f"  ratio jail / parallel pool              {ratios('ref')}")
    print(f"  ratio jail / optimistic pool            {ratios('chunked')}")
    print(f"  jail CPU per child                      {per_child * 1e3:8.2f} ms = worker {med['worker_cpu'] * 1e3:.2f}"
          f" + child {med['child_cpu'] * 1e3:.2f} + trainer {med['trainer_cpu'] * 1e3:.2f}"
          f"  (faults: child {med['child_minflt']:.0f}, worker {med['worker_minflt']:.0f})")
    print(f"  CPU per evaluation                      jail {jail_cpu_per_eval * 1e3:.3f} ms, reference call pattern "
          f"{med['calls_cpu'] * 1e3:.3f} ms, parallel pool {med['ref_cpu'] * 1e3:.3f} ms")
    print(f"  CPU-bound ratio (CPU per eval)          vs reference call pattern "
          f"{med['calls_cpu'] / jail_cpu_per_eval:.2f}x, vs parallel pool {med['ref_cpu'] / jail_cpu_per_eval:.2f}x")


# Runs in a bare /usr/bin/python3 outside the jail, on the worker's own source: forks children the way
# a worker does (same preload, same ChildKit, same setup_child without seccomp) and reads getrusage
# between the harness's steps. Shows where a child's CPU and copy-on-write faults go.
PHASES_SCRIPT = r"""
import gc, json, os, resource, sys
worker = {"__name__": "jail_worker"}
exec(compile(sys.argv[1], "_worker.py", "exec"), worker)
for name in json.loads(sys.argv[2]):
    __import__(name)
os.environ.clear()
kit = worker["ChildKit"](b"")
devnull = os.open("/dev/null", os.O_RDWR)
req = {"code": "def f(xs):\n    return sorted(xs, key=lambda v: (v % 3, v))", "calls": ["f([5, 3, 8, 1, 9, 2])"],
       "timeout_s": 2.0, "memory_mb": 256}
gc.collect(); gc.freeze()
def mark():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return [r.ru_minflt, r.ru_utime + r.ru_stime]
n, totals, phases = int(sys.argv[3]), {}, {}
for mode in ("fork+exit only", "full child"):
    cpu = flt = 0.0
    for _ in range(n):
        pipes = {name: os.pipe2(os.O_CLOEXEC) for name in ("out", "err", "res")}
        pid = os.fork()
        if pid == 0:
            if mode == "fork+exit only":
                os._exit(0)
            marks = [("return from fork", mark())]
            worker["setup_child"](pipes, devnull, req, {"seccomp": False}, kit); marks.append(("setup_child", mark()))
            compiled = compile(req["code"], "<program>", "exec"); marks.append(("compile", mark()))
            record = worker["_run_one"](compiled, req["code"], req["calls"][0], 65536); marks.append(("exec + call + literal", mark()))
            worker["dumps"](record); marks.append(("json.dumps", mark()))
            os.write(worker["RESULT_FD"], json.dumps(marks).encode())
            os._exit(0)
        for r, w in pipes.values():
            os.close(w)
        data = os.read(pipes["res"][0], 1 << 16)
        for r, w in pipes.values():
            os.close(r)
        _, _, usage = os.wait4(pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        flt += usage.ru_minflt
        if data:
            marks = json.loads(data)
            steps = [("return from fork", [0, 0.0])] + marks
            for (_, (f0, c0)), (name, (f1, c1)) in zip(steps, marks):
                acc = phases.setdefault(name, [0, 0.0]); acc[0] += f1 - f0; acc[1] += c1 - c0
    totals[mode] = [cpu / n, flt / n]
print(json.dumps({"totals": totals, "phases": {k: [v[1] / n, v[0] / n] for k, v in phases.items()}}))
"""


def profile_phases(n: int) -> None:
    """Where a child's CPU and faults go (outside the jail, no seccomp; see PHASES_SCRIPT)."""
    import json
    import subprocess

    from azr_safe.jail.config import DEFAULT_PRELOAD, JailConfig
    from azr_safe.jail.pool import WORKER_SOURCE

    python = JailConfig().python
    out = subprocess.run([python, "-P", "-s", "-S", "-B", "-c", PHASES_SCRIPT, WORKER_SOURCE,
                          json.dumps(DEFAULT_PRELOAD), str(n)], capture_output=True, text=True, check=True, env={})
    result = json.loads(out.stdout)
    print(f"child phases ({python}, default preload, {n} children per mode, no seccomp):")
    for mode, (cpu, flt) in result["totals"].items():
        print(f"  {mode:24s} {cpu * 1e3:6.2f} ms CPU  {flt:5.0f} faults")
    for name, (cpu, flt) in result["phases"].items():
        print(f"    {name:22s} {cpu * 1e3:6.2f} ms CPU  {flt:5.0f} faults")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--children-per-worker", type=int, default=4)
    parser.add_argument("--only", choices=["deduction", "induction", "azr"], default=None, help="run one workload")
    parser.add_argument("--ab", default=None, metavar="WORKER_PY",
                        help="A/B in the same run: a second jail whose workers run this worker source (e.g. "
                             "`git show HEAD~1:azr_safe/jail/_worker.py > /tmp/a.py`), rounds interleaved")
    parser.add_argument("--stdlib-reference", action="store_true",
                        help="the reference call pattern through the stdlib pool and SIGALRM wrapper, not pebble")
    parser.add_argument("--ab-share", action="store_true",
                        help="A/B in the same run: jail A grades every answer in a child of its own "
                             "(share_child_for_literal_calls=false), jail B shares children (the default)")
    parser.add_argument("--phases", type=int, default=0, metavar="N",
                        help="instead: profile where a child's CPU and faults go, over N forked children")
    args = parser.parse_args()
    if args.stdlib_reference:
        global pebble, _timeout
        pebble, _timeout = None, _signal_timeout
    if args.phases:
        profile_phases(args.phases)
        return
    if args.ab or args.ab_share:
        return main_ab(args)

    from azr_safe.jail import Jail, JailConfig

    config = JailConfig(workers=max(2, args.cores), children_per_worker=args.children_per_worker)
    with Jail(config) as jail:
        active = [layer.name for layer in jail.layers.layers if layer.active]
        print(f"jail layers active: {', '.join(active)}; workers={config.workers} "
              f"children/worker={config.children_per_worker}; cores={args.cores}; load average {os.getloadavg()}")
        workers = jail_workers()
        for work in selected(args):
            report(work.label, work, [_round(jail, work, args.cores, workers) for _ in range(args.rounds)])
    print(f"\nload average after: {os.getloadavg()}")


def selected(args) -> list[Workload]:
    works = workloads(args.programs)
    keys = ["deduction", "induction", "azr"]
    return works if args.only is None else [works[keys.index(args.only)]]


def _jail_with_worker(config, source: str | None):
    """A Jail whose workers run `source` instead of the shipped _worker.py (benchmark only: the
    pool reads WORKER_SOURCE when it starts a worker, i.e. in Jail())."""
    import azr_safe.jail.pool as pool_module
    from azr_safe.jail import Jail

    shipped = pool_module.WORKER_SOURCE
    pool_module.WORKER_SOURCE = shipped if source is None else source
    try:
        return Jail(config)
    finally:
        pool_module.WORKER_SOURCE = shipped


def main_ab(args) -> None:
    """Rounds interleaved: baselines + jail A (workers run --ab FILE, or no shared children with
    --ab-share), baselines + jail B (shipped worker, default config)."""
    from azr_safe.jail import JailConfig

    config = JailConfig(workers=max(2, args.cores), children_per_worker=args.children_per_worker)
    if args.ab_share:
        source_a, config_a, name_a = None, config.model_copy(update={"share_child_for_literal_calls": False}), \
            "a child per answer"
    else:
        with open(args.ab, encoding="utf-8") as fh:
            source_a, config_a, name_a = fh.read(), config, f"worker source {args.ab}"
    print(f"A/B: A = {name_a}, B = shipped worker, default config; load average {os.getloadavg()}")
    with _jail_with_worker(config_a, source_a) as jail_a:
        workers_a = jail_workers()
        with _jail_with_worker(config, None) as jail_b:
            workers_b = [pid for pid in jail_workers() if pid not in workers_a]
            for work in selected(args):
                rows = {"A": [], "B": []}
                for _ in range(args.rounds):
                    rows["A"].append(_round(jail_a, work, args.cores, workers_a))
                    rows["B"].append(_round(jail_b, work, args.cores, workers_b))
                for side in ("A", "B"):
                    report(f"[{side}: {name_a if side == 'A' else 'shipped'}] {work.label}", work, rows[side])
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
