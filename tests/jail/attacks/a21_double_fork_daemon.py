"""Processes: a double-forked daemon that acts after the check (writes a marker, calls the listener)."""
import os, time
def f(x):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(2.5)
            open(x["markers"] + "/a21_daemon", "w").write("late")
            import socket
            socket.create_connection(("127.0.0.1", x["port"]))
        os._exit(0)
    return "parent returned"
