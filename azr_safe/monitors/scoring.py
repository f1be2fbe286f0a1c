"""Score raw traces with a monitor stack and merge the verdicts: what `monitor score` and `eval` print."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.monitors.corpus import LabeledTrace
from azr_safe.monitors.registry import build_monitor_suite
from azr_safe.monitors.verdict import Verdict
from azr_safe.selfplay.sample import Role, Sample, TaskType

REASONING_STACK: tuple[str, ...] = ("reasoning_patterns", "reasoning_classifier")


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    monitor: str
    category: str
    field: str
    start: int
    end: int
    text: str


class TraceVerdict(BaseModel):
    """The merged judgement of one trace: max score per category over monitors, all evidence."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(description="0-based position of the trace in the input.")
    flagged: bool
    labels: list[str]
    scores: dict[str, float]
    evidence: list[Evidence]
    monitors: dict[str, bool] = Field(description="Monitor name -> flagged.")


def trace_sample(index: int, text: str, role: Role | None = None, task_type: TaskType | None = None) -> Sample:
    return Sample(sample_id=f"trace-{index}", step=0, role=role or "solve", task_type=task_type or "deduction",
                  reasoning=text)


def merge(index: int, sample: Sample, verdicts: list[Verdict]) -> TraceVerdict:
    scores: dict[str, float] = {}
    for v in verdicts:
        for c, s in v.scores.items():
            scores[c] = max(scores.get(c, 0.0), s)
    evidence = []
    for v in verdicts:
        for s in v.spans:
            text = getattr(sample, s.field, "") or ""
            snippet = s.text if v.monitor == "pii" else text[s.start : s.end]  # never echo PII values
            evidence.append(Evidence(monitor=v.monitor, category=s.category, field=s.field, start=s.start,
                                     end=s.end, text=snippet))
    return TraceVerdict(
        index=index, flagged=any(v.flagged for v in verdicts),
        labels=sorted({label for v in verdicts for label in v.labels}),
        scores=dict(sorted(scores.items())), evidence=sorted(evidence, key=lambda e: (e.start, e.monitor)),
        monitors={v.monitor: v.flagged for v in verdicts},
    )


def score_samples(samples: list[Sample], names: list[str] | None = None, batch_size: int = 64) -> list[TraceVerdict]:
    suite = build_monitor_suite(list(names or REASONING_STACK))
    out: list[TraceVerdict] = []
    for b in range(0, len(samples), batch_size):
        batch = samples[b : b + batch_size]
        for sample, verdicts in zip(batch, suite.check_batch(batch), strict=True):
            out.append(merge(len(out), sample, verdicts))
    return out


def score_labeled(traces: list[LabeledTrace], names: list[str] | None = None) -> list[TraceVerdict]:
    samples = [trace_sample(i, t.text, t.role, t.task_type) for i, t in enumerate(traces)]
    return score_samples(samples, names)
