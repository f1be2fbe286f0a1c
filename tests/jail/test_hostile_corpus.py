"""The hostile corpus (tests/jail/attacks/*.py), run as one batch over the pool in each layer
configuration. Containment is judged by side effects this test observes itself: secrets in
anything that came back, marker files, decoy integrity, the listener's count, signals received,
stray processes, wall time, and the workers' health on benign tasks afterwards. The jail's own
status report is never the evidence."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import pytest

from azr_safe.jail import ExecResult

from .conftest import ATTACKS_DIR, ENV_SECRET_NAME, processes_with_uids

ATTACKS = sorted(ATTACKS_DIR.glob("a*.py"))
DAEMON_GRACE_S = 3.5  # a21's daemon acts 2.5 s after its run; look after that


@dataclass
class CorpusRun:
    results: dict[str, ExecResult]
    wall_s: float
    markers: list[str]
    decoys: tuple[str, str, bool]
    connections: list[bytes]
    signals: int
    stray: list[tuple[int, str]]
    worker_pids: tuple[list[int], list[int]]


def _attack_files_in(folder) -> dict[str, int]:
    # Attacks name what they write after themselves (a11_written, a25_fill). Only files that
    # appear or change during the run count: CI's shared /tmp may hold unrelated "a??_" names.
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("a[0-9][0-9]_*") if p.is_file()}


@pytest.fixture(scope="module")
def corpus(layered_jail, host):
    call = f"f({host.context()!r})"
    jobs = [(path.read_text(), call) for path in ATTACKS]
    pids_before = [w.proc.pid for w in layered_jail._workers]
    tmp_before = _attack_files_in(host.root.parent)
    started = time.monotonic()
    results = layered_jail.run_many(jobs)
    wall = time.monotonic() - started
    time.sleep(DAEMON_GRACE_S)
    uids = range(layered_jail.test_base_uid, layered_jail.test_base_uid + layered_jail.config.workers)
    stray = [p for p in processes_with_uids(uids)]
    return CorpusRun(
        results={path.stem: r for path, r in zip(ATTACKS, results)},
        wall_s=wall,
        markers=sorted(p.name for p in host.markers.iterdir()) + sorted(
            name for name, stamp in _attack_files_in(host.root.parent).items() if tmp_before.get(name) != stamp),
        decoys=(host.decoy_ro.read_text(), host.decoy_rw.read_text(), host.secret.exists()),
        connections=list(host.listener.connections),
        signals=len(host.sigusr2),
        stray=stray,
        worker_pids=(pids_before, [w.proc.pid if w.alive else None for w in layered_jail._workers]),
    )


def test_corpus_has_at_least_thirty_programs():
    assert len(ATTACKS) >= 30


@pytest.mark.parametrize("attack", [p.stem for p in ATTACKS])
def test_attack_leaks_no_secret_in_anything_that_comes_back(corpus, host, attack):
    result = corpus.results[attack]
    text = " ".join(str(v) for v in (result.value, result.stdout, result.stderr, result.literal))
    assert host.leaked(text) == [], f"{attack} leaked a secret: {result}"


def test_no_attack_wrote_a_marker_or_any_file(corpus):
    assert corpus.markers == []


def test_decoys_are_intact(corpus):
    assert corpus.decoys == ("decoy-ro", "decoy-rw", True)


def test_listener_on_loopback_saw_no_connection(corpus):
    assert corpus.connections == []


def test_trainer_received_no_signal(corpus):
    assert corpus.signals == 0


def test_env_secret_was_never_visible_to_programs(corpus, host):
    assert ENV_SECRET_NAME not in corpus.results["a20_env_secret"].stdout


def test_no_process_of_the_jail_uids_survives_but_the_workers(corpus, layered_jail):
    # One live process per worker uid (the worker itself); no forked survivor, no daemon.
    assert len(corpus.stray) <= layered_jail.config.workers, corpus.stray


def test_no_attack_killed_a_worker(corpus):
    # A dead worker would take every program in flight with it (a39 tried SIGIO via F_SETOWN).
    before, after = corpus.worker_pids
    assert before == after


def test_resource_attacks_are_stopped_within_the_time_budget(corpus, layered_jail):
    # 39 programs, the worst ones bounded by the 2 s per-call wall clock, 8 in flight at once.
    assert corpus.wall_s < 40, corpus.wall_s


def test_output_floods_reach_the_trainer_capped(corpus, layered_jail):
    cap = layered_jail.config.output_limit_bytes
    for name in ("a06_stdout_flood", "a07_raw_fd_flood"):
        result = corpus.results[name]
        assert len(result.stdout) <= 2 * cap + 200 and len(result.stderr) <= 2 * cap + 200, name


def test_every_worker_still_answers_benign_tasks_correctly_after_the_corpus(corpus, layered_jail):
    # Also the cross-task poisoning check (a28 patched sorted, len, math.floor and sys.modules).
    program = "import math, json\ndef f(x):\n    return [sorted(x), len(x), math.floor(2.5), json.dumps(x)]"
    runs = layered_jail.run_many([(program, "f([3, 1, 2])")] * (layered_jail.config.workers * 4))
    assert {r.value for r in runs} == {"[[1, 2, 3], 3, 2, '[3, 1, 2]']"}


def test_checks_cannot_be_forged_by_always_equal_early_exit_or_fake_records(corpus, layered_jail):
    hidden = str(random.randint(10**6, 10**7))  # unknown to every program
    for name in ("a29_always_equal", "a30_exit_early", "a31_forge_result_fds"):
        code = (ATTACKS_DIR / f"{name}.py").read_text()
        verdict = layered_jail.check_programs([(code, [("{}", hidden)])])[0]
        assert verdict.passed is False, (name, verdict)
        verdict = layered_jail.check_inputs([(code, "{}", hidden)])[0]
        assert verdict.passed is False, (name, verdict)


def test_always_equal_is_not_a_literal_even_for_a_matching_gold(corpus, layered_jail):
    code = (ATTACKS_DIR / "a29_always_equal.py").read_text()
    assert layered_jail.check_programs([(code, [("{}", "6")])])[0].passed is False
    assert layered_jail.check_outputs([(code, "{}", "f({})", "6")])[0].passed is False
