"""The layered jail every model-written program runs in.

    from azr_safe.jail import Jail, JailConfig
    with Jail(JailConfig()) as jail:          # start BEFORE importing torch/CUDA
        jail.evaluate("def f(x):\n    return x * 2", ["3"])[0].value   # '6'

Layers (outer to inner): nsjail around each worker (namespaces, uid map, read-only minimal
mounts, cgroups), then per worker a uid drop, Landlock and a seccomp allow-list, then per child
setsid, closed fds, rlimits (NPROC=0) and a small extra seccomp filter. `jail.layers` reports which
are active here and why any is not.
"""

from azr_safe.errors import JailUnavailableError
from azr_safe.jail.config import DEFAULT_PRELOAD, JailConfig, load_profile
from azr_safe.jail.jail import Jail, call_for
from azr_safe.jail.literals import NotALiteral, literal_tree, parse_literal
from azr_safe.jail.results import CheckResult, ExecResult, Job, Layer, LayerReport

__all__ = [
    "DEFAULT_PRELOAD", "CheckResult", "ExecResult", "Jail", "JailConfig", "JailUnavailableError", "Job",
    "Layer", "LayerReport", "NotALiteral", "call_for", "literal_tree", "load_profile", "parse_literal",
]
