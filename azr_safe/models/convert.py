"""Convert a GGUF once into a cached safetensors folder that can be trained, saved and served.

A GGUF-loaded transformers model is dequantized but keeps its GGUF quantizer, so `Trainer` refuses to
train it and `save_pretrained` refuses to save it. We rebuild a plain model from its config, copy the
dequantized weights in, and save that. The folder is written under a temporary name and renamed into
place, so a crash never leaves a half-written cache: a folder at the final path is always complete.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import transformers
from packaging.version import Version

from azr_safe.errors import ModelNotFoundError
from azr_safe.models.embedded import EMBEDDED, sha256_file
from azr_safe.models.spec import ModelSpec

MARKER = "azr-safe-model.json"
BOS_FIXED_IN = Version("5.21")
STALE_TMP_SECONDS = 6 * 3600  # a conversion takes minutes; a temporary folder this old was abandoned  # Gemma's GGUF tokenizer adds BOS by itself from here on


def is_complete(folder: Path) -> bool:
    """A converted folder is complete when its marker (written last, before the rename) exists."""
    return (folder / MARKER).is_file()


def prepared_folder(spec: ModelSpec) -> Path:
    """The safetensors folder for `spec`, converting its GGUF on first use (local HF folders as is)."""
    if spec.name == "tiny-random":
        raise ValueError("tiny-random is built in memory and has no folder")
    if spec.name is not None:
        embedded = EMBEDDED[spec.name]
        target = spec.models_cache() / f"{embedded.name}-{embedded.sha256[:12]}"
        if is_complete(target):
            return target
        with tempfile.TemporaryDirectory(prefix="azr-gguf-") as scratch:
            gguf = embedded.locate(Path(scratch))
            convert_gguf(gguf, target, bos_fix=embedded.needs_bos_fix, source=embedded.package)
        return target
    assert spec.path is not None
    path = spec.path.expanduser()
    if path.is_file() and path.suffix == ".gguf":
        digest = sha256_file(path)
        target = spec.models_cache() / f"{path.stem}-{digest[:12]}"
        if not is_complete(target):
            convert_gguf(path, target, bos_fix="gemma" in path.name.lower(), source=str(path))
        return target
    if not path.is_dir():
        raise ModelNotFoundError(
            f"model folder not found: {path}",
            hint="give a local Hugging Face model folder or a .gguf file; nothing is downloaded from a hub",
        )
    if not (path / "config.json").is_file():
        raise ModelNotFoundError(
            f"{path} has no config.json, so it is not a Hugging Face model folder",
            hint="point `path` at the folder that holds config.json, the weights and the tokenizer",
        )
    return path


def convert_gguf(gguf: Path, target: Path, *, bos_fix: bool, source: str) -> Path:
    """Dequantize `gguf` into a float32 safetensors folder at `target`, atomically."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(target.parent, target.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        tokenizer_kwargs = {"add_bos_token": True} if bos_fix else {}
        tokenizer = AutoTokenizer.from_pretrained(
            gguf.parent, gguf_file=gguf.name, local_files_only=True, **tokenizer_kwargs
        )
        quantized = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype="float32", local_files_only=True
        )
        config = copy.deepcopy(quantized.config)
        if hasattr(config, "quantization_config"):
            del config.quantization_config  # drops the GGUF quantizer that blocks training and saving
        model = AutoModelForCausalLM.from_config(config, dtype="float32")
        model.load_state_dict(quantized.state_dict(), strict=True)
        model.generation_config = quantized.generation_config
        del quantized
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        _write_marker(tmp, gguf, source, seconds=time.perf_counter() - started)
        _publish(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _write_marker(folder: Path, gguf: Path, source: str, *, seconds: float) -> None:
    marker = {
        "source": source,
        "gguf": gguf.name,
        "gguf_sha256": sha256_file(gguf),
        "transformers": transformers.__version__,
        "dtype": "float32",
        "convert_seconds": round(seconds, 1),
    }
    (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n")


def _publish(tmp: Path, target: Path) -> None:
    """Rename the finished folder into place; if another process won the race, keep theirs.
    An incomplete folder at the target (from a foreign tool: ours never leave one) is replaced."""
    if target.exists() and not is_complete(target):
        stale = target.with_name(f".{target.name}.stale-{os.getpid()}")
        os.rename(target, stale)
        shutil.rmtree(stale, ignore_errors=True)
    try:
        os.rename(tmp, target)
    except OSError:
        if not is_complete(target):
            raise


def _remove_abandoned(parent: Path, name: str) -> None:
    """Delete temporary folders that a killed conversion left (kill -9 skips `finally`). Only old
    ones: a younger one may belong to a conversion running in another process."""
    if not parent.is_dir():
        return
    for leftover in parent.glob(f".{name}.tmp-*"):
        if time.time() - leftover.stat().st_mtime > STALE_TMP_SECONDS:
            shutil.rmtree(leftover, ignore_errors=True)


def needs_bos_fix_at_load() -> bool:
    """Whether this transformers version needs `add_bos_token=True` for Gemma's GGUF tokenizer."""
    return Version(transformers.__version__) < BOS_FIXED_IN
