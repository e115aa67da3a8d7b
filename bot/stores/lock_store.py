"""Rasa lock stores for several Rasa processes: SQLite on one machine, Redis across machines.

Rasa serves a conversation's messages one at a time through a per-conversation ticket
lock. Its in-memory lock store only works inside one process, which is why Rasa
refuses ``SANIC_WORKERS`` > 1 with it; its Redis lock store needs a server. Rasa
spends most of its time in Python on one core, so on one machine a second process is
the way to use the second core, and ``SQLiteLockStore`` lets it do so with no server:
the locks live in a small SQLite file next to the tracker database (write-ahead log,
connection kept open). Every read-modify-write of a lock runs in one ``BEGIN
IMMEDIATE`` transaction, so two processes cannot issue the same ticket (Rasa's own
stores read and write separately). The scale-out deployment uses ``RedisLockStore``,
Rasa's own with the same quick re-check of a busy conversation (``QuickRecheck``).

endpoints.yml::

    lock_store:
      type: bot.stores.lock_store.SQLiteLockStore
      db: .cache/locks.db
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, AsyncContextManager, ContextManager, Optional, Text

import rasa.core.lock_store as rasa_lock_store
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from bot.stores import sqlite_files

POLL_SECONDS = 0.02
SCHEMA = "CREATE TABLE IF NOT EXISTS locks (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)"


class QuickRecheck(LockStore):
    """Rasa's lock, re-checked every few milliseconds instead of every second.

    Rasa waits a whole second between checks of a busy conversation. Two quick messages
    of one citizen that reach different Rasa processes then queue for that second
    (measured: 65 messages of one sender took 30 s on two workers, 3.7 s with this);
    a check is one indexed SQLite read or one Redis GET.
    """

    def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
             wait_time_in_seconds: float = POLL_SECONDS) -> AsyncContextManager[TicketLock]:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)


class SQLiteLockStore(QuickRecheck):
    """Ticket locks shared by the Rasa processes of one machine through a SQLite file."""

    def __init__(self, db: Text = "locks.db", endpoint_config: Any = None) -> None:
        if endpoint_config is not None:
            db = endpoint_config.kwargs.get("db", db)
        self.path = str(db)
        self._connections = sqlite_files.ConnectionPerThread(self.path)
        with self._transaction() as connection:
            connection.execute(SCHEMA)
        super().__init__()

    @property
    def _connection(self) -> sqlite3.Connection:
        return self._connections.get()

    def _transaction(self) -> ContextManager[sqlite3.Connection]:
        """An immediate (write-locked) transaction: no other process reads in between."""
        return sqlite_files.immediate_transaction(self._connection)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        row = self._connection.execute(
            "SELECT lock FROM locks WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def delete_lock(self, conversation_id: Text) -> None:
        deleted = self._connection.execute("DELETE FROM locks WHERE conversation_id = ?", (conversation_id,))
        self._log_deletion(conversation_id, deleted.rowcount > 0)

    def save_lock(self, lock: TicketLock) -> None:
        self._connection.execute(
            "INSERT OR REPLACE INTO locks (conversation_id, lock) VALUES (?, ?)", (lock.conversation_id, lock.dumps())
        )

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            with self._transaction():
                return super().issue_ticket(conversation_id, lock_lifetime)
        except sqlite3.Error as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        with self._transaction():
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._transaction():
            super().cleanup(conversation_id, ticket_number)


class RedisLockStore(QuickRecheck, rasa_lock_store.RedisLockStore):
    """Rasa's Redis lock store (scale-out across machines), re-checked like the SQLite one."""

    def __init__(self, endpoint_config: Any) -> None:
        settings = dict(endpoint_config.kwargs)
        super().__init__(host=endpoint_config.url or "localhost", **settings)
