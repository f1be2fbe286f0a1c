"""Filesystem: read a world-readable secret beside the trainer, by absolute, relative and /proc paths."""
import os
def f(x):
    out = []
    paths = [x["secret"], "SECRET.txt", "../SECRET.txt", "/proc/%d/cwd/SECRET.txt" % x["parent_pid"],
             "/proc/%d/root%s" % (x["parent_pid"], x["secret"])]
    for path in paths:
        try:
            out.append(open(path).read())
        except Exception as exc:
            out.append(repr(exc))
    try:
        fd = os.open(x["secret"], os.O_RDONLY)
        out.append(os.read(fd, 100).decode())
    except Exception as exc:
        out.append(repr(exc))
    print(out)
    return out
