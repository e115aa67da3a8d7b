"""Delivery ids seen by any Rasa process of this machine, kept in a SQLite file.

Zalo re-delivers an event when it did not see our acknowledgement in time. With two
Rasa worker processes (``SANIC_WORKERS``) the re-delivery can reach the other process,
whose in-memory cache has never seen it; this log is shared by both, so the citizen is
answered once. (Across machines, the scale-out would need a shared store instead.)
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Optional

from bot import sqlite_files

SCHEMA = "CREATE TABLE IF NOT EXISTS deliveries (key TEXT PRIMARY KEY, seen_at REAL NOT NULL)"


def default_path() -> Path:
    """Next to the tracker store, like the lock store's file."""
    explicit = os.environ.get("ZALO_DELIVERY_DB")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("TRACKER_DB") or ".cache/conversations.db").resolve().parent / "zalo_deliveries.db"


class DeliveryLog:
    """``first_time(key)`` is True for exactly one call per key across processes."""

    def __init__(self, path: Optional[Path] = None, ttl_seconds: float = 24 * 3600) -> None:
        self.path = Path(path or default_path())
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._db = sqlite_files.connect(self.path, check_same_thread=False)
        self._db.execute(SCHEMA)
        self._inserts = 0

    def first_time(self, key: str) -> bool:
        now = time.time()
        with self._lock:
            inserted = self._db.execute("INSERT OR IGNORE INTO deliveries VALUES (?, ?)", (key, now)).rowcount == 1
            self._inserts += 1
            if self._inserts % 1000 == 0:  # forget deliveries Zalo will not repeat
                self._db.execute("DELETE FROM deliveries WHERE seen_at < ?", (now - self.ttl_seconds,))
        return inserted
