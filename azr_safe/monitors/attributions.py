"""Token attributions for flagged traces, for reviewers (captum LayerIntegratedGradients).

Off the training hot path: seconds per window on CPU. The model explained is exactly the shipped stage-2
head on MiniLM: embeddings -> encoder -> mean pool -> L2 norm -> linear -> P(concerning).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.monitors.classifier import ReasoningClassifier


class TokenAttribution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str
    start: int = Field(description="Character offset in the trace.")
    end: int
    attribution: float = Field(description="Signed contribution to the logit of P(concerning).")


class Explanation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_start: int
    window_end: int
    concerning: float
    tokens: list[TokenAttribution]
    convergence_delta: float


def _forward(classifier: ReasoningClassifier):  # noqa: ANN202
    torch = classifier.encoder.torch
    model = classifier.encoder.model
    w = torch.tensor(classifier.head.concerning.weight, dtype=torch.float32)
    b = torch.tensor(classifier.head.concerning.bias, dtype=torch.float32)

    def forward(input_ids, attention_mask):  # noqa: ANN001, ANN202
        hidden = model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return pooled @ w.T + b  # logit of P(concerning)

    return forward


def explain(text: str, classifier: ReasoningClassifier | None = None, n_steps: int = 32,
            top_windows: int = 1) -> list[Explanation]:
    """Attributions for the `top_windows` highest-scoring windows of `text` (what a reviewer looks at)."""
    from captum.attr import LayerIntegratedGradients

    classifier = classifier or ReasoningClassifier(gate=False)
    torch, tokenizer, model = classifier.encoder.torch, classifier.encoder.tokenizer, classifier.encoder.model
    score = classifier.score_texts([text])[0]
    windows = sorted(score.windows, key=lambda w: -w.concerning)[:top_windows]
    lig = LayerIntegratedGradients(_forward(classifier), model.get_input_embeddings())
    out = []
    for w in windows:
        enc = tokenizer(text[w.start : w.end], return_tensors="pt", return_offsets_mapping=True, truncation=True,
                        max_length=128)
        ids, mask = enc["input_ids"], enc["attention_mask"]
        special = torch.tensor(tokenizer.get_special_tokens_mask(ids[0].tolist(), already_has_special_tokens=True))
        baseline = torch.where(special.bool(), ids[0], torch.tensor(tokenizer.pad_token_id)).unsqueeze(0)
        attr, delta = lig.attribute(ids, baselines=baseline, additional_forward_args=(mask,), n_steps=n_steps,
                                    return_convergence_delta=True)
        per_token = attr.sum(-1)[0]
        tokens = [
            TokenAttribution(token=tokenizer.convert_ids_to_tokens(int(t)), start=w.start + int(a),
                             end=w.start + int(b), attribution=round(float(v), 5))
            for t, (a, b), v, s in zip(ids[0], enc["offset_mapping"][0].tolist(), per_token, special, strict=True)
            if not s
        ]
        out.append(Explanation(window_start=w.start, window_end=w.end, concerning=w.concerning, tokens=tokens,
                               convergence_delta=round(float(delta[0]), 5)))
    return out
