"""Cross-task poisoning: patch builtins, math and sys.modules for whatever runs next."""
import builtins, math, sys
def f(x):
    builtins.sorted = lambda *a, **k: ["POISONED"]
    builtins.len = lambda obj: -1
    math.floor = lambda v: "POISONED"
    sys.modules["json"] = None
    return "poisoned"
