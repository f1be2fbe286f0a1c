"""Resource: a pure-Python infinite loop."""
def f(x):
    while True:
        pass
