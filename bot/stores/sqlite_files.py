"""SQLite files shared by the Rasa processes of one machine: opened the same way everywhere.

Several small stores (conversation locks, rate-limit buckets, Zalo delivery ids and
numbered options, the tracker store itself) are SQLite files that both Rasa worker
processes open at start-up. Switching a brand-new file to write-ahead logging needs an
exclusive lock, and SQLite answers "database is locked" at once, without waiting for its
busy timeout, when another process is switching it at the same moment (reproduced with
six processes opening one new file: 2 failures in 60 rounds; CI saw it once). So the
switch is retried here, and every file gets the same pragmas.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Union

from bot.stores.private_files import private_dir, private_file

BUSY_TIMEOUT_MS = 10_000
PRAGMAS = (f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}", "PRAGMA synchronous=NORMAL")


def use_write_ahead_log(connection: Any, give_up_after: float = BUSY_TIMEOUT_MS / 1000) -> None:
    """Busy timeout, write-ahead log and ``synchronous=NORMAL`` on a DB-API SQLite connection."""
    cursor = connection.cursor()
    try:
        cursor.execute(PRAGMAS[0])
        deadline = time.monotonic() + give_up_after
        while True:
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        for pragma in PRAGMAS[1:]:
            cursor.execute(pragma)
        # Conversations, locks and channel state: readable by the bot's user only (the
        # log and shared-memory files SQLite creates later take the database's mode).
        for row in cursor.execute("PRAGMA database_list").fetchall():
            if row[2]:
                private_file(row[2])
    finally:
        cursor.close()


def connect(path: Union[str, Path], check_same_thread: bool = True) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit) with the shared pragmas."""
    if not Path(path).parent.exists():
        private_dir(Path(path).parent)
    connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                 check_same_thread=check_same_thread)
    use_write_ahead_log(connection)
    return connection


class ConnectionPerThread:
    """One connection per thread of this process, opened again after a fork.

    A SQLite connection must not cross a fork (Sanic forks its workers after the stores
    are created), and Python's connections belong to the thread that opened them.
    """

    def __init__(self, path: Union[str, Path]) -> None:
        self.path = path
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        connection, pid = getattr(self._local, "connection", (None, None))
        if connection is None or pid != os.getpid():
            connection = connect(self.path)
            self._local.connection = (connection, os.getpid())
        return connection


@contextmanager
def immediate_transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write-locked transaction (no other process writes in between); joins one already open."""
    if connection.in_transaction:
        yield connection
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
