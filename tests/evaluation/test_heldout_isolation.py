"""The held-out self-play set stays out of training: no trainer code names it, and seeds differ."""

from pathlib import Path

import azr_safe
from azr_safe.evaluation.datasets import load_pinned
from azr_safe.evaluation.heldout import HELDOUT_FILE
from azr_safe.selfplay.buffers import TaskBuffers, dedup_key, zero_triplet
from azr_safe.selfplay.sample import TASK_TYPES

from azr_safe.evaluation.grading import as_triplet

PACKAGE = Path(azr_safe.__file__).parent
EVALUATION_ONLY = {Path("cli/evaluate.py")}
# How code would reach the set: its file, its module, its constant, its templates, or the benchmark loader.
HELDOUT_NAMES = ("selfplay-heldout", "evaluation.heldout", "HELDOUT_FILE", "heldout_templates", "load_benchmark")


def heldout_triplets():
    return [as_triplet(p) for p in load_pinned(HELDOUT_FILE)[0]]


def test_no_module_outside_evaluation_refers_to_the_heldout_set():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "evaluation"
        and path.relative_to(PACKAGE) not in EVALUATION_ONLY
        and any(name in path.read_text(encoding="utf-8") for name in HELDOUT_NAMES)
    ]
    assert offenders == []


def test_the_training_seed_triplets_are_not_in_the_heldout_set():
    heldout_keys = {dedup_key(t) for t in heldout_triplets()}
    seeds = [zero_triplet(task) for task in TASK_TYPES]
    assert all(dedup_key(seed) not in heldout_keys for seed in seeds)
    heldout_programs = {key[0] for key in heldout_keys}
    assert all(dedup_key(seed)[0] not in heldout_programs for seed in seeds)


def test_freshly_seeded_buffers_hold_nothing_from_the_heldout_set():
    buffers = TaskBuffers()
    heldout_keys = {dedup_key(t) for t in heldout_triplets()}
    for task in TASK_TYPES:
        assert not heldout_keys & {dedup_key(t) for t in buffers[task].triplets}


def test_heldout_set_is_pinned_and_balanced_across_task_types():
    problems, digest = load_pinned(HELDOUT_FILE)
    assert len(digest) == 64
    counts = {task: sum(p.task == task for p in problems) for task in TASK_TYPES}
    assert counts == {"deduction": 30, "abduction": 30, "induction": 30}
    assert [p.task for p in problems[:3]] == list(TASK_TYPES)  # interleaved, so --limit stays balanced
    assert all(len(p.inputs) == 10 for p in problems if p.task == "induction")


def test_the_identity_seed_solves_no_heldout_task():
    from azr_safe.evaluation.heldout import solved_by_identity

    assert not any(solved_by_identity(p) for p in load_pinned(HELDOUT_FILE)[0])
