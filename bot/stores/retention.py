"""Delete conversations older than the retention period (Luật 91/2025/QH15, Điều 14).

Every event stamped more than ``CONVERSATION_RETENTION_DAYS`` days ago (default 365;
0 or less keeps everything) is deleted from the tracker store, SQLite or PostgreSQL
alike: a conversation whose every message is older is gone, a long-running one keeps only
its recent messages. The channel state expires within a day by itself.

Two ways to run it, both safe to run at the same time (the deletion is idempotent):

- the Rasa server does it by itself: each process runs it a minute after start, then
  every ``RETENTION_INTERVAL_HOURS`` (6) — started by the REST channel, which every
  deployment registers;
- ``.venv/rasa/bin/python -m bot.stores.retention [--endpoints endpoints.yml] [--days N]``
  once, e.g. from cron; it reads the tracker store from the endpoints file (with the
  same environment variables as the server: ``TRACKER_DB``, or the scale-out's
  PostgreSQL settings).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from typing import Any, Callable, Optional, Tuple


logger = logging.getLogger(__name__)

DAY = 24 * 3600
DEFAULT_RETENTION_DAYS = 365
FIRST_RUN_DELAY_SECONDS = 60.0


def retention_days() -> int:
    """``CONVERSATION_RETENTION_DAYS`` (default 365); 0 or less keeps conversations forever."""
    try:
        return int(float(os.environ.get("CONVERSATION_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)))
    except ValueError:
        return DEFAULT_RETENTION_DAYS


def interval_seconds() -> float:
    try:
        return max(60.0, float(os.environ.get("RETENTION_INTERVAL_HOURS", "6")) * 3600)
    except ValueError:
        return 6 * 3600.0


def purge(store: Any, days: Optional[int] = None, now: Optional[float] = None) -> Tuple[int, int]:
    """Delete what is older than ``days`` from a QuickSQLTrackerStore; (conversations emptied, events)."""
    days = retention_days() if days is None else days
    if days <= 0:
        return 0, 0
    cutoff = (time.time() if now is None else now) - days * DAY
    emptied, events = store.delete_older_than(cutoff)
    if events:
        logger.info("retention (%d days): deleted %d events; %d conversations gone entirely", days, events, emptied)
    return emptied, events


async def run_periodically(store_of: Callable[[], Any], first_delay: Optional[float] = None) -> None:
    """Purge now and then for as long as the server runs; ``store_of()`` is None while Rasa loads."""
    from bot.stores.tracker_store import sql_store

    if first_delay is None:
        first_delay = float(os.environ.get("RETENTION_FIRST_RUN_SECONDS", FIRST_RUN_DELAY_SECONDS))
    await asyncio.sleep(first_delay)
    while True:
        store = sql_store(store_of())
        if store is None:
            await asyncio.sleep(FIRST_RUN_DELAY_SECONDS)
            continue
        try:
            await asyncio.get_running_loop().run_in_executor(None, purge, store)
        except Exception as error:  # noqa: BLE001 - the next run tries again
            logger.error("retention run failed: %s", error)
        await asyncio.sleep(interval_seconds())


def open_store(endpoints: str) -> Any:
    """The tracker store the server would use, from its endpoints file."""
    import yaml
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import EndpointConfig

    from bot.stores.tracker_store import sql_store

    # Only the tracker store's section, its ${VARIABLES} expanded: the others (action
    # server, lock store) need variables this job does not.
    section = (yaml.safe_load(open(endpoints, encoding="utf-8")) or {}).get("tracker_store") or {}
    expanded = {key: os.path.expandvars(value) if isinstance(value, str) else value for key, value in section.items()}
    store = sql_store(TrackerStore.create(EndpointConfig.from_dict(expanded)))
    if store is None:
        raise SystemExit(f"{endpoints}: the tracker store is not bot.stores.tracker_store.QuickSQLTrackerStore")
    return store


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--days", type=int, default=None, help="default: CONVERSATION_RETENTION_DAYS or 365")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ.setdefault("TRACKER_DB", ".cache/conversations.db")  # as scripts/env.sh sets it
    days = retention_days() if args.days is None else args.days
    emptied, events = purge(open_store(args.endpoints), days)
    print(f"retention {days} days: {events} events deleted, {emptied} conversations gone entirely")
    return 0


if __name__ == "__main__":
    sys.exit(main())
