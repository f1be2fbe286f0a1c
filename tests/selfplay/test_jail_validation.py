"""Validation of proposals through the real jail: every rejection reason is produced by a real run."""

import pytest

from azr_safe.selfplay.validation import (
    ProposalResponse,
    ValidationConfig,
    validate_proposal,
    validate_proposals,
)

CFG = ValidationConfig(max_output_chars=200)


def proposal(program: str, inputs: str = "3") -> str:
    return f"<think>try this</think>\n<code>\n{program}\n</code>\n<input>{inputs}</input>"


def induction(inputs: list[str], message: str = "look closely") -> str:
    return "<think>t</think>" + "".join(f"<input>{i}</input>" for i in inputs) + f"<message>{message}</message>"


def test_a_deterministic_proposal_becomes_a_triplet_with_the_jails_output(jail):
    result = validate_proposal(proposal("def f(a):\n    return [a, a * 2]"), "deduction", jail, config=CFG)
    assert result.valid and result.reject_reason is None
    assert result.triplet.outputs == ["[3, 6]"] and result.triplet.inputs == ["3"]
    assert len(result.executions) == 2 and all(e.status == "ok" for e in result.executions)


def test_program_reading_string_hashes_is_rejected_as_nondeterministic(jail):
    # str hashes are salted per process (PYTHONHASHSEED): the two runs must disagree
    program = "def f(a):\n    return hash(a) % 100000"
    result = validate_proposal(proposal(program, "'abc'"), "deduction", jail, config=CFG)
    assert result.reject_reason == "nondeterministic" and not result.valid


def test_program_reading_object_addresses_is_rejected_as_nondeterministic(jail):
    result = validate_proposal(proposal("def f(a):\n    return id(object()) % 100000"), "deduction", jail, config=CFG)
    assert result.reject_reason == "nondeterministic"


def test_output_depending_on_the_hash_seed_is_rejected_as_nondeterministic(jail):
    # Same process twice would agree; two processes with different hash seeds order the set differently.
    program = "def f(a):\n    return ''.join({chr(97 + i) for i in range(a)})"
    result = validate_proposal(proposal(program, "12"), "abduction", jail, config=CFG)
    assert result.reject_reason == "nondeterministic"


def test_a_set_output_is_deterministic_as_a_value_even_if_its_repr_order_varies(jail):
    program = "def f(a):\n    return {chr(97 + i) for i in range(a)}"
    result = validate_proposal(proposal(program, "12"), "deduction", jail, config=CFG)
    assert result.valid


def test_an_endless_loop_is_rejected_as_timeout(jail):
    result = validate_proposal(proposal("def f(a):\n    while True:\n        a += 1"), "deduction", jail, config=CFG)
    assert result.reject_reason == "timeout"


def test_an_output_over_the_size_bound_is_rejected_as_too_large(jail):
    result = validate_proposal(proposal("def f(a):\n    return 'x' * 1000"), "deduction", jail, config=CFG)
    assert result.reject_reason == "too_large"


def test_an_output_over_the_jails_own_limit_is_rejected_as_too_large(jail):
    result = validate_proposal(proposal("def f(a):\n    return 'x' * 10**6"), "deduction", jail,
                               config=ValidationConfig(max_output_chars=10**7))
    assert result.reject_reason == "too_large"


def test_a_program_that_raises_is_rejected_as_error(jail):
    result = validate_proposal(proposal("def f(a):\n    return a / 0"), "deduction", jail, config=CFG)
    assert result.reject_reason == "error"
    assert "ZeroDivisionError" in result.executions[0].stderr


def test_an_object_imitating_a_literal_repr_is_unrepresentable(jail):
    program = "class Fake:\n    def __repr__(self):\n        return '5'\ndef f(a):\n    return Fake()"
    result = validate_proposal(proposal(program), "deduction", jail, config=CFG)
    assert result.reject_reason == "unrepresentable"


def test_infinity_is_unrepresentable_because_no_solver_could_write_it_as_a_literal(jail):
    result = validate_proposal(proposal("def f(a):\n    return float('inf')"), "deduction", jail, config=CFG)
    assert result.reject_reason == "unrepresentable"


def test_a_program_writing_a_file_cannot_touch_the_host_and_is_not_valid(jail, tmp_path):
    marker = tmp_path / "escaped"
    program = f"def f(a):\n    open({str(marker)!r}, 'w').write('x')\n    return a"
    result = validate_proposal(proposal(program), "deduction", jail, config=CFG)
    assert not result.valid and result.reject_reason in ("error", "violation")
    assert not marker.exists()


def test_parse_failures_never_reach_the_jail(jail):
    class NoJail:
        def evaluate_twice_many(self, items):
            assert items == [], "nothing should run"
            return []

    for text, reason in [("no blocks", "format"), (proposal("def f(:"), "parse"),
                         (proposal("def g(a):\n    return a"), "no_f"), (proposal("def f(a): return a", "x"), "not_literal")]:
        assert validate_proposal(text, "deduction", NoJail(), config=CFG).reject_reason == reason


def test_induction_needs_six_distinct_inputs_that_all_run(jail):
    program = "def f(a):\n    return 10 // a"
    good = validate_proposal(induction([str(i) for i in range(1, 8)]), "induction", jail, config=CFG, program=program)
    assert good.valid and good.triplet.outputs == ["10", "5", "3", "2", "2", "1", "1"]
    assert good.triplet.message == "look closely"
    crashes = validate_proposal(induction([str(i) for i in range(0, 7)]), "induction", jail, config=CFG, program=program)
    assert crashes.reject_reason == "error"
    too_few = validate_proposal(induction(["1", "2", "2", "1", "x", "3"]), "induction", jail, config=CFG, program=program)
    assert too_few.reject_reason == "too_few_inputs"


def test_a_batch_of_proposals_is_validated_in_one_call_in_order(jail):
    responses = [
        ProposalResponse(proposal("def f(a):\n    return a + 1"), "deduction"),
        ProposalResponse("nothing", "abduction"),
        ProposalResponse(proposal("def f(a):\n    return a - 1", "'s'"), "abduction"),
        ProposalResponse(proposal("def f(a):\n    return a * 3"), "abduction"),
    ]
    results = validate_proposals(responses, jail, config=CFG)
    assert [r.reject_reason for r in results] == [None, "format", "error", None]
    assert [r.triplet.outputs for r in results if r.valid] == [["4"], ["9"]]


@pytest.mark.parametrize("program", ["def f(a):\n    return open('/etc/passwd').read()[:a]",
                                     "def f(a):\n    return __import__('socket').socket().connect(('1.1.1.1', 80))"])
def test_programs_probing_the_host_are_not_accepted_as_tasks(jail, program):
    result = validate_proposal(proposal(program), "deduction", jail, config=CFG)
    # the jail blocks the file read and the socket: neither becomes a task
    assert not result.valid and result.reject_reason in ("error", "violation")
