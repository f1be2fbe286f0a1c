"""Is the log being reviewed authentic? `verify_log` runs once at start-up, off the request path."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Literal, NamedTuple


class Integrity(NamedTuple):
    """What every page header says about the log's hash chain."""

    status: Literal["pending", "intact", "torn_tail", "tampered", "error"]
    summary: str


class IntegrityCheck:
    """Runs `azr_safe.audit.verify_log` in a daemon thread; `state` is safe to read any time."""

    def __init__(self, run_dir: Path) -> None:
        self._state = Integrity("pending", "verifying the hash chain…")
        self._thread = threading.Thread(target=self._run, args=(run_dir,), name="review-verify", daemon=True)
        self._thread.start()

    def _run(self, run_dir: Path) -> None:
        from azr_safe.audit import verify_log

        try:
            report = verify_log(run_dir)
            self._state = Integrity(report.status, report.summary())
        except Exception as err:  # noqa: BLE001 - shown to the reviewer, never fatal to the page
            self._state = Integrity("error", f"could not verify: {type(err).__name__}: {err}")

    @property
    def state(self) -> Integrity:
        return self._state

    def wait(self, timeout_s: float) -> Integrity:
        """For tests and `--get`: block until the check is done (or the timeout passes)."""
        self._thread.join(timeout_s)
        return self._state
