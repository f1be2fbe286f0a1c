"""Evasion: raise the address-space and CPU limits back up through prlimit64."""
import ctypes
def f(x):
    libc = ctypes.CDLL(None)
    big = (ctypes.c_ulong * 2)(2 ** 63, 2 ** 63)
    return [libc.prlimit(0, 9, ctypes.byref(big), None), libc.prlimit(0, 0, ctypes.byref(big), None)]
