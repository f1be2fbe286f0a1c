"""Processes: create an in-memory file and execveat it."""
import ctypes, os
def f(x):
    libc = ctypes.CDLL(None)
    fd = libc.syscall(319, b"x", 0)  # memfd_create
    return [fd, libc.syscall(322, fd, b"", None, None, 0x1000)]  # execveat(AT_EMPTY_PATH)
