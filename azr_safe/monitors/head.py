"""The classifier head: versioned JSON weights (+ the fine-tuned top encoder layer(s), sha256-pinned).

Stage 1 (gate): logistic regression on static token-embedding means; cheap, tuned for recall.
Stage 2 (head): logistic regression P(concerning | window) on contextual embeddings, and a softmax
P(category | concerning window). A trace's score combines its best windows as the head's `scoring` says
(TraceScoring: the rule its threshold was set for; one sentence can be enough).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from azr_safe.errors import ConfigError, ModelNotFoundError
from azr_safe.monitors.base import monitors_dir

HEAD_FORMAT = 1


class Linear(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight: list[list[float]] = Field(description="(n_out, n_in) rows.")
    bias: list[float] = Field(description="(n_out,)")

    def logits(self, x: np.ndarray) -> np.ndarray:
        return x @ np.asarray(self.weight, dtype=np.float32).T + np.asarray(self.bias, dtype=np.float32)


class TraceScoring(BaseModel):
    """How a trace's score is formed from its windows. The head's threshold was set for this rule, so the rule
    travels with the head. The defaults are the rule of heads up to 2.8, which have no such field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_windows: int | None = Field(default=2, ge=1, description="Windows encoded per trace, highest gate "
                                                                  "probability first; None = all that pass the gate.")
    extra_window_gate: float | None = Field(default=0.7, ge=0, le=1.01, description=(
        "Windows after a trace's best one are encoded only at this gate probability or above; None = all."))
    second_window_weight: float = Field(default=0.0, ge=0, le=1, description=(
        "Trace score sigmoid(z1 + w * z2) over the two highest window logits; 0 = the max over windows."))
    second_window_floor: float | None = Field(default=None, le=0, description=(
        "z2 is raised to at least this logit, so that a confidently benign second window cannot hide a "
        "confident first one (lowers the score by at most w * |floor|); None = unbounded."))

    def digest_fields(self) -> list:
        """The rule as the head's digest hashes it: named fields, so a field added later leaves digests alone
        while it keeps its default."""
        fields = [self.max_windows, self.extra_window_gate, self.second_window_weight]
        return fields if self.second_window_floor is None else [*fields, self.second_window_floor]


class HeadMember(BaseModel):
    """Another fine-tuned encoder top with its two linear heads (an ensemble member). A window's concerning
    logit is the mean over the head and its members, its category probabilities the mean of theirs; the gate
    is the head's. Averaging two fold heads trained apart raised LOAO recall (docs/monitors.md, session 11)."""

    model_config = ConfigDict(extra="forbid")

    delta_file: str = Field(description="The member's fine-tuned top layers (safetensors), relative to the head.")
    delta_sha256: str = Field(description="sha256 of `delta_file`, checked on load.")
    concerning: Linear
    category: Linear

    def digest_fields(self) -> list:
        return [self.delta_sha256, self.concerning.model_dump(), self.category.model_dump()]


class ReasoningHead(BaseModel):
    """Everything needed to reproduce and audit a trained head."""

    model_config = ConfigDict(extra="forbid")

    format: int = Field(default=HEAD_FORMAT, description="File format version.")
    version: str = Field(description="Head version, e.g. '1.0.0+<weights sha256 prefix>'.")
    encoder: str = Field(description="Backbone name.")
    encoder_sha256: str = Field(description="sha256 of the backbone's model.safetensors.")
    corpus_sha256: str = Field(description="sha256 of the training corpus bytes.")
    categories: list[str] = Field(description="Category order of `category` rows.")
    gate: Linear = Field(description="Stage 1 on static features: one row.")
    gate_threshold: float = Field(description="Windows with gate probability below this are not encoded.")
    concerning: Linear = Field(description="Stage 2: P(concerning window), one row.")
    category: Linear = Field(description="Stage 2: softmax over categories for concerning windows.")
    threshold: float = Field(description="Trace flagged when its score (see `scoring`) >= threshold.")
    scoring: TraceScoring = Field(default_factory=TraceScoring, description="The trace-scoring rule the threshold "
                                  "was set for.")
    delta_file: str | None = Field(default=None, description="Fine-tuned top encoder layers (safetensors), "
                                   "relative to the head file; None = frozen MiniLM.")
    delta_sha256: str | None = Field(default=None, description="sha256 of `delta_file`, checked on load.")
    members: list[HeadMember] = Field(default_factory=list, description="Further ensemble members (each with "
                                      "its own fine-tuned layers); empty = one model.")
    training: dict[str, float | int | str] = Field(default_factory=dict, description="Metrics and settings.")
    weights_sha256: str = Field(description="sha256 of the canonical JSON of the four weight blocks.")

    def weights_digest(self) -> str:
        return weights_digest(self.gate, self.concerning, self.category, self.gate_threshold, self.threshold,
                              self.delta_sha256, self.scoring, self.members)

    def delta_path(self, head_path: Path | None = None) -> Path | None:
        if self.delta_file is None:
            return None
        return (head_path or default_head_path()).parent / self.delta_file

    def member_path(self, member: HeadMember, head_path: Path | None = None) -> Path:
        return (head_path or default_head_path()).parent / member.delta_file


def weights_digest(gate: Linear, concerning: Linear, category: Linear, gate_threshold: float, threshold: float,
                   delta_sha256: str | None = None, scoring: TraceScoring | None = None,
                   members: list[HeadMember] | None = None) -> str:
    blocks = [gate.model_dump(), concerning.model_dump(), category.model_dump(), gate_threshold, threshold]
    if delta_sha256 is not None:  # frozen-encoder heads keep their old digest
        blocks.append(delta_sha256)
    if scoring is not None and scoring != TraceScoring():  # so do heads with the scoring rule of 2.8 and before
        blocks.append(scoring.digest_fields())
    if members:  # single-model heads keep their digest
        blocks.append([m.digest_fields() for m in members])
    blob = json.dumps(blocks, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def default_head_path() -> Path:
    return monitors_dir() / "heads" / "reasoning_head.json"


def load_head(path: Path | None = None) -> ReasoningHead:
    path = path or default_head_path()
    if not path.exists():
        raise ModelNotFoundError(f"no trained classifier head at {path}", hint="run `azr-safe monitor train`")
    try:
        head = ReasoningHead.model_validate_json(path.read_text())
    except ValueError as err:
        raise ConfigError(f"{path}: invalid head file: {str(err).splitlines()[0]}") from err
    if head.weights_digest() != head.weights_sha256:
        raise ConfigError(f"{path}: weights do not match weights_sha256 (file edited or corrupted)")
    return head


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
