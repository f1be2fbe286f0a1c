"""Throughput of the policy engine and the audit log, against a plain-JSONL baseline in the same run.

    .venv/bin/python benchmarks/bench_policy_audit.py            # regex-only redaction
    .venv/bin/python benchmarks/bench_policy_audit.py --presidio # the monitors' presidio analyzer too

Samples are 2 KB reasoning traces with six monitor verdicts each, decided by policies/default.yaml.
The baseline appends the same records as plain json lines (no redaction, no hash chain, no fsync),
so the printed ratio is the cost of tamper evidence and PII redaction.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from azr_safe.audit import AuditLog, SampleEvent, verify_log
from azr_safe.monitors.verdict import Verdict
from azr_safe.policy import PolicyEngine, load_policy
from azr_safe.selfplay.sample import ExecutionRecord, Sample

MONITORS = ("reasoning_patterns", "reasoning_classifier", "code_ast", "sandbox_violation", "reward_signals", "pii")


def make_samples(n: int) -> list[Sample]:
    reasoning = ("Let me trace f on the input step by step. " * 48)[:2000]
    return [Sample(sample_id=f"0-deduction-solve-{i}", step=0, task_type="deduction", role="solve", prompt="P" * 1500,
                   reasoning=f"{reasoning} {i}", program="def f(x):\n    return x * 2\n",
                   executions=[ExecutionRecord(status="ok", value="6")]) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presidio", action="store_true", help="also run the presidio analyzer")
    parser.add_argument("-n", type=int, default=1000, help="records to append")
    args = parser.parse_args()
    verdicts = [Verdict(monitor=m, scores={"deception": 0.1, "sabotage": 0.2}) for m in MONITORS]
    samples = make_samples(args.n + 1)
    engine = PolicyEngine(load_policy("policies/default.yaml"))

    t = time.perf_counter()
    decisions = [engine.decide(s, verdicts) for s in samples]
    decide_rate = len(samples) / (time.perf_counter() - t)
    records = [SampleEvent(step=0, sample=s, verdicts=verdicts, decision=d) for s, d in zip(samples, decisions)]

    tmp = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    with open(tmp / "baseline.jsonl", "w") as fh:
        for record in records[1:]:
            fh.write(json.dumps(record.model_dump(mode="json")) + "\n")
    baseline_rate = args.n / (time.perf_counter() - t)

    with AuditLog(tmp / "run", use_presidio=args.presidio) as log:
        log.append(records[0])  # warm-up: loads the analyzer
        t = time.perf_counter()
        for record in records[1:]:
            log.append(record)
        log.sync()
        append_rate = args.n / (time.perf_counter() - t)
    t = time.perf_counter()
    report = verify_log(tmp / "run")
    verify_rate = report.records / (time.perf_counter() - t)

    redaction = "presidio+regex" if args.presidio else "regex"
    print(f"policy decide:        {decide_rate:10,.0f} samples/s")
    print(f"plain JSONL baseline: {baseline_rate:10,.0f} records/s")
    print(f"audit append ({redaction}): {append_rate:,.0f} records/s = {append_rate / baseline_rate:.2f}x baseline")
    print(f"audit verify:         {verify_rate:10,.0f} records/s ({report.status})")


if __name__ == "__main__":
    main()
