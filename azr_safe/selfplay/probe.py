"""Probe the self-play prompts with a real model: rollout steps without any training.

    .venv/bin/python -m azr_safe.selfplay.probe --model gemma3-270m --steps 2 --out probe.jsonl

Each step runs `rollout_step` (real generation, real jail) and inserts the valid proposals into the
buffers, as the learner would after screening, but never updates the weights. It prints format
adherence, proposal validity by reason, solve rates and where the time went: the numbers in
docs/selfplay.md come from here.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def probe(
    model: Annotated[str, typer.Option(help="Embedded model name (gemma3-270m, smollm2-135m, tiny-random).")] = "gemma3-270m",
    steps: Annotated[int, typer.Option(min=1, help="Rollout steps to run.")] = 1,
    propose: Annotated[int, typer.Option(min=0, help="Proposals per task type per step.")] = 2,
    solve: Annotated[int, typer.Option(min=0, help="Solver tasks per task type per step.")] = 2,
    n: Annotated[int, typer.Option(min=1, help="Learnability rollouts per valid proposal.")] = 4,
    structured: Annotated[bool, typer.Option(help="Force the answer format with the grammar.")] = True,
    max_new_tokens: Annotated[int, typer.Option(min=1, help="Token budget of every response.")] = 192,
    task_types: Annotated[str, typer.Option(help="Comma-separated task types to run.")] = "deduction,abduction,induction",
    seed: Annotated[int, typer.Option(help="Seeds sampling and buffer draws.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Append one JSON line of metrics per step here.")] = None,
    samples: Annotated[Path | None, typer.Option(help="Append every sample (text, reason, reward) as JSONL here.")] = None,
) -> None:
    """Run rollout steps with a real model and the real jail, and print their metrics."""
    from azr_safe.jail import Jail, JailConfig

    # Spinning OpenMP threads starve everything else on a shared CPU; must be set before torch loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    with Jail(JailConfig()) as jail:  # the jail starts before torch is imported
        import torch

        from azr_safe.generation.hf import HFGenerator
        from azr_safe.models.load import load_policy_model
        from azr_safe.selfplay.buffers import TaskBuffers
        from azr_safe.selfplay.rollout import RolloutConfig, rollout_step

        torch.manual_seed(seed)
        policy, tokenizer = load_policy_model({"name": model})
        generator = HFGenerator(policy, tokenizer, structured=structured)
        try:
            config = RolloutConfig(
                task_types=[t.strip() for t in task_types.split(",")], propose_batch_size=propose,
                solve_batch_size=solve, n_learnability=n, structured=structured,
                max_new_tokens_propose=max_new_tokens, max_new_tokens_solve=max_new_tokens,
            )
        except ValueError as err:  # pydantic's ValidationError: show the first problem on one line
            raise typer.BadParameter(str(err).splitlines()[-2].strip()) from None
        buffers, rng = TaskBuffers(), random.Random(seed)
        totals: dict[str, float] = defaultdict(float)
        for step in range(steps):
            start = time.perf_counter()
            with torch.no_grad():
                result = rollout_step(step, generator, jail, buffers, rng, config)
            added = sum(buffers.add(t) for _, t in result.candidates)
            record = {"step": step, "step_s": round(time.perf_counter() - start, 2), "buffer_added": added,
                      **{k: round(v, 4) for k, v in result.metrics.items()}}
            for key, value in record.items():
                totals[key] += value
            typer.echo(json.dumps(record, sort_keys=True))
            if samples is not None:
                with samples.open("a") as fh:
                    for sample in result.samples:
                        fh.write(sample.model_dump_json(exclude={"prompt"}) + "\n")
            if out is not None:
                with out.open("a") as fh:
                    fh.write(json.dumps(record, sort_keys=True) + "\n")
        typer.echo("mean over steps: " + json.dumps({k: round(v / steps, 4) for k, v in totals.items()}, sort_keys=True))


if __name__ == "__main__":
    app()
