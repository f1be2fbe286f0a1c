"""Processes/network: raw syscalls through ctypes: socket + connect to the listener, then system()."""
import ctypes, struct
def f(x):
    libc = ctypes.CDLL(None)
    fd = libc.syscall(41, 2, 1, 0)  # socket(AF_INET, SOCK_STREAM, 0)
    addr = struct.pack("<HH4s8x", 2, ((x["port"] & 0xFF) << 8) | (x["port"] >> 8), bytes([127, 0, 0, 1]))
    libc.syscall(42, fd, addr, len(addr))  # connect
    libc.system(("touch %s/a15_system" % x["markers"]).encode())
    return fd
