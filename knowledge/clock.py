"""The bot's "today": the day that decides which policy figure is in force.

Figures change on dates fixed by law (a rate cut from 1/12/2025, a new poverty standard
from 1/1/2027), so every answer is rendered for a day. That day is the calendar day in
Vietnam (UTC+7, no daylight saving), not the server's time zone: a server in UTC would
otherwise state yesterday's figure for seven hours after a change. ``POLICY_TODAY``
(YYYY-MM-DD) fixes the day, for tests, for a rehearsal of a future change, and for
running servers in end-to-end tests; it is read on every call, so a test can move it.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "ICT")
ENV_VAR = "POLICY_TODAY"


def today() -> date:
    """The day answers are given for: ``POLICY_TODAY`` when set, else today in Vietnam."""
    fixed = os.environ.get(ENV_VAR, "").strip()
    if fixed:
        return date.fromisoformat(fixed)
    return datetime.now(VIETNAM).date()


def parse_day(value: object) -> date | None:
    """A YAML date, an ISO string or None (an open end) as a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())
