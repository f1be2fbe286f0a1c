"""Fixtures for the jail tests: a booby-trapped host (secret, decoys, a world-writable marker dir,
a 127.0.0.1 listener that counts connections, a SIGUSR2 counter, an env secret) and jails in each
layer configuration this machine supports."""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from azr_safe.cli import main as cli_main
from azr_safe.jail import Jail, JailConfig, JailUnavailableError

ATTACKS_DIR = Path(__file__).with_name("attacks")
ENV_SECRET_NAME = "AZR_TEST_FAKE_API_KEY"

# (id, config): the suite must pass with and without the nsjail layer. Uids no other jail on this
# machine uses (other test sessions may run jails at the default uids) let the stray-process check
# attribute processes.
_UID = 300000 + 100 * random.randrange(10000)
LAYER_CONFIGS = [
    pytest.param(dict(nsjail="require", base_uid=_UID), id="nsjail+inner", marks=pytest.mark.requires_nsjail),
    pytest.param(dict(nsjail="off", base_uid=_UID + 50), id="inner-only"),
]


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1 that counts every connection it accepts."""

    sock: socket.socket
    connections: list[bytes] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(1)
            try:
                self.connections.append(conn.recv(64))
            except OSError:
                self.connections.append(b"")
            conn.close()


@dataclass
class Host:
    root: Path
    secret_token: str
    env_token: str
    secret: Path
    decoy_ro: Path
    decoy_rw: Path
    markers: Path
    listener: Listener
    sigusr2: list[int]

    def context(self) -> dict:
        return {"secret": str(self.secret), "decoy_ro": str(self.decoy_ro), "decoy_rw": str(self.decoy_rw),
                "markers": str(self.markers), "port": self.listener.port, "parent_pid": os.getpid()}

    def leaked(self, text: str) -> list[str]:
        shadow = Path("/etc/shadow").read_text().splitlines()[0] if Path("/etc/shadow").exists() else "\0"
        return [t for t in (self.secret_token, self.env_token, shadow) if t and t in text]


@pytest.fixture(scope="module")
def host():
    # Not pytest's tmp_path: its 0700 parents would protect the files by plain permissions and
    # hide whether the jail's own layers do.
    root = Path(tempfile.mkdtemp(prefix="azr-jail-host-"))
    root.chmod(0o755)
    token, env_token = "SECRET-" + secrets.token_hex(8), "APIKEY-" + secrets.token_hex(8)
    (root / "SECRET.txt").write_text(token)
    (root / "SECRET.txt").chmod(0o644)
    decoy_ro, decoy_rw, markers = root / "DECOY_ro.txt", root / "DECOY_rw.txt", root / "markers"
    decoy_ro.write_text("decoy-ro")
    decoy_ro.chmod(0o644)
    decoy_rw.write_text("decoy-rw")
    decoy_rw.chmod(0o666)
    markers.mkdir()
    markers.chmod(0o777)
    sock = socket.create_server(("127.0.0.1", 0))
    listener = Listener(sock)
    threading.Thread(target=listener.serve, daemon=True).start()
    received: list[int] = []
    previous = signal.signal(signal.SIGUSR2, lambda *_: received.append(1))
    os.environ[ENV_SECRET_NAME] = env_token
    try:
        yield Host(root, token, env_token, root / "SECRET.txt", decoy_ro, decoy_rw, markers, listener, received)
    finally:
        os.environ.pop(ENV_SECRET_NAME, None)
        signal.signal(signal.SIGUSR2, previous)
        sock.close()
        shutil.rmtree(root, ignore_errors=True)


def start_jail(**overrides) -> Jail:
    settings = dict(timeout_s=2.0, memory_mb=256) | overrides
    try:
        return Jail(JailConfig(**settings))
    except JailUnavailableError as err:
        if settings.get("nsjail") == "require":
            pytest.skip(f"nsjail layer unavailable here: {err}")
        raise


@pytest.fixture(scope="module", params=LAYER_CONFIGS)
def layered_jail(request, host):
    jail = start_jail(**request.param)
    jail.test_base_uid = request.param["base_uid"]
    yield jail
    jail.close()


def processes_with_uids(uids: range) -> list[tuple[int, str]]:
    """(pid, name) of live processes whose real uid is in `uids`, read from the host's /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("Uid", "-1").split()[0]) in uids:
            found.append((int(entry.name), fields.get("Name", "").strip()))
    return found


@pytest.fixture
def azr(monkeypatch, capsys):
    """Run the real `azr-safe` entry point in-process; returns (exit code, stdout, stderr)."""

    def invoke(*args: str) -> subprocess.CompletedProcess:
        monkeypatch.setattr(sys, "argv", ["azr-safe", *args])
        code = 0
        try:
            cli_main.main()
        except SystemExit as exited:
            code = exited.code or 0
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return invoke


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "prog.py"
    path.write_text("import os\ndef f(x):\n    print('hi')\n    return {'x': x}\ndef bad():\n    os.kill(1, 9)\n"
                    "def spin():\n    while True:\n        pass\n")
    return path
