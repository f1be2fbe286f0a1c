"""Processes: make the kernel signal the worker (SIGIO via F_SETOWN + O_ASYNC), not kill()."""
import fcntl, os
def f(x):
    out = []
    for fd in (0, 1, 2, 3):
        try:
            fcntl.fcntl(fd, fcntl.F_SETOWN, os.getppid())
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC)
            out.append(fd)
        except OSError as exc:
            out.append(repr(exc))
    print("x" * 100)
    os.write(1, b"wake the owner\n")
    os.write(3, b"\n")
    return out
