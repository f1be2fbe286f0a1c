"""Processes: ptrace-attach to the trainer and to the worker."""
import ctypes, os
def f(x):
    libc = ctypes.CDLL(None)
    return [libc.ptrace(16, x["parent_pid"], 0, 0), libc.ptrace(16, os.getppid(), 0, 0)]  # PTRACE_ATTACH
