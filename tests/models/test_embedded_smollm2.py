"""One real end-to-end check: SmolLM2 from its PyPI package -> safetensors cache -> structured answer."""

import json

import pytest
import torch

from azr_safe.generation import GenerationRequest, GrammarConfig, HFGenerator, is_well_formed
from azr_safe.models import load_policy_model, prepared_folder, ModelSpec
from azr_safe.models.convert import MARKER


@pytest.fixture
def one_thread():
    # Two threads on a shared, busy 2-core machine spin in OpenMP barriers (10x slower, measured).
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow
def test_smollm2_converts_once_from_its_package_and_answers_in_the_forced_format(tmp_path, one_thread):
    spec = {"name": "smollm2-135m", "cache_dir": str(tmp_path)}
    model, tokenizer = load_policy_model(spec)
    folder = prepared_folder(ModelSpec.model_validate(spec))  # the cached folder, not converted again
    marker = json.loads((folder / MARKER).read_text())
    assert marker["gguf_sha256"].startswith(folder.name.rsplit("-", 1)[1])
    assert (folder / "model.safetensors").is_file()
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no temporary folder left behind
    assert not getattr(model, "hf_quantizer", None)  # trainable and saveable, unlike the GGUF-loaded one
    assert all(p.requires_grad for p in model.parameters())

    torch.manual_seed(0)
    gen = HFGenerator(model, tokenizer, grammar=GrammarConfig(think_max_tokens=24, block_max_tokens=12))
    prompt = "def f(a):\n    return a + a\nWhat is f(3)? Think, then answer in <output></output>.\n"
    (group,) = gen.generate(
        [GenerationRequest(prompt=prompt, n=2, fmt=("deduction", "solve"), max_new_tokens=64, temperature=0.7)]
    )
    for g in group:
        assert is_well_formed(g.text, ("deduction", "solve")), g.text
        assert g.completion_ids[-1] in gen.eos_ids and len(g.logprobs) == len(g.completion_ids)
