"""Resource: one huge C-level computation that never returns to the eval loop (no signal checks)."""
def f(x):
    return len(str(7 ** 10 ** 8))
