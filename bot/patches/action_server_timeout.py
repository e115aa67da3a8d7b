"""Rasa stops waiting for the action server after ``ACTION_SERVER_TIMEOUT_SECONDS`` (20 s).

Rasa waits 5 minutes for an action server answer, holding the conversation's lock all
that time; a hung action server should free it much sooner (the citizen already got
"hệ thống đang bận" from the channel's deadline, bot/channels/guard.py). Rasa 3.6 has
no setting for it: its remote-action module reads this constant on each call.
"""

from __future__ import annotations

import os

REASON = "Rasa held a conversation's lock for 5 minutes when the action server hung"
GAIN = "not a speed-up: the conversation is free again after 20 s instead of 300 s (tests/integration/test_outages.py)"
REPLACES = "rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT"
TESTED_ON = {"rasa": "3.6.21"}


def timeout_seconds() -> float:
    return float(os.environ.get("ACTION_SERVER_TIMEOUT_SECONDS", "20"))


def apply() -> None:
    import rasa.core.actions.action as rasa_action

    rasa_action.DEFAULT_REQUEST_TIMEOUT = timeout_seconds()  # type: ignore[attr-defined]
