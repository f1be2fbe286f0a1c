"""Resource: fork bomb; each surviving child would linger and try to write a marker."""
import os, time
def f(x):
    pids = []
    for _ in range(300):
        pid = os.fork()
        if pid == 0:
            time.sleep(5)
            open(x["markers"] + "/a04_forked", "w").write("forked")
            os._exit(0)
        pids.append(pid)
    return len(pids)
