"""The worker's init message and the layer report (`jail.layers`, `sandbox doctor`)."""

from __future__ import annotations

import os
from typing import Any

from azr_safe.errors import JailUnavailableError
from azr_safe.jail.config import JailConfig
from azr_safe.jail.outer import OuterPlan
from azr_safe.jail.results import Layer, LayerReport
from azr_safe.jail.seccomp_filters import base_filter_bpf, child_filter_bpf


def worker_init(config: JailConfig) -> dict[str, Any]:
    """Everything a worker needs, as JSON: BPF bytes (compiled here, in the trusted parent), limits."""
    use_seccomp = not config.unsafe_no_jail
    init: dict[str, Any] = {
        "preload": config.preload_modules,
        "output_limit": config.output_limit_bytes,
        "max_children": config.children_per_worker,
        "seccomp": use_seccomp,
        "landlock": not config.unsafe_no_jail and config.landlock != "off",
        "base_bpf": "",
        "child_bpf": "",
    }
    if use_seccomp:
        try:
            init["base_bpf"], init["child_bpf"] = base_filter_bpf().hex(), child_filter_bpf().hex()
        except JailUnavailableError:
            raise
        except Exception as err:  # noqa: BLE001 - libseccomp errors surface as OSError/RuntimeError
            raise JailUnavailableError(f"could not compile the seccomp filter: {err}") from err
    return init


def _uid_layer(config: JailConfig, outer: OuterPlan, ready: dict[str, Any]) -> Layer:
    if config.unsafe_no_jail:
        return Layer(name="uid_drop", active=False, detail="disabled by --unsafe-no-jail")
    if os.geteuid() != 0:
        return Layer(name="uid_drop", active=False,
                     detail=f"not root: every worker runs as the invoking uid {ready['uid']} (already unprivileged; "
                            "no per-worker uid)")
    if outer.active:
        return Layer(name="uid_drop", active=True,
                     detail=f"uid {ready['uid']}+i inside the user namespace = the same unprivileged uid outside")
    if ready["uid"] != 0 and os.geteuid() == 0:
        return Layer(name="uid_drop", active=True, detail=f"workers run as uid {ready['uid']}+i (one uid per worker)")
    why = "turned off in the jail profile" if config.uid_drop == "off" else "not root: cannot change uid"
    return Layer(name="uid_drop", active=False, detail=why)


def _landlock_layer(config: JailConfig, ready: dict[str, Any]) -> Layer:
    if config.unsafe_no_jail or config.landlock == "off":
        why = "disabled by --unsafe-no-jail" if config.unsafe_no_jail else "turned off in the jail profile"
        return Layer(name="landlock", active=False, detail=why)
    if ready.get("landlock"):
        info = ready["landlock"]
        extras = [s for s, on in (("TCP bind/connect", info["net"]), ("signal + abstract-socket scoping", info["scoped"])) if on]
        return Layer(name="landlock", active=True,
                     detail=f"ABI {ready['landlock_abi']}: no filesystem access" + "".join(f", {e}" for e in extras))
    return Layer(name="landlock", active=False,
                 detail=f"the kernel refused landlock_create_ruleset ({ready.get('landlock_error', 'unknown')})")


def build_layer_report(config: JailConfig, outer: OuterPlan, readies: list[dict[str, Any]]) -> LayerReport:
    """One line per layer: active or not, and why (from the probe and every worker's own report)."""
    ready = readies[0]
    seccomp_ok = all(r.get("seccomp") for r in readies)
    layers = [
        Layer(name="nsjail", active=outer.active, detail=outer.detail),
        Layer(name="cgroups", active=outer.cgroups, detail=outer.cgroup_detail),
        _uid_layer(config, outer, ready),
        _landlock_layer(config, ready),
        Layer(name="seccomp", active=seccomp_ok,
              detail=("allow-list (default TRAP -> violation), clone3 -> ENOSYS, path syscalls -> EACCES; "
                      "per child: no processes, signals, rlimit or handler changes")
              if seccomp_ok else ("disabled by --unsafe-no-jail" if config.unsafe_no_jail else "not installed")),
        Layer(name="rlimits", active=True,
              detail=f"per child: AS {config.memory_mb} MiB, CPU, FSIZE 0, NOFILE 16"
                     + (", NPROC 0" if seccomp_ok else "") + f"; wall {config.timeout_s:g}s/call killed from outside"),
    ]
    return LayerReport(layers=layers, unsafe_no_jail=config.unsafe_no_jail)
