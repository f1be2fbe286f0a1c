"""Resource: recursion with the limit lifted, to blow the C stack."""
import sys
def f(x):
    sys.setrecursionlimit(10 ** 7)
    def down(n):
        return down(n + 1) + 1
    return down(0)
