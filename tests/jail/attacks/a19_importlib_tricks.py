"""Python escape: import modules the jail did not preload, by every route importlib offers."""
def f(x):
    import importlib, importlib.util, sys
    out = []
    for action in (lambda: importlib.import_module("socket"),
                   lambda: __import__("subprocess"),
                   lambda: importlib.util.spec_from_file_location("s", "/usr/lib/python3.11/socket.py"),
                   lambda: sys.modules["os"].system("touch %s/a19_import" % x["markers"])):
        try:
            out.append(repr(action()))
        except Exception as exc:
            out.append(repr(exc))
    return out
