"""Measure model conversion time and generation speed on this machine (CPU by default).

    .venv/bin/python benchmarks/bench_generation.py --model smollm2-135m
    .venv/bin/python benchmarks/bench_generation.py --model gemma3-270m --threads 1

Prints: GGUF -> safetensors conversion time (into a fresh temporary cache), then tokens/s and time
per batch step of unconstrained sampling (the baseline, measured in the same run) and of
grammar-constrained sampling, their ratio, and the format adherence of both.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch

from azr_safe.generation import GenerationRequest, HFGenerator, format_adherence
from azr_safe.models import load_policy_model

PROMPT = (
    "Predict what f returns.\n"
    "def f(a):\n    return a[::-1] + a\n"
    "Call: f([1, 2])\n"
    "Write your reasoning in <think></think>, then the value in <output></output>.\n"
)
FMT = ("deduction", "solve")


def _timed_generate(gen: HFGenerator, n: int, max_new_tokens: int) -> tuple[float, int, int, float]:
    request = GenerationRequest(prompt=PROMPT, n=n, fmt=FMT, max_new_tokens=max_new_tokens, temperature=1.0)
    started = time.perf_counter()
    (group,) = gen.generate([request])
    seconds = time.perf_counter() - started
    tokens = sum(len(g.completion_ids) for g in group)
    steps = max(len(g.completion_ids) for g in group)  # the batch decodes until its longest row ends
    return seconds, tokens, steps, format_adherence([g.text for g in group], [FMT] * len(group))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma3-270m", choices=["gemma3-270m", "smollm2-135m", "tiny-random"])
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: leave torch's default)")
    parser.add_argument("--n", type=int, default=4, help="samples per generate call (one batch)")
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--cache-dir", default=None, help="reuse a cache instead of converting afresh")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}")

    with tempfile.TemporaryDirectory(prefix="azr-bench-") as fresh:
        started = time.perf_counter()
        model, tokenizer = load_policy_model({"name": args.model, "cache_dir": args.cache_dir or fresh})
        print(f"prepare + load {args.model}: {time.perf_counter() - started:.1f} s (conversion included when fresh)")

        torch.manual_seed(0)
        free = HFGenerator(model, tokenizer, structured=False)
        structured = HFGenerator(model, tokenizer, structured=True)
        _timed_generate(structured, 1, 4)  # warm-up: grammar compilation, first-call allocations
        runs = {"unconstrained": _timed_generate(free, args.n, args.max_new_tokens)}
        runs["grammar"] = _timed_generate(structured, args.n, args.max_new_tokens)
        for label, (seconds, tokens, steps, adherence) in runs.items():
            print(
                f"{label:>13}: {tokens} tokens in {seconds:.1f} s = {tokens / seconds:.1f} tok/s, "
                f"{1000 * seconds / steps:.0f} ms per batch step ({steps} steps), adherence {adherence:.2f}"
            )
        (base_s, _, base_steps, _), (gram_s, _, gram_steps, _) = runs["unconstrained"], runs["grammar"]
        print(f"grammar / unconstrained time per batch step: {(gram_s / gram_steps) / (base_s / base_steps):.2f}")

if __name__ == "__main__":
    main()
