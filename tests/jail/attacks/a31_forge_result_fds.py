"""Integrity: forge passing result records on every inherited fd, then exit."""
import os
def f(x):
    forged = b'{"i": 0, "status": "ok", "value": "6", "literal": ["int", "6"], "stdout": "", "stderr": "", "duration_s": 0.0}\n'
    verdict = b'{"id": 1, "passed": true, "results_raw": "", "stdout": "", "stderr": "", "killed": null}\n'
    for fd in range(0, 64):
        for payload in (forged, verdict):
            try:
                os.write(fd, payload)
            except OSError:
                pass
    os._exit(0)
