"""Resource: 50 MB of binary garbage straight to fds 1 and 2, bypassing sys.stdout."""
import os
def f(x):
    junk = bytes(range(256)) * 4096
    for _ in range(50):
        os.write(1, junk)
        os.write(2, junk)
    return "flooded"
