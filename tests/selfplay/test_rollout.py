"""One self-play step's data flow, with the scripted generator and a lookup-table jail (pure logic)."""

import random

import pytest
from selfplay_fakes import TableJail, ok

from azr_safe.generation.scripted import ScriptedGenerator
from azr_safe.selfplay.buffers import ZERO_PROGRAM, TaskBuffers
from azr_safe.selfplay.rollout import RolloutConfig, rollout_step

DOUBLE = "def f(a):\n    return a * 2"
IND_INPUTS = ["'a'", "'bb'", "''", "'ccc'", "1", "[2]"]

SCRIPT = [
    {"task_type": "deduction", "role": "propose", "text": f"<think>double</think>\n<code>\n{DOUBLE}\n</code>\n<input>3</input>"},
    {"task_type": "abduction", "role": "propose", "text": "I will not use the format."},
    {"task_type": "induction", "role": "propose",
     "text": "<think>x</think>" + "".join(f"<input>{i}</input>" for i in IND_INPUTS) + "<message>same</message>"},
    # learnability rollouts on the deduction proposal (s̄ = 1/2), then the training solve on the seed
    {"task_type": "deduction", "role": "solve", "text": "<think>3*2</think><output>6</output>"},
    {"task_type": "deduction", "role": "solve", "text": "<think>hm</think><output>5</output>"},
    {"task_type": "deduction", "role": "solve", "text": "<think>id</think><output>'Hello world'</output>"},
    {"task_type": "abduction", "role": "solve", "text": "<think>id</think><input>'Hello world'</input>"},
    # learnability on the induction proposal: both correct (s̄ = 1), then a malformed training solve
    {"task_type": "induction", "role": "solve", "text": f"<code>{ZERO_PROGRAM}</code>"},
    {"task_type": "induction", "role": "solve", "text": f"<think>same</think><code>{ZERO_PROGRAM}</code>"},
    {"task_type": "induction", "role": "solve", "text": "<think>no idea</think>"},
]


def make_jail() -> TableJail:
    identity_inputs = ["'Hello world'", "'Hello'", "'world'", "''", "'Hello world!'", "'dlrow olleH'", *IND_INPUTS]
    return TableJail({DOUBLE: {"3": ok("6")}, ZERO_PROGRAM: {i: ok(i) for i in identity_inputs}})


def run(config: RolloutConfig | None = None):
    gen = ScriptedGenerator(SCRIPT, on_exhausted="raise")
    buffers = TaskBuffers()
    config = config or RolloutConfig(propose_batch_size=1, solve_batch_size=1, n_learnability=2, k_references=2)
    result = rollout_step(7, gen, make_jail(), buffers, random.Random(0), config)
    return result, gen, buffers


def by_id(result):
    return {item.sample.sample_id: item for item in result.items}


def test_rewards_of_every_role_follow_the_composite_formula():
    result, _, _ = run()
    items = by_id(result)
    assert items["7-deduction-propose-0"].sample.reward == pytest.approx(0.5)  # 1 − s̄, s̄ = 1/2
    assert items["7-deduction-propose-0"].sample.solve_rate == pytest.approx(0.5)
    assert items["7-abduction-propose-0"].sample.reward == -1.0
    assert items["7-abduction-propose-0"].sample.reject_reason == "format"
    assert items["7-induction-propose-0"].sample.reward == 0.0  # s̄ = 1: too easy
    assert items["7-deduction-solve-0"].sample.reward == 1.0
    assert items["7-abduction-solve-0"].sample.reward == 1.0
    assert items["7-induction-solve-0"].sample.reward == -1.0
    assert items["7-deduction-solve-p0.1"].sample.reward == -0.5  # wrong but well formed


def test_learnability_rollouts_are_screenable_samples_without_training_tokens():
    result, _, _ = run()
    learn = [i for i in result.items if i.sample.purpose == "learnability"]
    assert len(learn) == 4 and all(i.completion_ids == [] and i.generation is None for i in learn)
    assert len(result.train_items) == 6 and all(i.generation is not None for i in result.train_items)
    assert len(result.samples) == 10
    assert len({s.sample_id for s in result.samples}) == 10


def test_valid_proposals_become_candidates_and_buffers_are_not_written():
    result, _, buffers = run()
    ids = [sid for sid, _ in result.candidates]
    assert ids == ["7-deduction-propose-0", "7-induction-propose-0"]
    ded = dict(result.candidates)["7-deduction-propose-0"]
    assert ded.program == DOUBLE and ded.inputs == ["3"] and ded.outputs == ["6"]
    ind = dict(result.candidates)["7-induction-propose-0"]
    assert ind.inputs == IND_INPUTS and ind.message == "same" and ind.program == ZERO_PROGRAM
    assert buffers.sizes() == {"deduction": 1, "abduction": 1, "induction": 1}


def test_generation_is_two_batched_calls_with_forced_formats():
    _, gen, _ = run()
    fmts = [r.fmt for r in gen.calls]
    assert fmts[:3] == [("deduction", "propose"), ("abduction", "propose"), ("induction", "propose")]
    assert [r.n for r in gen.calls[3:5]] == [2, 2]  # n learnability rollouts per valid proposal
    assert all(r.fmt is not None and r.fmt[1] == "solve" for r in gen.calls[3:])


def test_unstructured_generation_sends_no_format():
    cfg = RolloutConfig(propose_batch_size=1, solve_batch_size=1, n_learnability=2, structured=False)
    gen = ScriptedGenerator([s["text"] for s in SCRIPT])  # unkeyed: replayed in order
    rollout_step(0, gen, make_jail(), TaskBuffers(), random.Random(0), cfg)
    assert all(r.fmt is None for r in gen.calls)


def test_metrics_count_invalid_proposals_by_reason_and_solve_rates():
    result, _, _ = run()
    m = result.metrics
    assert m["abduction/propose/invalid/format"] == 1
    assert m["deduction/propose/valid"] == 1.0
    assert m["deduction/solve/solve_rate"] == 1.0 and m["induction/solve/solve_rate"] == 0.0
    assert m["learnability/solve_rate"] == pytest.approx(0.75)
    assert m["generation_s"] >= 0 and m["execution_s"] >= 0


def test_proposal_samples_record_the_jail_executions():
    result, _, _ = run()
    ded = by_id(result)["7-deduction-propose-0"].sample
    assert [e.value for e in ded.executions] == ["6", "6"]  # two runs, two processes


def test_a_generator_returning_too_few_completions_is_an_error():
    class Short:
        calls = 0

        def generate(self, requests):
            return [[] for _ in requests]

        def sync_weights(self, model):
            pass

    with pytest.raises(RuntimeError, match="exactly"):
        rollout_step(0, Short(), make_jail(), TaskBuffers(), random.Random(0), RolloutConfig(propose_batch_size=1))


def test_same_rng_state_gives_the_same_prompts():
    a = ScriptedGenerator(SCRIPT)
    b = ScriptedGenerator(SCRIPT)
    cfg = RolloutConfig(propose_batch_size=2, solve_batch_size=2, n_learnability=2, k_references=2)
    rollout_step(0, a, make_jail(), TaskBuffers(), random.Random(3), cfg)
    rollout_step(0, b, make_jail(), TaskBuffers(), random.Random(3), cfg)
    assert [r.prompt for r in a.calls] == [r.prompt for r in b.calls]


def test_the_same_step_through_the_real_jail_gives_the_same_rewards(jail):
    gen = ScriptedGenerator(SCRIPT, on_exhausted="raise")
    cfg = RolloutConfig(propose_batch_size=1, solve_batch_size=1, n_learnability=2, k_references=2)
    real = rollout_step(7, gen, jail, TaskBuffers(), random.Random(0), cfg)
    fake, _, _ = run()
    assert [(s.sample_id, s.reward, s.reject_reason) for s in real.samples] == [
        (s.sample_id, s.reward, s.reject_reason) for s in fake.samples
    ]
    assert [t.outputs for _, t in real.candidates] == [t.outputs for _, t in fake.candidates]


def test_config_refuses_asking_for_fewer_induction_inputs_than_validation_needs():
    with pytest.raises(ValueError, match="induction_num_inputs"):
        RolloutConfig(induction_num_inputs=4)
    RolloutConfig(induction_num_inputs=4, task_types=["deduction"])  # fine without induction
    with pytest.raises(ValueError, match="distinct"):
        RolloutConfig(task_types=["deduction", "deduction"])
    with pytest.raises(ValueError):
        RolloutConfig(propose_batchsize=2)  # typo: extra fields are forbidden


def test_every_sample_round_trips_through_json_for_the_audit_log():
    from azr_safe.selfplay.sample import Sample

    result, _, _ = run()
    for sample in result.samples:
        assert Sample.model_validate_json(sample.model_dump_json()) == sample
