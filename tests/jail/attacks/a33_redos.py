"""Resource: catastrophic regex backtracking (one C call, no signal checks)."""
import re
def f(x):
    return bool(re.match(r"(a+)+$", "a" * 64 + "b"))
