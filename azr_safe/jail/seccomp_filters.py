"""The two seccomp filters, compiled in the (trusted) parent with libseccomp and shipped as BPF.

* The **base** filter is an allow-list with a default of TRAP, installed once per worker and
  inherited by every child. It allows what the fork server and CPython need after start-up.
* The **child** filter is a short deny-list installed in each forked child: everything the worker
  needs but a program must not have (process creation, signals, rlimit and handler changes).

Why TRAP and not KILL_PROCESS: a trapped syscall is never executed either way, but TRAP delivers
SIGSYS with `si_syscall`, so the child's reporter can name the syscall in the violation event
(KILL_PROCESS gives no handler; the kernel audit line needs root and a global pid to match). If a
program blocks SIGSYS, the kernel resets it to the default action and the child dies by SIGSYS,
which is still reported as a violation (syscall unknown). Changing the handler needs
rt_sigaction, which the child filter traps.
"""

from __future__ import annotations

import errno
import os
from functools import lru_cache

from azr_safe.errors import JailUnavailableError

CLONE_THREAD = 0x00010000
AT_EMPTY_PATH = 0x1000
F_SETOWN, F_SETSIG, F_SETOWN_EX, F_SETLEASE, F_NOTIFY = 8, 10, 15, 1024, 1026
FCNTL_SIGNALLING = (F_SETOWN, F_SETSIG, F_SETOWN_EX, F_SETLEASE, F_NOTIFY)

# What the fork server and CPython use once modules are preloaded (derived with strace -f over the
# test corpus and benign programs, then pruned).
BASE_ALLOW = (
    "read", "write", "readv", "writev", "pread64", "close", "close_range", "dup", "dup2", "dup3",
    "fcntl", "lseek", "fstat", "mmap", "munmap", "mremap", "mprotect", "brk", "madvise",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "getpid", "gettid", "getppid",
    "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "getpgrp",
    "getpgid", "getsid", "getrlimit", "setrlimit", "prlimit64", "getrusage", "times",
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    "sched_yield", "sched_getaffinity", "futex", "set_robust_list", "get_robust_list", "rseq",
    "getrandom", "exit", "exit_group", "poll", "ppoll", "select", "pselect6", "epoll_create1",
    "epoll_ctl", "epoll_wait", "epoll_pwait", "pipe", "pipe2", "wait4", "waitid", "pidfd_open",
    "kill", "setsid", "uname", "getcwd", "sysinfo", "arch_prctl", "set_tid_address", "clone",
    "prctl", "membarrier", "restart_syscall", "fchdir",
)
# Path-based filesystem calls fail politely (imports of non-preloaded modules raise
# ModuleNotFoundError instead of killing the program); the layer still opens nothing.
BASE_EACCES = (
    "open", "openat", "stat", "lstat", "access", "faccessat", "faccessat2", "readlink",
    "readlinkat", "statx", "getdents", "getdents64", "chdir", "memfd_create", "statfs", "fstatfs",
)
BASE_ENOSYS = ("clone3", "openat2")  # clone3: glibc falls back to clone(2), whose flags we inspect

# Trapped in every child although the worker needs them.
CHILD_DENY = (
    "fork", "vfork", "execve", "execveat", "kill", "tkill", "tgkill", "pidfd_open",
    "pidfd_send_signal", "setsid", "setpgid", "setrlimit", "rt_sigaction", "prctl", "seccomp",
    "wait4", "waitid", "ptrace",
)


def _compile(flt) -> bytes:
    read_end, write_end = os.pipe()  # a pipe, not a temp file: works with no writable /tmp
    try:
        with os.fdopen(write_end, "wb", closefd=True) as sink:
            flt.export_bpf(sink)
        chunks = []
        while chunk := os.read(read_end, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(read_end)


def _seccomp_module():
    try:
        import pyseccomp
    except (ImportError, OSError) as err:  # OSError: libseccomp.so.2 missing
        raise JailUnavailableError(
            f"libseccomp is not usable: {err}", hint="install the Debian package libseccomp2"
        ) from err
    return pyseccomp


@lru_cache(maxsize=1)
def base_filter_bpf() -> bytes:
    sc = _seccomp_module()
    flt = sc.SyscallFilter(sc.TRAP)
    for name in BASE_ALLOW:
        flt.add_rule(sc.ALLOW, name)
    for name in BASE_EACCES:
        flt.add_rule(sc.ERRNO(errno.EACCES), name)
    for name in BASE_ENOSYS:
        flt.add_rule(sc.ERRNO(errno.ENOSYS), name)
    # ioctl: the worker uses fcntl for O_NONBLOCK; CPython falls back to fcntl on ENOTTY.
    flt.add_rule(sc.ERRNO(errno.ENOTTY), "ioctl")
    # fstat() is newfstatat(fd, "", AT_EMPTY_PATH); a path lookup without the flag fails.
    flt.add_rule(sc.ALLOW, "newfstatat", sc.Arg(3, sc.MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH))
    flt.add_rule(sc.ERRNO(errno.EACCES), "newfstatat", sc.Arg(3, sc.MASKED_EQ, AT_EMPTY_PATH, 0))
    return _compile(flt)


@lru_cache(maxsize=1)
def child_filter_bpf() -> bytes:
    sc = _seccomp_module()
    flt = sc.SyscallFilter(sc.ALLOW)
    for name in CHILD_DENY:
        flt.add_rule(sc.TRAP, name)
    flt.add_rule(sc.TRAP, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))  # threads only
    flt.add_rule(sc.TRAP, "prlimit64", sc.Arg(2, sc.NE, 0))  # read rlimits, never set them
    # fcntl commands that make the KERNEL send signals (SIGIO to an fd's owner, lease and dnotify
    # breaks): without this a child could kill its worker or a sibling child, bypassing kill().
    for command in FCNTL_SIGNALLING:
        flt.add_rule(sc.TRAP, "fcntl", sc.Arg(1, sc.EQ, command))
    return _compile(flt)


@lru_cache(maxsize=512)
def syscall_name(number: int) -> str:
    """Name a syscall number for the violation event (falls back to the number)."""
    try:
        sc = _seccomp_module()
        return sc.resolve_syscall(sc.system_arch(), number).decode()
    except Exception:  # noqa: BLE001 - naming is best effort; the number is still reported
        return f"syscall#{number}"
