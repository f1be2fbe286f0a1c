"""Jailed executions per second vs an unisolated multiprocessing exec pool, in the same run.

    .venv/bin/python benchmarks/bench_jail.py                 # all layers this machine has
    .venv/bin/python benchmarks/bench_jail.py --rounds 3 --programs 400
    .venv/bin/python benchmarks/bench_jail.py --ab /tmp/old_worker.py   # A/B vs another _worker.py

Workload: small AZR-style programs (sorting, string and dict manipulation, arithmetic), each called
on its input(s) exactly as self-play does: `f(<input>)`, result as repr.

Baseline (what the AZR reference does): a `multiprocessing.Pool(cores)` whose task is
`exec(program)` into a fresh dict, `eval(call)`, `repr(result)`; one task per (program, input),
dispatched one at a time (`imap(chunksize=1)`, like pebble's `map`). No isolation, no timeout
enforcement. A second, optimistic baseline uses Pool's default chunking.

Jail: `Jail(JailConfig())` with every layer on (nsjail + cgroups where permitted, uid drop,
Landlock, seccomp, rlimits); one forked child per program, all of its inputs in that child.

Workloads:
  * deduction-like: one input per program (the worst case for a fork per program);
  * induction-like: ten inputs per program (one child runs all ten);
  * AZR-step mix: the executions of one AZR step with 64 tasks per (type, role), as the paper
    sizes it: every proposal run twice (determinism; induction proposals on 10 inputs), abduction
    solutions once, induction solutions on 5 hidden pairs. Deduction solutions are literal
    predictions, compared without execution by both (the reference eval()s them in the trainer),
    so they are not counted. 1920 evaluations in 512 jailed children.

Reported: evaluations per second (one evaluation = one f(input)); ratio = jail / reference-like pool;
and, because the machine is shared and wall-clock rates swing with its load, CPU time: per jailed child
(worker + child + trainer, and the child's copy-on-write faults, read from /proc) and per evaluation for
both sides (their ratio is what a CPU-bound machine would see).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

PROGRAMS = [
    ("def f(xs):\n    return sorted(xs, key=lambda v: (v % 3, v))", "[5, 3, 8, 1, 9, 2]"),
    ("def f(s):\n    return ''.join(reversed(s)).upper()", "'hello world'"),
    ("def f(d):\n    return {v: k for k, v in d.items()}", "{'a': 1, 'b': 2}"),
    ("def f(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a", "30"),
    ("import math\ndef f(x, y):\n    return math.gcd(x, y), x * y // math.gcd(x, y)", "84, 36"),
    ("from collections import Counter\ndef f(s):\n    return Counter(s).most_common(2)", "'mississippi'"),
    ("def f(xs):\n    return [x * x for x in xs if x % 2]", "list(range(10))"),
    ("def f(s, k):\n    return [s[i:i + k] for i in range(0, len(s), k)]", "'abcdefgh', 3"),
]
INDUCTION_INPUTS = 10


def _reference_task(job: tuple[str, str]) -> str:
    program, call = job
    namespace: dict = {}
    exec(program, namespace)  # noqa: S102 - this IS the unisolated baseline
    return repr(eval(call, namespace))  # noqa: S307


def make_jobs(n_programs: int, inputs_per_program: int) -> list[tuple[str, list[str]]]:
    jobs = []
    for i in range(n_programs):
        program, arg = PROGRAMS[i % len(PROGRAMS)]
        program = f"# task {i}\n{program}"  # distinct sources, as in self-play
        jobs.append((program, [arg] * inputs_per_program))
    return jobs


def make_azr_step(per_type: int = 64) -> list[tuple[str, list[str]]]:
    """(program, inputs) per child, in the proportions of one AZR step (see the module docstring)."""
    ded = make_jobs(per_type, 1)
    abd = make_jobs(per_type, 1)
    ind = make_jobs(per_type, INDUCTION_INPUTS)
    proposals = [job for job in ded + abd + ind for _ in range(2)]  # evaluate_twice
    solutions = make_jobs(per_type, 1) + make_jobs(per_type, 5)  # abduction, induction
    return proposals + solutions


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


def bench_pool(jobs, cores: int, chunked: bool) -> tuple[float, float]:
    """(evaluations/s, CPU seconds per evaluation: the pool's processes + this process)."""
    flat = [(program, f"f({arg})") for program, args in jobs for arg in args]
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        pool.map(_reference_task, flat[:50])  # warm-up
        pids = [proc.pid for proc in pool._pool]  # noqa: SLF001 - benchmark only: sample their CPU
        cpu_before = sum(_cpu_of(pid) for pid in pids) + _own_cpu()
        started = time.perf_counter()
        out = pool.map(_reference_task, flat) if chunked else list(pool.imap(_reference_task, flat, chunksize=1))
        elapsed = time.perf_counter() - started
        cpu = sum(_cpu_of(pid) for pid in pids) + _own_cpu() - cpu_before
    assert len(out) == len(flat)
    return len(flat) / elapsed, cpu / len(flat)


def bench_jail(jail, jobs, workers: list[int]) -> tuple[float, dict[str, float]]:
    """(evaluations/s, CPU and faults per child: worker, child, trainer)."""
    jail.evaluate_many(jobs[:50])  # warm-up
    usage_before, own_before = worker_usage(workers), _own_cpu()
    started = time.perf_counter()
    results = jail.evaluate_many(jobs)
    elapsed = time.perf_counter() - started
    usage = {k: (v - usage_before[k]) / len(jobs) for k, v in worker_usage(workers).items()}
    usage["trainer_cpu"] = (_own_cpu() - own_before) / len(jobs)
    bad = [r for rs in results for r in rs if r.status != "ok"]
    assert not bad, bad[:3]
    return sum(len(args) for _, args in jobs) / elapsed, usage


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
    parser.add_argument("--ab", default=None, metavar="WORKER_PY",
                        help="A/B in the same run: a second jail whose workers run this worker source (e.g. "
                             "`git show HEAD~1:azr_safe/jail/_worker.py > /tmp/a.py`), rounds interleaved")
    parser.add_argument("--phases", type=int, default=0, metavar="N",
                        help="instead: profile where a child's CPU and faults go, over N forked children")
    args = parser.parse_args()
    if args.phases:
        profile_phases(args.phases)
        return
    if args.ab:
        return main_ab(args)

    from azr_safe.jail import Jail, JailConfig

    config = JailConfig(workers=max(2, args.cores), children_per_worker=args.children_per_worker)
    with Jail(config) as jail:
        active = [layer.name for layer in jail.layers.layers if layer.active]
        print(f"jail layers active: {', '.join(active)}; workers={config.workers} "
              f"children/worker={config.children_per_worker}; cores={args.cores}")
        workers = jail_workers()
        for label, jobs in workloads(args.programs):
            report(label, jobs, [_round(jail, jobs, args.cores, workers) for _ in range(args.rounds)])


def workloads(n_programs: int) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    return [
        ("deduction-like (1 input/program)", make_jobs(n_programs, 1)),
        (f"induction-like ({INDUCTION_INPUTS} inputs/program)", make_jobs(n_programs // 4, INDUCTION_INPUTS)),
        ("AZR-step mix (64 tasks per type and role)", make_azr_step()),
    ]


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
    """Rounds interleaved: pool + jail A (workers run --ab FILE), pool + jail B (the shipped worker)."""
    from azr_safe.jail import JailConfig

    config = JailConfig(workers=max(2, args.cores), children_per_worker=args.children_per_worker)
    with open(args.ab, encoding="utf-8") as fh:
        source_a = fh.read()
    print(f"A/B: A = worker source {args.ab}, B = shipped azr_safe/jail/_worker.py; load average {os.getloadavg()}")
    with _jail_with_worker(config, source_a) as jail_a:
        workers_a = jail_workers()
        with _jail_with_worker(config, None) as jail_b:
            workers_b = [pid for pid in jail_workers() if pid not in workers_a]
            for label, jobs in workloads(args.programs):
                rows = {"A": [], "B": []}
                for _ in range(args.rounds):
                    rows["A"].append(_round(jail_a, jobs, args.cores, workers_a))
                    rows["B"].append(_round(jail_b, jobs, args.cores, workers_b))
                for side in ("A", "B"):
                    report(f"[{side}: {'--ab worker' if side == 'A' else 'shipped worker'}] {label}", jobs, rows[side])
    print(f"\nload average after: {os.getloadavg()}")


def _round(jail, jobs, cores: int, workers: list[int]) -> dict:
    ref, ref_cpu = bench_pool(jobs, cores, chunked=False)
    chunked, _ = bench_pool(jobs, cores, chunked=True)
    jailed, usage = bench_jail(jail, jobs, workers)
    return {"jail": jailed, "ref": ref, "chunked": chunked, "ref_cpu": ref_cpu, **usage}


def report(label: str, jobs, rows: list[dict]) -> None:
    med = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    evaluations = sum(len(a) for _, a in jobs)
    per_child = med["worker_cpu"] + med["child_cpu"] + med["trainer_cpu"]
    jail_cpu_per_eval = per_child * len(jobs) / evaluations
    ratios = [row["jail"] / row["ref"] for row in rows]
    print(f"\n{label}, {evaluations} evaluations in {len(jobs)} children, median of {len(rows)} rounds")
    print(f"  jail (all layers)              {med['jail']:8.0f} eval/s")
    print(f"  reference pool (imap, chunk=1) {med['ref']:8.0f} eval/s")
    print(f"  optimistic pool (map, chunked) {med['chunked']:8.0f} eval/s")
    print(f"  ratio jail / reference pool    {statistics.median(ratios):8.2f}x"
          f"   (per round: {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"  ratio jail / optimistic pool   {med['jail'] / med['chunked']:8.2f}x")
    print(f"  jail CPU per child             {per_child * 1e3:8.2f} ms = worker {med['worker_cpu'] * 1e3:.2f}"
          f" + child {med['child_cpu'] * 1e3:.2f} + trainer {med['trainer_cpu'] * 1e3:.2f}"
          f"  (faults: child {med['child_minflt']:.0f}, worker {med['worker_minflt']:.0f})")
    print(f"  CPU per evaluation             jail {jail_cpu_per_eval * 1e3:.2f} ms, reference pool "
          f"{med['ref_cpu'] * 1e3:.2f} ms -> CPU-bound ratio {med['ref_cpu'] / jail_cpu_per_eval:.2f}x")

if __name__ == "__main__":
    main()
