"""Resource: a 200k-deep nested expression handed to compile()."""
def f(x):
    return eval("(" * 200_000 + "1" + ")" * 200_000)
