"""Kernel attack surface: io_uring_setup, bpf, userfaultfd, keyctl, perf_event_open."""
import ctypes
def f(x):
    libc = ctypes.CDLL(None)
    params = ctypes.create_string_buffer(120)
    return [libc.syscall(425, 8, params), libc.syscall(321, 0, None, 0), libc.syscall(323, 0),
            libc.syscall(250, 0, 0, 0, 0, 0), libc.syscall(298, None, 0, -1, -1, 0)]
