"""azr-safe: monitored Absolute-Zero self-play.

Subpackages, one per concern:
    selfplay/    tasks, prompts, parsing, validation, buffers, rewards, advantages (TRR++)
    generation/  generation backends (transformers, vLLM, scripted) and the shared grammar
    models/      embedded model assets: GGUF -> safetensors cache, local HF folders
    learner/     the self-play update loop, checkpoint and resume
    jail/        the layered sandbox every model-written program runs in
    monitors/    reasoning, code, behaviour and PII monitors
    policy/      declarative policy files and their engine
    audit/       the hash-chained, append-only audit log
    review/      the local review web app
    evaluation/  benchmarks: HumanEval, CRUXEval-style, held-out self-play
    cli/         the `azr-safe` command, one module per command group
"""

__version__ = "0.1.0"
