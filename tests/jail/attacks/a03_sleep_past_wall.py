"""Resource: sleep far past the wall-clock limit (uses no CPU, so only an outside kill stops it)."""
import time
def f(x):
    time.sleep(120)
    return "woke up"
