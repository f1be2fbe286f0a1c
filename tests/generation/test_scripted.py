import json

import pytest
import torch

from azr_safe.errors import ConfigError, UserFacingError
from azr_safe.generation import GenerationRequest, ScriptedGenerator, ScriptExhaustedError
from azr_safe.generation.tokens import completion_logprobs

ANSWER = "<think>double it</think>\n<output>6</output>"


def _req(prompt="Q", n=1, fmt=None, temperature=1.0):
    return GenerationRequest(prompt=prompt, n=n, fmt=fmt, temperature=temperature)


def test_replay_returns_responses_in_order_and_cycles_when_told():
    gen = ScriptedGenerator(["a", "b", "c"])
    out = gen.generate([_req(n=2), _req(n=2)])
    assert [[g.text for g in group] for group in out] == [["a", "b"], ["c", "a"]]


def test_replay_raises_a_user_facing_error_when_exhausted_and_not_cycling():
    gen = ScriptedGenerator(["a"], on_exhausted="raise")
    gen.generate([_req()])
    with pytest.raises(ScriptExhaustedError) as info:
        gen.generate([_req()])
    assert isinstance(info.value, UserFacingError)
    assert gen.remaining() == 0


def test_keyed_responses_answer_only_their_task_and_role_and_others_fall_back_to_unkeyed():
    gen = ScriptedGenerator(
        [
            {"text": "solve-ded", "task_type": "deduction", "role": "solve"},
            {"text": "generic"},
            {"text": "prop-abd", "task_type": "abduction", "role": "propose"},
        ]
    )
    out = gen.generate(
        [_req(fmt=("abduction", "propose")), _req(fmt=("deduction", "solve")), _req(fmt=("induction", "solve")), _req()]
    )
    assert [group[0].text for group in out] == ["prop-abd", "solve-ded", "generic", "generic"]


def test_a_request_with_no_matching_and_no_unkeyed_response_raises():
    gen = ScriptedGenerator([{"text": "x", "task_type": "deduction", "role": "solve"}])
    with pytest.raises(ScriptExhaustedError):
        gen.generate([_req(fmt=("induction", "propose"))])


def test_script_loads_from_yaml_and_jsonl_files(tmp_path):
    yml = tmp_path / "s.yaml"
    yml.write_text("responses:\n  - plain text\n  - text: keyed\n    task_type: induction\n    role: solve\n")
    jsonl = tmp_path / "s.jsonl"
    jsonl.write_text(json.dumps("first") + "\n\n" + json.dumps({"text": "second", "finish_reason": "length"}) + "\n")
    assert ScriptedGenerator(yml).generate([_req(fmt=("induction", "solve"))])[0][0].text == "keyed"
    out = ScriptedGenerator(jsonl).generate([_req(n=2)])[0]
    assert [g.text for g in out] == ["first", "second"]
    assert out[1].finish_reason == "length"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.jsonl", '{"text": "ok"}\n{not json\n', "bad.jsonl:2"),
        ("bad.yaml", "responses: {a: 1}\n", "expected a list"),
        ("bad2.yaml", "- text: x\n  colour: red\n", "response 0"),
        ("half.yaml", "- text: x\n  task_type: deduction\n", "both task_type and role"),
        ("empty.yaml", "[]\n", "no responses"),
    ],
)
def test_a_malformed_script_file_gives_a_config_error_naming_the_place(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        ScriptedGenerator(path)


def test_a_missing_script_file_gives_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        ScriptedGenerator(tmp_path / "nope.yaml")


def test_with_a_tokenizer_the_replay_has_token_ids_that_decode_to_the_text_and_end_in_eos(tiny_tokenizer):
    gen = ScriptedGenerator([ANSWER, {"text": "<think>cut", "finish_reason": "length"}], tokenizer=tiny_tokenizer)
    done, cut = gen.generate([_req(prompt="f(3)?", n=2)])[0]
    assert done.prompt_ids == tiny_tokenizer("f(3)?")["input_ids"]
    assert done.completion_ids[-1] == tiny_tokenizer.eos_token_id
    assert tiny_tokenizer.decode(done.completion_ids, skip_special_tokens=True) == ANSWER
    assert cut.completion_ids[-1] != tiny_tokenizer.eos_token_id
    assert len(done.logprobs) == len(done.completion_ids) and set(done.logprobs) == {0.0}


def test_after_sync_weights_the_replay_logprobs_are_the_models_own(tiny_tokenizer, tiny_model):
    gen = ScriptedGenerator([ANSWER], tokenizer=tiny_tokenizer)
    gen.sync_weights(tiny_model)
    (g,) = gen.generate([_req(prompt="What is f(3)?", temperature=0.7)])[0]
    assert len(g.logprobs) == len(g.completion_ids)
    # independent check: score the whole sequence in one forward pass without padding
    ids = torch.tensor([g.prompt_ids + g.completion_ids])
    with torch.no_grad():
        logp = torch.log_softmax(tiny_model(ids).logits[0, :-1] / 0.7, dim=-1)
    expected = [logp[len(g.prompt_ids) - 1 + t, tok].item() for t, tok in enumerate(g.completion_ids)]
    assert g.logprobs == pytest.approx(expected, abs=1e-4)
    assert all(lp < 0 for lp in g.logprobs)


def test_batched_recomputed_logprobs_do_not_depend_on_padding(tiny_tokenizer, tiny_model):
    prompts = [[1, 5, 6], [1, 7, 8, 9, 10, 11]]
    completions = [[12, 13, 14, 15], [16]]
    batched = completion_logprobs(tiny_model, prompts, completions, pad_id=0)
    single = [completion_logprobs(tiny_model, [p], [c], pad_id=0)[0] for p, c in zip(prompts, completions)]
    for b, s in zip(batched, single):
        assert b == pytest.approx(s, abs=1e-5)


def test_the_replay_position_round_trips_and_a_different_script_is_refused():
    script = ["a", "b", {"text": "c", "task_type": "deduction", "role": "solve"}]
    gen = ScriptedGenerator(script)
    gen.generate([_req(), _req(fmt=("deduction", "solve"))])
    state = json.loads(json.dumps(gen.state_dict()))  # JSON data, as in a checkpoint's state.json
    resumed = ScriptedGenerator(script)
    resumed.load_state_dict(state)
    assert [g.text for g in resumed.generate([_req()])[0]] == ["b"]
    with pytest.raises(ConfigError, match="script file changed"):
        ScriptedGenerator(["a"]).load_state_dict(state)
    with pytest.raises(ConfigError, match="out of range"):
        ScriptedGenerator(script).load_state_dict({"next": {"*": 9, "deduction/solve": 0}})
