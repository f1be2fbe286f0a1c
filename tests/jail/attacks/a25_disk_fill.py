"""Resource: fill the disk with 200 MB files in /tmp and the world-writable dir."""
def f(x):
    for path in ("/tmp/a25_fill", x["markers"] + "/a25_fill"):
        try:
            with open(path, "wb") as out:
                for _ in range(200):
                    out.write(b"\0" * (1 << 20))
        except Exception as exc:
            print(repr(exc))
    return "done"
