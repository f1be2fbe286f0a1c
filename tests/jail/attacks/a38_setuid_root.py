"""Privilege: become root again, or any other uid."""
import os
def f(x):
    out = []
    for action in (lambda: os.setuid(0), lambda: os.setresuid(0, 0, 0), lambda: os.setgid(0)):
        try:
            out.append(action())
        except Exception as exc:
            out.append(repr(exc))
    out.append(os.getuid())
    return out
