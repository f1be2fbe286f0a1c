"""Processes: a new user+mount namespace, then mount a tmpfs over the markers dir."""
import ctypes
def f(x):
    libc = ctypes.CDLL(None)
    rc1 = libc.unshare(0x10000000 | 0x00020000)  # CLONE_NEWUSER | CLONE_NEWNS
    rc2 = libc.mount(b"none", x["markers"].encode(), b"tmpfs", 0, None)
    return [rc1, rc2]
