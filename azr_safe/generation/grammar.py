"""Structured generation: one EBNF grammar per (task type, role), shared by every backend.

The grammar forces `<think>…</think>` followed by the answer blocks of `formats.ANSWER_BLOCKS`, each on
its own line, in order, then end-of-sequence:

    root  ::= "<think>" think "</think>" "\n" "<code>" code_body "</code>" "\n" "<input>" input_body "</input>"
    think ::= char*        code_body ::= char+        char ::= [^<] | "<" [^/<]

`char` never spells "</", so no block can close early or contain another block's closing tag, while
`a < b` and `x <= 3` stay writable. xgrammar compiles the same text for transformers (the logits
processor below) and for vLLM (`StructuredOutputsParams(grammar=...)`).

Lengths are bounded in tokens, not in the grammar: xgrammar's bounded repetition (`char{0,600}`) costs
about 0.4 s per token on a 49k vocabulary, against 0.01 ms for `char*` (measured; see docs/models.md).
Tiny models ramble, so the transformers processor (`grammar_hf.py`) adds *budget forcing* in tokens.
(vLLM gets the grammar only: no forcing.)
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from azr_safe.selfplay.formats import ANSWER_BLOCKS, THINK_TAG
from azr_safe.selfplay.sample import Role, TaskType

Fmt = tuple[TaskType, Role]
_CHAR = r'[^<] | "<" [^/<]'
_SOLID = r'[^< \t\r\n] | "<" [^/<]'  # a block's first visible character: blocks are never blank


class GrammarConfig(BaseModel):
    """Shape and token budgets of the structured format."""

    model_config = ConfigDict(extra="forbid")

    think_max_tokens: int = Field(
        default=192, ge=0, description="Close </think> by force after this many reasoning tokens."
    )
    block_max_tokens: int = Field(
        default=160, ge=1, description="Close an answer block by force after this many of its tokens."
    )
    induction_min_inputs: int = Field(
        default=6, ge=1, description="Fewest <input> blocks in an induction proposal (AZR: at least 6 pairs)."
    )
    induction_max_inputs: int = Field(default=10, ge=1, description="Most <input> blocks in an induction proposal.")
    answer_reserve_tokens: int = Field(
        default=96, ge=0, description="Also close </think> by force when fewer tokens than this remain."
    )
    input_max_tokens: int = Field(
        default=24,
        ge=1,
        description="Close an <input> block by force after this many tokens: inputs are short literals, and "
        "an induction proposal needs several of them inside one token budget.",
    )
    code_prefix: str = Field(
        default="def f(",
        description="Every <code> block starts with this text (after optional whitespace); '' allows any "
        "code. A 270M base model otherwise writes prose in the code block.",
    )

    @model_validator(mode="after")
    def _check(self) -> GrammarConfig:
        if self.induction_max_inputs < self.induction_min_inputs:
            raise ValueError(
                f"induction_max_inputs ({self.induction_max_inputs}) must be >= "
                f"induction_min_inputs ({self.induction_min_inputs})"
            )
        if "<" in self.code_prefix:  # it would open or close a tag inside the code block
            raise ValueError(f"code_prefix must not contain '<': {self.code_prefix!r}")
        return self


def build_ebnf(fmt: Fmt, config: GrammarConfig | None = None, *, think_opened: bool = False) -> str:
    """The EBNF grammar of a (task type, role) response. `think_opened`: the prompt already ends in
    "<think>", so the completion starts inside the reasoning."""
    cfg = config or GrammarConfig()
    specs = ANSWER_BLOCKS[fmt]
    opening = "" if think_opened else f'"<{THINK_TAG}>" '
    parts: list[str] = []
    tags: list[str] = []
    for spec in specs:
        tag = spec.rstrip("*")
        tags.append(tag)
        block = f'"\\n" "<{tag}>" {tag}_body "</{tag}>"'
        if spec.endswith("*"):
            block = f"({block}){{{cfg.induction_min_inputs},{cfg.induction_max_inputs}}}"
        parts.append(block)
    rules = [f'root ::= {opening}think "</{THINK_TAG}>" {" ".join(parts)}', "think ::= char*"]
    rules += [_body_rule(tag, cfg) for tag in dict.fromkeys(tags)]
    rules.append(f"char ::= {_CHAR}")
    rules.append(f"solid ::= {_SOLID}")
    return "\n".join(rules) + "\n"


def _body_rule(tag: str, cfg: GrammarConfig) -> str:
    if tag == "code" and cfg.code_prefix:
        # line breaks only before it: an indented `def` does not parse
        return f"{tag}_body ::= [\\r\\n]* {_ebnf_string(cfg.code_prefix)} char*"
    return f"{tag}_body ::= [ \\t\\r\\n]* solid char*"


def _ebnf_string(text: str) -> str:
    """`text` as an EBNF string literal (it is config, not model output, but may hold quotes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# ---------------------------------------------------------------------------------------------
# Format adherence: the same shape the grammar enforces, checked on text.


def is_well_formed(text: str, fmt: Fmt) -> bool:
    """Whether `text` is reasoning closed by </think>, then exactly the required non-blank answer
    blocks in order, separated only by whitespace (an opening <think> may sit in the prompt instead).
    A linear scan: responses are model-written, so no backtracking regex."""
    rest = text.strip()
    if rest.startswith(f"<{THINK_TAG}>"):
        rest = rest[len(THINK_TAG) + 2 :]
    close = rest.find(f"</{THINK_TAG}>")
    if close == -1 or "</" in rest[:close]:
        return False
    rest = rest[close + len(THINK_TAG) + 3 :]
    for spec in ANSWER_BLOCKS[fmt]:
        tag, repeated = spec.rstrip("*"), spec.endswith("*")
        count = 0
        while rest.lstrip().startswith(f"<{tag}>"):
            rest = rest.lstrip()[len(tag) + 2 :]
            end = rest.find(f"</{tag}>")
            if end == -1 or "</" in rest[:end] or not rest[:end].strip():
                return False
            rest, count = rest[end + len(tag) + 3 :], count + 1
            if not repeated:
                break
        if count == 0:
            return False
    return not rest.strip()


def format_adherence(texts: Sequence[str], fmts: Sequence[Fmt]) -> float:
    """Fraction of responses that are well formed for their (task type, role); 1.0 for no responses."""
    if len(texts) != len(fmts):
        raise ValueError(f"{len(texts)} texts but {len(fmts)} formats")
    if not texts:
        return 1.0
    return sum(is_well_formed(t, f) for t, f in zip(texts, fmts)) / len(texts)
