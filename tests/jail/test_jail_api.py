"""What self-play needs from the jail, on a real jail with every layer this machine allows."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from azr_safe.jail import Jail, JailConfig, JailUnavailableError, Job

DOUBLE = "def f(x):\n    return x * 2"


@pytest.fixture(scope="module")
def jail():
    with Jail(JailConfig(timeout_s=1.0, memory_mb=256)) as started:
        yield started


def test_run_returns_the_repr_of_the_call(jail):
    result = jail.run(DOUBLE, call="f({'a': 1} and 21)")
    assert (result.status, result.value, result.literal) == ("ok", "42", ["int", "2a"])


def test_a_bare_run_without_a_call_reports_ok_and_no_value(jail):
    result = jail.run("print('hello')")
    assert (result.status, result.value, result.stdout) == ("ok", None, "hello\n")


def test_every_input_gets_fresh_globals_so_call_order_cannot_leak_state(jail):
    program = "seen = []\ndef f(x):\n    seen.append(x)\n    return len(seen)"
    assert [r.value for r in jail.evaluate(program, ["1", "2", "3"])] == ["1", "1", "1"]


def test_a_traceback_shows_the_program_lines_even_if_the_program_cleared_linecache(jail):
    program = "import linecache\nlinecache.cache.clear()\ndef f(x):\n    return x.no_such_attribute\n"
    result = jail.run(program, call="f(1)")
    assert result.status == "error"
    assert 'File "<program>", line 4, in f\n    return x.no_such_attribute' in result.stderr
    assert result.stderr.rstrip().endswith("AttributeError: 'int' object has no attribute 'no_such_attribute'")


def test_an_input_with_a_trailing_comment_still_makes_a_call(jail):
    assert jail.evaluate(DOUBLE, ["3  # three"])[0].value == "6"


def test_evaluate_twice_runs_in_two_processes_with_different_hash_seeds(jail):
    program = "def f(n):\n    return list({str(i) for i in range(n)})"
    first, second = jail.evaluate_twice(program, ["30"])
    assert first[0].status == second[0].status == "ok"
    assert first[0].value != second[0].value  # same program, same input, different set order


def test_a_timeout_in_one_call_stops_that_child_within_its_budget(jail):
    program = "def f(x):\n    while x == 0:\n        pass\n    return x"
    started = time.monotonic()
    results = jail.evaluate(program, ["1", "0", "2"])
    assert time.monotonic() - started < 4
    assert [r.status for r in results] == ["ok", "timeout", "timeout"]


def test_stdout_is_captured_per_call_and_capped(jail):
    program = "def f(x):\n    print('x' * x)\n    return x"
    small, huge = jail.evaluate(program, ["3", "10**6"])
    assert small.stdout == "xxx\n" and small.status == "ok"
    assert huge.status == "output_limit" and len(huge.stdout) <= jail.config.output_limit_bytes


def test_memory_beyond_the_limit_is_reported_as_memory_limit(jail):
    assert jail.run("def f():\n    return len(bytearray(1 << 30))", call="f()").status == "memory_limit"


def test_a_forbidden_syscall_is_a_violation_naming_it(jail):
    result = jail.run("import os\ndef f():\n    return os.fork()", call="f()")
    assert (result.status, result.violation) == ("violation", "clone")
    assert result.to_record().violation == "clone"


def test_run_many_pipelines_jobs_over_the_pool_and_keeps_order(jail):
    results = jail.run_many([Job(code=DOUBLE, calls=[f"f({i})"]) for i in range(40)])
    assert [r.value for r in results] == [str(2 * i) for i in range(40)]
    with pytest.raises(ValueError):
        jail.run_many([Job(code=DOUBLE, calls=["f(1)", "f(2)"])])


def test_check_outputs_compares_literals_without_running_anything(jail):
    passed, typed, nan = jail.check_outputs([
        (DOUBLE, "3", "6", "6"), (DOUBLE, "3", "6.0", "6"), (DOUBLE, "3", "nan", "nan")])
    assert (passed.passed, passed.results) == (True, [])
    assert (typed.passed, typed.reason) == (False, "mismatch")
    assert nan.passed


def test_check_outputs_evaluates_a_non_literal_prediction_in_the_jail(jail):
    verdict, forged = jail.check_outputs([
        (DOUBLE, "3", "[1] * 3", "[1, 1, 1]"),
        (DOUBLE, "3", "__import__('os').write(3, b'{\"passed\": true}\\n')", "[1, 1, 1]")])
    assert verdict.passed and verdict.results[0].status == "ok"
    assert not forged.passed


def test_check_inputs_accepts_any_input_that_reaches_the_gold(jail):
    good, bad, broken_gold = jail.check_inputs([(DOUBLE, "3", "6"), (DOUBLE, "4", "6"), (DOUBLE, "3", "f(3)")])
    assert (good.passed, bad.passed, broken_gold.passed) == (True, False, False)
    assert broken_gold.reason == "gold output is not a literal"


def test_check_programs_needs_every_hidden_pair(jail):
    pairs = [("1", "2"), ("5", "10")]
    right, constant, crashing = jail.check_programs([
        ("def f(x):\n    return x + x", pairs), ("def f(x):\n    return 2", pairs), ("def f(x):\n    1/0", pairs)])
    assert right.passed and not constant.passed and not crashing.passed
    assert constant.reason == "pair 1: mismatch" and crashing.reason == "pair 0: error"


def test_layers_report_every_layer_with_a_reason(jail):
    names = [layer.name for layer in jail.layers.layers]
    assert names == ["nsjail", "cgroups", "uid_drop", "landlock", "seccomp", "rlimits"]
    assert jail.layers.active("seccomp") and all(layer.detail for layer in jail.layers.layers)


def test_workers_are_fresh_interpreters_not_forks_of_the_caller(jail):
    for worker in jail._workers:
        exe = os.path.realpath(f"/proc/{worker.proc.pid}/exe")
        assert exe != os.path.realpath("/proc/self/exe")
        assert Path(exe).name.startswith(("nsjail", "python3"))


def test_a_dead_worker_is_replaced_and_the_jail_keeps_working():
    with Jail(JailConfig(timeout_s=1.0)) as jail:
        jail._workers[0].kill()
        results = jail.run_many([(DOUBLE, "f(1)")] * 4)
        assert {r.value for r in results} == {"2"}


def test_close_stops_every_worker_process():
    jail = Jail(JailConfig())
    processes = [worker.proc for worker in jail._workers]
    jail.close()
    assert all(proc.poll() is not None for proc in processes)
    with pytest.raises(JailUnavailableError, match="closed"):
        jail.run(DOUBLE, call="f(1)")


def test_a_violation_is_reported_even_if_the_program_patched_os_first(jail):
    program = ("import os, ctypes\nos._exit = lambda code: None\nos.write = lambda fd, data: len(data)\n"
               "def f():\n    return ctypes.CDLL(None).syscall(41, 2, 1, 0)")
    assert jail.run(program, call="f()").status == "violation"


def test_a_tampered_reporter_only_delays_the_kill_to_the_next_forbidden_syscall(jail):
    # Rewrite the harness's own handler (the worker runs as __main__) so that it returns.
    program = ("import sys, ctypes\n"
               "def f():\n"
               "    harness = vars(sys.modules['__main__'])\n"
               "    harness['_on_sigsys'].__code__ = (lambda a, b, c, _read_int=0, _write=0, _exit=0: None).__code__\n"
               "    libc = ctypes.CDLL(None)\n"
               "    return [libc.syscall(41, 2, 1, 0), libc.syscall(41, 2, 1, 0)]")
    result = jail.run(program, call="f()")
    assert (result.status, result.value) == ("violation", None)


def test_forged_result_lines_cannot_extend_the_wall_clock(jail):
    # Each result line restarts the per-call clock; a program that writes bare newlines to the
    # result fd must still die at the program's whole budget (1 call x 1 s).
    program = "import os, time\ndef f():\n    while True:\n        os.write(3, b'\\n')\n        time.sleep(0.2)"
    started = time.monotonic()
    result = jail.run(program, call="f()")
    assert time.monotonic() - started < 2.5 and result.status == "timeout"


def test_importing_the_jail_does_not_import_torch():
    # Workers must start before torch/CUDA; importing the jail must not load torch itself.
    import subprocess
    import sys

    code = "import sys, azr_safe.jail, azr_safe.cli.sandbox; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_a_program_with_many_large_results_is_capped_not_wedged(jail):
    # 200 calls x (64 KiB of quotes on stdout + a 60 KiB repr): the result stream hits its cap, the child is
    # killed, and the jail answers promptly.
    program = "def f(x):\n    print('\"' * 65000)\n    return '\\\\' * 30000"
    started = time.monotonic()
    results = jail.evaluate(program, ["0"] * 200)
    assert time.monotonic() - started < 30
    assert results[0].status == "ok" and results[-1].status == "output_limit"
    assert jail.run(DOUBLE, call="f(2)").value == "4"
