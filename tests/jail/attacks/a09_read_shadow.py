"""Filesystem: read root-only files."""
def f(x):
    found = {}
    for path in ("/etc/shadow", "/etc/gshadow", "/root/.bash_history"):
        try:
            found[path] = open(path).read()
        except Exception as exc:
            found[path] = repr(exc)
    print(found)
    return found
