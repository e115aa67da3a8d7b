"""Rebuilding the index in the background after saves: one build at a time, bursts coalesced.

A save asks for a rebuild and returns at once. A worker thread waits for a short quiet
moment (so ten quick saves or an import make one build), runs
``python -m knowledge.build.index`` in a child process (the model and memory are freed
after each build, and a crash cannot take the web app down), and runs once more if
saves arrived during the build. The builder swaps the ``current`` link atomically; the
action server notices within seconds and switches without a restart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from knowledge.paths import PROJECT_DIR


@dataclass
class RebuildStatus:
    """What the status line shows."""

    state: str = "idle"  # idle | waiting | building | failed
    requested_at: Optional[float] = None  # first save not yet in a finished build
    last_finished: Optional[float] = None
    last_seconds: Optional[float] = None  # duration of the last build
    last_delay: Optional[float] = None  # from the first save it contains to its end
    last_error: str = ""
    builds: int = 0


class Rebuilder:
    """Runs index builds for one content folder and index folder."""

    def __init__(self, content_dir: Path, index_dir: Path, quiet_seconds: float = 1.0,
                 command: Optional[List[str]] = None):
        self.env: Dict[str, str] = {**os.environ, "CONTENT_DIR": str(content_dir),
                                    "KNOWLEDGE_INDEX_DIR": str(index_dir), "TQDM_DISABLE": "1"}
        self.command = command or [sys.executable, "-m", "knowledge.build.index"]
        self.quiet_seconds = quiet_seconds
        self.status = RebuildStatus()
        self._condition = threading.Condition()
        self._pending = False
        self._last_request = 0.0
        self._worker = False  # a worker thread is running (changed only under the condition)

    def request(self) -> None:
        """Ask for a rebuild soon (returns immediately)."""
        with self._condition:
            now = time.time()
            self._pending = True
            self._last_request = now
            if self.status.requested_at is None:
                self.status.requested_at = now
            if self.status.state in ("idle", "failed"):
                self.status.state = "waiting"
            if not self._worker:
                self._worker = True
                threading.Thread(target=self._run, name="index-rebuild", daemon=True).start()
            self._condition.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no build is pending or running (for tests and the benchmark)."""
        deadline = time.time() + timeout
        with self._condition:
            while self._pending or self.status.state == "building":
                remaining = deadline - time.time()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
        return True

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._pending:
                    if not self._condition.wait(timeout=60) and not self._pending:
                        self._worker = False  # idle for a minute: the next request starts a new worker
                        return
                # Coalesce: wait until saves have stopped arriving for a moment.
                while time.time() - self._last_request < self.quiet_seconds:
                    self._condition.wait(self.quiet_seconds)
                self._pending = False
                self.status.state = "building"
                first_request = self.status.requested_at
                self.status.requested_at = None
            started = time.time()
            result = subprocess.run(self.command, cwd=PROJECT_DIR, env=self.env, capture_output=True, text=True)
            with self._condition:
                finished = time.time()
                self.status.builds += 1
                self.status.last_finished = finished
                self.status.last_seconds = round(finished - started, 1)
                self.status.last_delay = round(finished - (first_request or started), 1)
                ok = result.returncode == 0
                self.status.last_error = "" if ok else (result.stderr or result.stdout)[-2000:]
                self.status.state = "waiting" if self._pending else ("idle" if ok else "failed")
                self._condition.notify_all()
