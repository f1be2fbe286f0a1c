"""Self-play step time on CPU, and the share spent in generation, execution, screening and learning.

    .venv/bin/python benchmarks/bench_selfplay_step.py                       # cpu-demo config, 3 steps
    .venv/bin/python benchmarks/bench_selfplay_step.py --config training/test-tiny.yaml --steps 3

Runs real steps of the given config (the jail starts first, as in `azr-safe run`) into a temporary
folder and prints, per step and in total, seconds per phase and each phase's share of the step:
    generation  every Generator call (sampling, and logprob recomputation for scripted replies)
    execution   every jail call (validation of proposals and grading of answers)
    screening   monitors + policy over every sample
    learning    TRR++, forward/backward over the kept samples and the optimizer step
    other       prompt building, parsing, audit records, checkpoint, metrics
The first step also pays one-time costs (grammar compilation, lazy imports); see the per-step rows.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PHASES = ("generation", "execution", "screening", "learning")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(REPO / "training" / "cpu-demo.yaml"))
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as `azr-safe run` does, before torch loads

    from azr_safe.jail import Jail, load_profile
    from azr_safe.learner.yamlfile import read_mapping

    data = read_mapping(args.config)
    profile = REPO / data.get("jail_profile", "sandbox/default.yaml")
    with Jail(load_profile(profile)) as jail, tempfile.TemporaryDirectory() as tmp:
        from azr_safe.learner.components import build_components
        from azr_safe.learner.config import config_from_mapping
        from azr_safe.learner.trainer import Trainer

        os.chdir(REPO)  # relative paths in configs (scripts, policies) are repo-relative
        config = config_from_mapping(data, source=args.config, steps=args.steps, out_dir=tmp)
        t0 = time.perf_counter()
        trainer = Trainer(config, build_components(config, jail))
        setup_s = time.perf_counter() - t0
        records = trainer.run()
    report = {"config": args.config, "setup_s": round(setup_s, 2), "load_avg_1m": os.getloadavg()[0],
              "cpu_count": os.cpu_count(), "steps": [_row(r) for r in records]}
    report["total"] = _total(report["steps"])
    print(json.dumps(report, indent=1) if args.json else _table(report))


def _row(record: dict) -> dict:
    times = record.get("time_s", {})
    row = {"step": record["step"], "step_s": record["step_s"], "n_tokens": record.get("n_tokens", 0)}
    row.update({p: times.get(p, 0.0) for p in PHASES})
    row["other"] = max(0.0, record["step_s"] - sum(row[p] for p in PHASES))
    return row


def _total(rows: list[dict]) -> dict:
    total = {k: round(sum(r[k] for r in rows), 3) for k in ("step_s", *PHASES, "other")}
    total["share"] = {k: round(total[k] / total["step_s"], 3) if total["step_s"] else 0.0
                      for k in (*PHASES, "other")}
    return total


def _table(report: dict) -> str:
    cols = ("step", "step_s", *PHASES, "other")
    lines = [f"config {report['config']}  setup {report['setup_s']} s  load {report['load_avg_1m']:.1f} "
             f"on {report['cpu_count']} CPUs", " ".join(f"{c:>10}" for c in cols)]
    for r in report["steps"]:
        lines.append(" ".join(f"{r[c]:>10.2f}" if isinstance(r[c], float) else f"{r[c]:>10}" for c in cols))
    t = report["total"]
    lines.append(" ".join(f"{v:>10}" for v in ("total", t["step_s"], *(t[p] for p in (*PHASES, "other")))))
    lines.append(" ".join(f"{v:>10}" for v in ("share", "", *(f"{t['share'][p]:.0%}" for p in (*PHASES, "other")))))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
