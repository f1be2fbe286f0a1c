"""Parent side of one fork-server worker: start it (a fresh interpreter, never a fork of the
trainer), send pipelined requests, and route JSON responses to futures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections import deque
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from azr_safe.errors import JailUnavailableError

WORKER_SOURCE = (Path(__file__).with_name("_worker.py")).read_text()
MAX_RESPONSE_BYTES = 128 << 20  # > 6 x RESULT_STREAM_MAX (worst-case JSON escaping) + output caps


class WorkerDied(RuntimeError):
    """The worker process ended while requests were pending."""


class WorkerProcess:
    """One jailed worker. Thread-safe `submit`; a reader thread resolves futures."""

    def __init__(self, argv: list[str], env: dict[str, str], init: dict[str, Any], start_timeout_s: float) -> None:
        try:
            self.proc = subprocess.Popen(
                argv + ["-c", WORKER_SOURCE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env, cwd="/", close_fds=True, start_new_session=True,
            )
        except OSError as err:
            raise JailUnavailableError(f"cannot start a jail worker ({argv[0]!r}): {err.strerror}") from err
        self._stderr_tail: deque[str] = deque(maxlen=40)
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self._lock = threading.Lock()
        self._pending: dict[int, Future] = {}
        self._next_id = 0
        self.ready = self._handshake(init, start_timeout_s)
        threading.Thread(target=self._read_responses, daemon=True).start()

    # -- start-up
    def _handshake(self, init: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        box: dict[str, Any] = {}

        def read_first_line() -> None:
            box["line"] = self.proc.stdout.readline(MAX_RESPONSE_BYTES)

        self.proc.stdin.write(json.dumps(init).encode() + b"\n")
        self.proc.stdin.flush()
        reader = threading.Thread(target=read_first_line, daemon=True)
        reader.start()
        reader.join(timeout_s)
        line = box.get("line", b"")
        try:
            message = json.loads(line) if line else {}
        except ValueError:
            message = {}
        if "ready" not in message:
            self.kill()
            why = message.get("fatal") or self.stderr_tail() or "no answer"
            raise JailUnavailableError(f"jail worker failed to start: {why}")
        return message["ready"]

    def _drain_stderr(self) -> None:
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            if line and "no version information available" not in line:
                self._stderr_tail.append(line[:500])

    def stderr_tail(self) -> str:
        return " | ".join(list(self._stderr_tail)[-5:])

    # -- requests
    @property
    def outstanding(self) -> int:
        return len(self._pending)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def submit(self, request: dict[str, Any]) -> Future:
        future: Future = Future()
        with self._lock:
            if not self.alive:
                future.set_exception(WorkerDied(self.stderr_tail() or "worker is not running"))
                return future
            self._next_id += 1
            request = dict(request, id=self._next_id)
            self._pending[self._next_id] = future
            try:
                self.proc.stdin.write(json.dumps(request).encode() + b"\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError) as err:
                self._pending.pop(self._next_id, None)
                future.set_exception(WorkerDied(f"cannot reach worker: {err}"))
        return future

    def _read_responses(self) -> None:
        for line in iter(lambda: self.proc.stdout.readline(MAX_RESPONSE_BYTES), b""):
            try:
                response = json.loads(line)
                future = self._pending.pop(response["id"])
            except (ValueError, KeyError, TypeError):
                continue
            future.set_result(response)
        self.proc.wait()
        with self._lock:
            pending, self._pending = self._pending, {}
        for future in pending.values():
            future.set_exception(WorkerDied(self.stderr_tail() or f"worker exited ({self.proc.returncode})"))

    def kill(self) -> None:
        """SIGKILL the worker's whole session (nsjail, the worker and its children)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        try:
            self.proc.stdin.close()  # the worker finishes in-flight children, then exits
        except OSError:
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
