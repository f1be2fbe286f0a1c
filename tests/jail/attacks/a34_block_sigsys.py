"""Evasion: block and ignore SIGSYS before a forbidden syscall, to hide the violation."""
import ctypes, signal
def f(x):
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGSYS])
    except Exception as exc:
        print(repr(exc))
    libc = ctypes.CDLL(None)
    fd = libc.syscall(41, 2, 1, 0)
    return fd
