"""Processes: signal the trainer, every process, and the worker."""
import os, signal
def f(x):
    for action in (lambda: os.kill(x["parent_pid"], signal.SIGUSR2),
                   lambda: os.kill(-1, signal.SIGUSR2),
                   lambda: os.kill(os.getppid(), signal.SIGKILL),
                   lambda: os.killpg(0, signal.SIGKILL)):
        try:
            action()
        except Exception as exc:
            print(repr(exc))
    return "done"
