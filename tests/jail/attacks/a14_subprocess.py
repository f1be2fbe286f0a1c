"""Processes: subprocess, os.system and os.posix_spawn of a shell that writes a marker."""
import os
def f(x):
    cmd = "touch %s/a14_shell" % x["markers"]
    for action in (lambda: __import__("subprocess").run(["sh", "-c", cmd]),
                   lambda: os.system(cmd),
                   lambda: os.posix_spawn("/bin/sh", ["sh", "-c", cmd], {}),
                   lambda: os.execv("/bin/sh", ["sh", "-c", cmd])):
        try:
            action()
        except Exception as exc:
            print(repr(exc))
    return "done"
