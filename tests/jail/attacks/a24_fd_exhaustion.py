"""Resource: exhaust file descriptors with pipes and dups."""
import os
def f(x):
    fds = []
    try:
        while True:
            fds.extend(os.pipe())
            fds.append(os.dup(0))
    except OSError as exc:
        return (len(fds), repr(exc))
