"""A Rasa worker process stops when the server that started it stops.

Sanic 21 forks its workers (``SANIC_WORKERS``) carrying the main process's signal
handler, which only forwards SIGTERM, and gives each worker its own handler only once
the model has loaded. A worker told to stop while still loading ignored it and went on
serving alone (the Rasa-restart test left one behind every run). So each forked worker
takes SIGTERM and SIGINT with their default action until Sanic installs its handler,
and asks Linux to send it SIGTERM if the main process dies.
"""

from __future__ import annotations

import os

REASON = "a Sanic worker stopped while still loading the model ignored SIGTERM and went on serving alone"
GAIN = "not a speed-up: no worker left behind after a stop (tests/integration/test_outages.py failed without it)"
REPLACES = "the signal handling of forked Sanic workers (an os.register_at_fork hook)"
TESTED_ON = {"sanic": "21.12.2"}

PR_SET_PDEATHSIG = 1  # linux/prctl.h
_registered = False


def _in_worker() -> None:
    import ctypes
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the forwarded SIGTERM still works
        pass


def apply() -> None:
    global _registered
    if not _registered:
        os.register_at_fork(after_in_child=_in_worker)
        _registered = True
