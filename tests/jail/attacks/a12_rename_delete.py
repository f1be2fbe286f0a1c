"""Filesystem: rename and delete the decoys, make directories and links."""
import os
def f(x):
    for action in (lambda: os.rename(x["decoy_ro"], x["decoy_ro"] + ".moved"),
                   lambda: os.unlink(x["decoy_rw"]),
                   lambda: os.mkdir(x["markers"] + "/a12_dir"),
                   lambda: os.symlink("/etc/shadow", x["markers"] + "/a12_link"),
                   lambda: os.chmod(x["decoy_ro"], 0o777)):
        try:
            action()
        except Exception as exc:
            print(repr(exc))
    return "done"
