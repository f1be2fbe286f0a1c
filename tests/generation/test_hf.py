import pytest
import torch

from azr_safe.generation import GenerationRequest
from azr_safe.generation.grammar import GrammarConfig, format_adherence, is_well_formed
from azr_safe.generation.hf import HFGenerator
from azr_safe.generation.tokens import completion_logprobs
from azr_safe.selfplay.formats import ANSWER_BLOCKS

# Small budgets keep the random model's rambling short; 6 induction inputs need the most tokens.
SMALL = GrammarConfig(think_max_tokens=8, block_max_tokens=6, answer_reserve_tokens=100)


def test_the_grammar_makes_every_response_of_a_random_model_well_formed(tiny_model, tiny_tokenizer):
    torch.manual_seed(0)
    gen = HFGenerator(tiny_model, tiny_tokenizer, grammar=SMALL)
    fmts = list(ANSWER_BLOCKS)
    requests = [GenerationRequest(prompt="Task:", n=2, fmt=f, max_new_tokens=400) for f in fmts]
    out = gen.generate(requests)
    texts = [g.text for group in out for g in group]
    flat_fmts = [f for f in fmts for _ in range(2)]
    bad = [(f, t) for f, t in zip(flat_fmts, texts) if not is_well_formed(t, f)]
    assert not bad, bad
    assert format_adherence(texts, flat_fmts) == 1.0
    assert all(g.finish_reason == "stop" for group in out for g in group)


def test_without_the_grammar_a_random_model_is_not_well_formed(tiny_model, tiny_tokenizer):
    torch.manual_seed(0)
    gen = HFGenerator(tiny_model, tiny_tokenizer, structured=False)
    out = gen.generate([GenerationRequest(prompt="Task:", n=4, fmt=("deduction", "solve"), max_new_tokens=30)])
    assert format_adherence([g.text for g in out[0]], [("deduction", "solve")] * 4) == 0.0


def test_budget_forcing_closes_the_reasoning_after_think_max_tokens(tiny_model, tiny_tokenizer):
    torch.manual_seed(1)
    gen = HFGenerator(tiny_model, tiny_tokenizer, grammar=GrammarConfig(think_max_tokens=5, block_max_tokens=6, answer_reserve_tokens=0))
    (group,) = gen.generate([GenerationRequest(prompt="Q", n=3, fmt=("deduction", "solve"), max_new_tokens=300)])
    close = tiny_tokenizer("</think>", add_special_tokens=False)["input_ids"]
    for g in group:
        think_tokens = g.completion_ids.index(close[0])
        reasoning = g.text.split("</think>")[0].removeprefix("<think>")
        assert len(tiny_tokenizer(reasoning, add_special_tokens=False)["input_ids"]) <= 5
        assert is_well_formed(g.text, ("deduction", "solve"))
        assert g.logprobs[think_tokens] == pytest.approx(0.0)  # a forced token has probability 1


def test_unconstrained_behaviour_logprobs_equal_the_models_own_at_the_sampling_temperature(
    tiny_model, tiny_tokenizer
):
    torch.manual_seed(2)
    gen = HFGenerator(tiny_model, tiny_tokenizer, structured=False)
    out = gen.generate(
        [GenerationRequest(prompt="def f(x):", n=2, max_new_tokens=12, temperature=0.7),
         GenerationRequest(prompt="Input: 3 Output:", n=1, max_new_tokens=7, temperature=0.7)]
    )
    flat = [g for group in out for g in group]
    recomputed = completion_logprobs(
        tiny_model, [g.prompt_ids for g in flat], [g.completion_ids for g in flat], temperature=0.7, pad_id=0
    )
    for g, lp in zip(flat, recomputed):
        assert len(g.logprobs) == len(g.completion_ids) > 0
        assert g.logprobs == pytest.approx(lp, abs=1e-4)


def test_grammar_behaviour_logprobs_are_renormalised_so_never_below_the_models(tiny_model, tiny_tokenizer):
    torch.manual_seed(3)
    gen = HFGenerator(tiny_model, tiny_tokenizer, grammar=SMALL)
    (group,) = gen.generate([GenerationRequest(prompt="Q", n=2, fmt=("deduction", "solve"), max_new_tokens=200)])
    model_lp = completion_logprobs(
        tiny_model, [g.prompt_ids for g in group], [g.completion_ids for g in group], pad_id=0
    )
    for g, lp in zip(group, model_lp):
        assert all(b >= m - 1e-4 for b, m in zip(g.logprobs, lp))
        assert sum(g.logprobs) > sum(lp)  # the mask removed real probability mass somewhere


def test_budget_forcing_closes_a_rambling_answer_block(tiny_model, tiny_tokenizer):
    torch.manual_seed(4)
    gen = HFGenerator(tiny_model, tiny_tokenizer, grammar=SMALL)
    (group,) = gen.generate([GenerationRequest(prompt="Q", n=2, fmt=("induction", "solve"), max_new_tokens=300)])
    for g in group:
        assert is_well_formed(g.text, ("induction", "solve"))
        block = g.text.split("<code>")[1]
        assert len(tiny_tokenizer(block, add_special_tokens=False)["input_ids"]) <= 6 + 6  # budget + "</code>"
    assert gen.last_forced_closings >= 2


def test_n_and_request_order_are_honoured_and_completions_end_in_eos(tiny_model, tiny_tokenizer):
    gen = HFGenerator(tiny_model, tiny_tokenizer, grammar=SMALL, batch_size=3)
    requests = [
        GenerationRequest(prompt="a", n=1, fmt=("deduction", "solve"), max_new_tokens=150),
        GenerationRequest(prompt="bb bb", n=3, fmt=("abduction", "solve"), max_new_tokens=150),
        GenerationRequest(prompt="ccc", n=2, max_new_tokens=5, temperature=0.0),
    ]
    out = gen.generate(requests)
    assert [len(group) for group in out] == [1, 3, 2]
    for req, group in zip(requests, out):
        for g in group:
            assert g.prompt_ids == tiny_tokenizer(req.prompt)["input_ids"]
            assert len(g.completion_ids) <= req.max_new_tokens
    assert all(g.completion_ids[-1] == tiny_tokenizer.eos_token_id for g in out[1])
    assert all(is_well_formed(g.text, ("abduction", "solve")) for g in out[1])


def test_greedy_decoding_is_deterministic(tiny_model, tiny_tokenizer):
    gen = HFGenerator(tiny_model, tiny_tokenizer, structured=False)
    request = GenerationRequest(prompt="print(f(", n=2, max_new_tokens=10, temperature=0.0)
    first, second = gen.generate([request])[0], gen.generate([request])[0]
    assert first[0].completion_ids == first[1].completion_ids == second[0].completion_ids
    assert first[0].finish_reason == "length" and len(first[0].completion_ids) == 10


def test_sync_weights_makes_generation_use_the_new_model(tiny_model, tiny_tokenizer):
    from azr_safe.models.tiny import build_tiny_model

    other = build_tiny_model(tiny_tokenizer, seed=7)
    gen = HFGenerator(tiny_model, tiny_tokenizer, structured=False)
    request = GenerationRequest(prompt="x", n=1, max_new_tokens=8, temperature=0.0)
    before = gen.generate([request])[0][0].completion_ids
    gen.sync_weights(other)
    assert gen.generate([request])[0][0].completion_ids != before


def test_bad_sampling_settings_are_rejected(tiny_model, tiny_tokenizer):
    with pytest.raises(ValueError, match="top_p"):
        HFGenerator(tiny_model, tiny_tokenizer, top_p=0.0)


def test_generation_samples_in_eval_mode_and_restores_training_mode(tiny_tokenizer):
    from azr_safe.models.tiny import build_tiny_model

    model = build_tiny_model(tiny_tokenizer).train()
    model.config.attention_dropout = 0.5
    gen = HFGenerator(model, tiny_tokenizer, structured=False)
    request = GenerationRequest(prompt="x", n=2, max_new_tokens=6, temperature=0.0)
    first, second = gen.generate([request])[0]
    assert first.completion_ids == second.completion_ids  # greedy and no dropout: identical rows
    assert model.training


def test_no_requests_give_no_generations(tiny_model, tiny_tokenizer):
    assert HFGenerator(tiny_model, tiny_tokenizer).generate([]) == []


def test_a_tight_token_budget_still_ends_a_single_block_answer_well_formed(tiny_model, tiny_tokenizer):
    torch.manual_seed(5)
    gen = HFGenerator(tiny_model, tiny_tokenizer, grammar=GrammarConfig(think_max_tokens=4))  # block budget 160
    (group,) = gen.generate([GenerationRequest(prompt="Q", n=3, fmt=("deduction", "solve"), max_new_tokens=30)])
    for g in group:
        assert len(g.completion_ids) <= 30
        assert is_well_formed(g.text, ("deduction", "solve")), g.text


def test_input_blocks_are_closed_after_their_own_smaller_budget(tiny_model, tiny_tokenizer):
    torch.manual_seed(6)
    config = GrammarConfig(think_max_tokens=4, block_max_tokens=50, input_max_tokens=3, answer_reserve_tokens=0)
    gen = HFGenerator(tiny_model, tiny_tokenizer, grammar=config)
    (group,) = gen.generate([GenerationRequest(prompt="Q", n=2, fmt=("induction", "propose"), max_new_tokens=400)])
    for g in group:
        assert is_well_formed(g.text, ("induction", "propose")), g.text
        for block in g.text.split("<input>")[1:]:
            body = block.split("</input>")[0]
            # re-tokenised text, and a forced closing may wait a token after a lone "<": same margin as above
            assert len(tiny_tokenizer(body, add_special_tokens=False)["input_ids"]) <= 3 + 6
    assert gen.last_forced_closings >= 2 * 6  # a random model never closes an input block on its own


def test_a_short_budget_still_leaves_room_to_reason(tiny_model, tiny_tokenizer):
    torch.manual_seed(7)
    # The default reserve (96 tokens) is larger than the whole budget; half the budget stays for reasoning.
    gen = HFGenerator(tiny_model, tiny_tokenizer, grammar=GrammarConfig(think_max_tokens=200))
    (group,) = gen.generate([GenerationRequest(prompt="Q", n=3, fmt=("deduction", "solve"), max_new_tokens=64)])
    for g in group:
        reasoning = g.text.split("</think>")[0].removeprefix("<think>")
        assert len(tiny_tokenizer(reasoning, add_special_tokens=False)["input_ids"]) >= 10
        assert is_well_formed(g.text, ("deduction", "solve")), g.text
