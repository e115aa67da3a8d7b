"""A small bounded, expiring map for what a channel remembers between webhook calls.

Channels remember a little per sender or per message (message ids already seen, the
numbered options last offered). That memory must never grow without bound however many
citizens write, and must forget stale entries, so it is capped (oldest first out) and
every entry expires. It lives in the process: with several Rasa replicas each has its own.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Generic, Optional, Tuple, TypeVar

V = TypeVar("V")


class ExpiringMap(Generic[V]):
    """At most ``max_entries`` keys, each forgotten ``ttl_seconds`` after it was set."""

    def __init__(self, max_entries: int, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1 or ttl_seconds <= 0:
            raise ValueError("max_entries must be >= 1 and ttl_seconds > 0")
        self.max_entries = max_entries
        self.ttl = ttl_seconds
        self.clock = clock
        self._items: "OrderedDict[str, Tuple[float, V]]" = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._drop_expired(self.clock())
            return len(self._items)

    def get(self, key: str) -> Optional[V]:
        now = self.clock()
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] <= now:
                self._items.pop(key, None)
                return None
            return item[1]

    def set(self, key: str, value: V) -> None:
        with self._lock:
            self._set(key, value, self.clock())

    def pop(self, key: str) -> Optional[V]:
        with self._lock:
            item = self._items.pop(key, None)
        return item[1] if item is not None and item[0] > self.clock() else None

    def add_if_absent(self, key: str, value: V) -> bool:
        """Set ``key`` unless it is present; True when it was absent (first sighting)."""
        now = self.clock()
        with self._lock:
            item = self._items.get(key)
            if item is not None and item[0] > now:
                return False
            self._set(key, value, now)
            return True

    def _set(self, key: str, value: V, now: float) -> None:
        self._items.pop(key, None)
        self._items[key] = (now + self.ttl, value)
        self._drop_expired(now)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    def _drop_expired(self, now: float) -> None:
        # Entries are in insertion order and all share one TTL, so expired ones are first.
        while self._items:
            expires, _ = next(iter(self._items.values()))
            if expires > now:
                break
            self._items.popitem(last=False)
