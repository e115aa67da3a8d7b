"""Rasa worker processes load the model one after the other, not side by side.

Two workers loading on two cores, beside the action server's start, each took ~20 s,
so the first answer came after both. A worker still loading accepts no connection
(Sanic runs ``before_server_start`` before it serves the shared socket), so one at a
time the first serves every citizen after ~12 s and the other joins when it is ready.
A file lock, named after the main process, orders them; with one worker it is never
contended.
"""

from __future__ import annotations

import os
from typing import Any

REASON = "two workers loading the model side by side each took ~20 s, so the first answer waited for both"
GAIN = "first answer ~12 s after start instead of ~20 s with two workers (issue 18)"
REPLACES = "rasa.core.run.load_agent_on_start"
TESTED_ON = {"rasa": "3.6.21", "sanic": "21.12.2"}


def apply() -> None:
    import fcntl
    import tempfile

    import rasa.core.run as run

    rasa_load = run.load_agent_on_start
    if getattr(rasa_load, "one_at_a_time", False):
        return

    async def load_agent_on_start(model_path: Any, endpoints: Any, remote_storage: Any, app: Any, loop: Any) -> Any:
        path = os.path.join(tempfile.gettempdir(), f"rasa-model-load-{os.getppid()}.lock")
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            await loop.run_in_executor(None, fcntl.flock, descriptor, fcntl.LOCK_EX)
            return await rasa_load(model_path, endpoints, remote_storage, app, loop)
        finally:
            os.close(descriptor)  # releases the lock
            try:
                os.unlink(path)  # the last worker leaves no file; a later one creates its own
            except OSError:
                pass

    load_agent_on_start.one_at_a_time = True  # type: ignore[attr-defined]
    run.load_agent_on_start = load_agent_on_start
