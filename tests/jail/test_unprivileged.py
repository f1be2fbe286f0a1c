"""The fallback ladder's unprivileged rung: the jail started by a non-root user (uid 65534)
still contains a program, judged by side effects the test observes itself."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = r"""
import json, sys
sys.path[:0] = [REPO, SITE]
from azr_safe.jail import Jail, JailConfig
attack = '''
import os
def f(secret, marker):
    out = []
    for action in (lambda: open(secret).read(), lambda: open(marker, "w").write("x"), lambda: os.fork()):
        try:
            out.append(repr(action()))
        except Exception as exc:
            out.append(repr(exc))
    return out
'''
with Jail(JailConfig(timeout_s=2)) as jail:
    result = jail.run(attack, call=f"f({SECRET!r}, {MARKER!r})")
    benign = jail.run("def f(x):\n    return x * 2", call="f(21)")
    print(json.dumps({"layers": {l.name: l.active for l in jail.layers.layers},
                      "result": result.model_dump(), "benign": benign.value}))
"""


@pytest.fixture
def unprivileged_run(tmp_path):
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to uid 65534")
    shared = tmp_path / "shared"
    shared.mkdir()
    tmp_path.chmod(0o755)
    shared.chmod(0o777)
    token = "SECRET-" + secrets.token_hex(8)
    secret = shared / "SECRET.txt"
    secret.write_text(token)
    secret.chmod(0o644)
    marker = shared / "marker"
    script = SCRIPT.replace("REPO", repr(str(REPO))).replace("SITE", repr(sysconfig.get_paths()["purelib"]))
    script = script.replace("SECRET!r", repr(str(secret)) + "!r").replace("MARKER!r", repr(str(marker)) + "!r")
    # The venv's interpreter may live under /root (0700): run Debian's python3 on the venv's packages.
    out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
                          "-c", script], capture_output=True, text=True, timeout=120, cwd="/")
    if out.returncode != 0 and ("ModuleNotFoundError" in out.stderr or "Permission denied" in out.stderr):
        pytest.skip(f"the checkout is not readable by uid 65534: {out.stderr.strip().splitlines()[-1]}")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1]), token, marker


def test_a_non_root_jail_still_contains_a_program(unprivileged_run):
    report, token, marker = unprivileged_run
    assert report["layers"]["seccomp"] and not report["layers"]["uid_drop"]
    assert token not in json.dumps(report["result"])
    assert not marker.exists()
    assert report["benign"] == "42"
