"""Prompts: neutral framing, K references, the induction split, and the answer blocks each role needs."""

import pytest

from azr_safe.selfplay.formats import ANSWER_BLOCKS
from azr_safe.selfplay.prompts import RESPONSE_CUE, build_propose_prompt, build_solve_prompt, induction_split
from azr_safe.selfplay.sample import Triplet

REFS = [
    Triplet(program=f"def f(x):\n    return x * {n}", inputs=[str(n)], outputs=[str(n * n)], task_type="deduction")
    for n in (2, 3, 4)
]
INDUCTION = Triplet(
    program="def f(x):\n    return x + 100",
    inputs=[str(i) for i in range(6)],
    outputs=[str(100 + i) for i in range(6)],
    message="adds a constant",
    task_type="induction",
)


def all_prompts() -> list[tuple[tuple[str, str], str]]:
    out = []
    for task in ("deduction", "abduction"):
        out.append(((task, "propose"), build_propose_prompt(task, REFS)))
        out.append(((task, "solve"), build_solve_prompt(REFS[0].model_copy(update={"task_type": task}))))
    out.append((("induction", "propose"), build_propose_prompt("induction", [INDUCTION], program=REFS[0].program)))
    out.append((("induction", "solve"), build_solve_prompt(INDUCTION)))
    return out


@pytest.mark.parametrize(("fmt", "prompt"), all_prompts())
def test_prompt_names_think_and_every_answer_block_of_its_role(fmt, prompt):
    assert "<think>" in prompt
    for block in ANSWER_BLOCKS[fmt]:
        assert f"<{block.rstrip('*')}>" in prompt
    assert prompt.endswith(RESPONSE_CUE)


@pytest.mark.parametrize(("fmt", "prompt"), all_prompts())
def test_prompts_never_frame_the_task_as_outwitting_someone(fmt, prompt):
    lowered = prompt.lower()
    for phrase in ("test subject", "outwit", "outsmart", "trick", "fool", "i.q."):
        assert phrase not in lowered


def test_proposal_prompt_shows_every_reference_and_asks_for_something_different():
    prompt = build_propose_prompt("deduction", REFS)
    for ref in REFS:
        assert ref.program in prompt and f"<output>{ref.outputs[0]}</output>" in prompt
    assert "different" in prompt


def test_induction_solver_sees_the_message_and_visible_half_only():
    visible, hidden = induction_split(INDUCTION)
    assert len(visible) == 3 and len(hidden) == 3
    prompt = build_solve_prompt(INDUCTION)
    assert "adds a constant" in prompt
    for i, o in visible:
        assert f"f({i}) == {o}" in prompt
    for _, o in hidden:
        assert o not in prompt
    assert INDUCTION.program not in prompt


def test_induction_proposal_needs_a_program():
    with pytest.raises(ValueError):
        build_propose_prompt("induction", [])


def test_solver_prompts_show_the_right_side_of_the_triplet():
    abd = REFS[1].model_copy(update={"task_type": "abduction"})
    prompt = build_solve_prompt(abd)
    assert "must return: 9" in prompt and "f(3)" not in prompt
    ded = build_solve_prompt(REFS[1])
    assert "f(3)" in ded and "<output>9</output>" not in ded
