"""Task buffers: zero-triplet seed, uniform references, dedup, newest-first solver batches, state round trip."""

import json
import random
from collections import Counter

import pytest

from azr_safe.selfplay.buffers import BufferStateError, TaskBuffers, zero_triplet
from azr_safe.selfplay.sample import Triplet


def triplet(n: int, task_type="deduction") -> Triplet:
    return Triplet(program=f"def f(a):\n    return a + {n}", inputs=["1"], outputs=[str(1 + n)], task_type=task_type)


def test_every_buffer_starts_with_the_identity_triplet_on_hello_world():
    buffers = TaskBuffers()
    assert buffers.sizes() == {"deduction": 1, "abduction": 1, "induction": 1}
    seed = buffers["deduction"].triplets[0]
    assert seed.program == "def f(a):\n    return a" and seed.inputs == ["'Hello world'"]
    assert seed.outputs == ["'Hello world'"]
    assert len(buffers["induction"].triplets[0].inputs) >= 6


def test_duplicates_are_rejected_even_when_formatted_differently():
    buffers = TaskBuffers()
    assert buffers.add(triplet(1))
    reformatted = Triplet(program="def f(a):   # comment\n    return (a + 1)", inputs=["1"], outputs=["2"],
                          task_type="deduction")
    assert not buffers.add(reformatted)
    assert not buffers.add(zero_triplet("deduction"))
    assert buffers.sizes()["deduction"] == 2


def test_same_program_on_another_input_is_a_new_task():
    buffers = TaskBuffers()
    buffers.add(triplet(1))
    other = Triplet(program=triplet(1).program, inputs=["2"], outputs=["3"], task_type="deduction")
    assert buffers.add(other)


def test_a_triplet_cannot_enter_another_task_types_buffer():
    with pytest.raises(ValueError):
        TaskBuffers()["abduction"].add(triplet(1, "deduction"))


def test_references_are_sampled_uniformly_without_replacement():
    buffers = TaskBuffers(seed=False)
    for n in range(10):
        buffers.add(triplet(n))
    rng = random.Random(0)
    counts = Counter()
    for _ in range(2000):
        refs = buffers["deduction"].sample_references(3, rng)
        assert len({r.program for r in refs}) == 3
        counts.update(r.program for r in refs)
    # each of 10 triplets is expected 600 times; uniform within ±15%
    assert all(510 < c < 690 for c in counts.values()), counts


def test_fewer_triplets_than_k_returns_all_of_them():
    assert len(TaskBuffers()["deduction"].sample_references(6, random.Random(0))) == 1


def test_solver_batch_serves_newest_first_then_fills_uniformly():
    buffers = TaskBuffers(seed=False)
    for n in range(5):
        buffers.add(triplet(n))
    rng = random.Random(0)
    first = buffers["deduction"].solver_batch(3, rng)
    assert [t.outputs[0] for t in first] == ["5", "4", "3"]  # newest first
    second = buffers["deduction"].solver_batch(4, rng)
    assert [t.outputs[0] for t in second[:2]] == ["2", "1"]  # the rest of the unserved, newest first
    assert len(second) == 4  # then a uniform fill from the whole buffer
    buffers.add(triplet(9))
    assert buffers["deduction"].solver_batch(1, rng)[0].outputs[0] == "10"


def test_state_round_trips_through_json_including_unserved_order():
    buffers = TaskBuffers()
    for n in range(4):
        buffers.add(triplet(n))
    buffers["deduction"].solver_batch(2, random.Random(1))
    state = json.loads(json.dumps(buffers.state_dict()))
    restored = TaskBuffers(seed=False)
    restored.load_state_dict(state)
    assert restored.state_dict() == buffers.state_dict()
    assert not restored.add(triplet(2))  # the dedup keys are rebuilt
    a, b = random.Random(5), random.Random(5)
    assert buffers["deduction"].solver_batch(3, a) == restored["deduction"].solver_batch(3, b)


@pytest.mark.parametrize(
    "state",
    [
        {"version": 99, "buffers": {}},
        {"version": 1, "buffers": {"deduction": {"triplets": [], "unserved": []}}},
        {"version": 1, "buffers": {t: {"triplets": [{"program": 1}], "unserved": []}
                                   for t in ("deduction", "abduction", "induction")}},
        [],
    ],
)
def test_corrupt_buffer_state_raises_a_user_facing_error(state):
    with pytest.raises(BufferStateError):
        TaskBuffers().load_state_dict(state)


def test_induction_programs_come_from_the_deduction_and_abduction_buffers():
    buffers = TaskBuffers(seed=False)
    buffers.add(triplet(7, "abduction"))
    assert buffers.induction_program(random.Random(0)) == triplet(7).program
