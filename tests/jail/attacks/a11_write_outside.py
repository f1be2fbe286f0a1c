"""Filesystem: write a marker into a world-writable dir and append to a world-writable decoy."""
def f(x):
    for action in (lambda: open(x["markers"] + "/a11_written", "w").write("pwned"),
                   lambda: open(x["decoy_rw"], "a").write("pwned"),
                   lambda: open("/tmp/a11_written", "w").write("pwned")):
        try:
            action()
        except Exception as exc:
            print(repr(exc))
    return "done"
