"""What the channels remember between messages, shared by every Rasa process that serves them.

Channels keep a little state per citizen: the rate-limit bucket, the numbered options
last offered on Zalo, the Zalo message ids already answered. Rasa runs two worker
processes on one machine (``SANIC_WORKERS``) and several machines in the scale-out, and
consecutive messages of one citizen land on any of them, so this state cannot live in
one process: with per-process memory a flooding sender got one burst per process and
"2" on Zalo meant nothing when the options had been offered by the other process.

- ``SQLiteState`` (default): a small SQLite file next to the tracker store, shared by
  the processes of one machine; no server.
- ``RedisState``: when ``CHANNEL_STATE_URL`` is ``redis://…`` (the scale-out sets it),
  shared by every machine.

Every entry expires; expired entries are dropped as new ones are written, so the state
stays bounded by the number of citizens active in the last day.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional, Tuple, Union

from bot.stores import sqlite_files

logger = logging.getLogger(__name__)

SCHEMA = "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL)"
SWEEP_EVERY_WRITES = 1000


class SharedState:
    """Expiring keys and token buckets; subclasses store them somewhere every process sees."""

    def get(self, key: str) -> Optional[str]:
        raise NotImplementedError

    def put(self, key: str, value: str, ttl_seconds: float) -> None:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def add_if_absent(self, key: str, ttl_seconds: float) -> bool:
        """True for exactly one caller per key (until it expires), whichever process asks."""
        raise NotImplementedError

    def take_token(self, key: str, per_second: float, burst: float, now: Optional[float] = None) -> bool:
        """Token bucket: ``burst`` at once, refilled at ``per_second``; True when one was taken."""
        raise NotImplementedError


def bucket_lifetime(per_second: float, burst: float) -> float:
    """After this long without messages a bucket is full again, so it can be forgotten."""
    return burst / per_second + 60 if per_second > 0 else 24 * 3600


def refill(stored: Optional[str], now: float, per_second: float, burst: float) -> float:
    """Tokens in a bucket stored as ``"tokens,last_time"`` (full when unknown)."""
    if not stored:
        return burst
    tokens, last = (float(part) for part in stored.split(","))
    return min(burst, tokens + max(0.0, now - last) * per_second)


class SQLiteState(SharedState):
    """The processes of one machine share a SQLite file (write-ahead log, one write transaction per change)."""

    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)
        self._connections = sqlite_files.ConnectionPerThread(self.path)
        self._writes = 0
        self._connections.get().execute(SCHEMA)

    def _write(self, change: Any) -> Any:
        """Run ``change(connection, now)`` in one immediate transaction; sweep expired keys now and then."""
        now = time.time()
        with sqlite_files.immediate_transaction(self._connections.get()) as connection:
            result = change(connection, now)
            self._writes += 1
            if self._writes % SWEEP_EVERY_WRITES == 0:
                connection.execute("DELETE FROM state WHERE expires <= ?", (now,))
        return result

    def get(self, key: str) -> Optional[str]:
        row = self._connections.get().execute(
            "SELECT value FROM state WHERE key = ? AND expires > ?", (key, time.time())
        ).fetchone()
        return row[0] if row else None

    def put(self, key: str, value: str, ttl_seconds: float) -> None:
        self._write(lambda db, now: db.execute(
            "INSERT OR REPLACE INTO state VALUES (?, ?, ?)", (key, value, now + ttl_seconds)))

    def delete(self, key: str) -> None:
        self._write(lambda db, now: db.execute("DELETE FROM state WHERE key = ?", (key,)))

    def add_if_absent(self, key: str, ttl_seconds: float) -> bool:
        def change(db: Any, now: float) -> bool:
            db.execute("DELETE FROM state WHERE key = ? AND expires <= ?", (key, now))
            return db.execute("INSERT OR IGNORE INTO state VALUES (?, '1', ?)", (key, now + ttl_seconds)).rowcount == 1

        return bool(self._write(change))

    def take_token(self, key: str, per_second: float, burst: float, now: Optional[float] = None) -> bool:
        def change(db: Any, wall_clock: float) -> bool:
            at = wall_clock if now is None else now
            row = db.execute("SELECT value FROM state WHERE key = ? AND expires > ?", (key, wall_clock)).fetchone()
            tokens = refill(row[0] if row else None, at, per_second, burst)
            allowed = tokens >= 1.0
            stored = f"{tokens - 1.0 if allowed else tokens},{at}"
            db.execute("INSERT OR REPLACE INTO state VALUES (?, ?, ?)",
                       (key, stored, wall_clock + bucket_lifetime(per_second, burst)))
            return allowed

        return bool(self._write(change))


# Read, refill, take and store in one step on the Redis server, so two machines cannot
# both take the last token.
_TAKE_TOKEN_SCRIPT = """
local now, per_second, burst, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tokens = burst
local stored = redis.call('GET', KEYS[1])
if stored then
  local t, last = string.match(stored, '([^,]+),([^,]+)')
  tokens = math.min(burst, tonumber(t) + math.max(0, now - tonumber(last)) * per_second)
end
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('SET', KEYS[1], string.format('%.6f', tokens) .. ',' .. string.format('%.6f', now), 'EX', ttl)
return allowed
"""


class RedisState(SharedState):
    """Every machine of the scale-out shares one Redis database."""

    def __init__(self, url: str, prefix: str = "channel:") -> None:
        import redis

        self.client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2)
        self.prefix = prefix
        self._take = self.client.register_script(_TAKE_TOKEN_SCRIPT)

    def get(self, key: str) -> Optional[str]:
        return self.client.get(self.prefix + key)

    def put(self, key: str, value: str, ttl_seconds: float) -> None:
        self.client.set(self.prefix + key, value, ex=max(1, int(ttl_seconds)))

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)

    def add_if_absent(self, key: str, ttl_seconds: float) -> bool:
        return bool(self.client.set(self.prefix + key, "1", nx=True, ex=max(1, int(ttl_seconds))))

    def take_token(self, key: str, per_second: float, burst: float, now: Optional[float] = None) -> bool:
        at = time.time() if now is None else now
        ttl = max(1, int(bucket_lifetime(per_second, burst)))
        return bool(self._take(keys=[self.prefix + key], args=[at, per_second, burst, ttl]))


class FailOpen(SharedState):
    """Another store whose failures never reach a citizen.

    When the store is unreachable (Redis down, disk full) a message must still be
    answered: the rate limit lets it through, no numbered options are remembered, a
    delivery counts as new (a rare duplicate answer beats a lost one). Failures are
    logged, at most once a minute.
    """

    def __init__(self, inner: SharedState, log_every_seconds: float = 60.0) -> None:
        self.inner = inner
        self.log_every_seconds = log_every_seconds
        self._last_logged = 0.0

    def _attempt(self, operation: Callable[..., Any], args: Tuple[Any, ...], if_failed: Any) -> Any:
        try:
            return operation(*args)
        except Exception as error:  # any store failure: answer without the state
            now = time.monotonic()
            if now - self._last_logged >= self.log_every_seconds:
                self._last_logged = now
                logger.error("channel state unavailable (%s: %s); answering without it", operation.__name__, error)
            return if_failed

    def get(self, key: str) -> Optional[str]:
        return self._attempt(self.inner.get, (key,), None)

    def put(self, key: str, value: str, ttl_seconds: float) -> None:
        self._attempt(self.inner.put, (key, value, ttl_seconds), None)

    def delete(self, key: str) -> None:
        self._attempt(self.inner.delete, (key,), None)

    def add_if_absent(self, key: str, ttl_seconds: float) -> bool:
        return self._attempt(self.inner.add_if_absent, (key, ttl_seconds), True)

    def take_token(self, key: str, per_second: float, burst: float, now: Optional[float] = None) -> bool:
        return self._attempt(self.inner.take_token, (key, per_second, burst, now), True)


def default_sqlite_path() -> Path:
    """Next to the tracker store, like the lock store's file."""
    explicit = os.environ.get("CHANNEL_STATE_DB")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("TRACKER_DB") or ".cache/conversations.db").resolve().parent / "channel_state.db"


_SHARED: Optional[SharedState] = None
_SHARED_LOCK = threading.Lock()


def shared_state() -> SharedState:
    """The process's store: Redis when ``CHANNEL_STATE_URL`` names one, else the machine's SQLite file."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            url = os.environ.get("CHANNEL_STATE_URL", "")
            _SHARED = FailOpen(RedisState(url) if url.startswith(("redis://", "rediss://", "unix://"))
                               else SQLiteState(default_sqlite_path()))
        return _SHARED
