"""Shared SQLite files open cleanly when several processes create them at once."""

from __future__ import annotations

import multiprocessing
import sqlite3

from bot.stores import sqlite_files


def _open_and_write(path: str, start: "multiprocessing.synchronize.Event") -> None:
    start.wait()
    connection = sqlite_files.connect(path)
    connection.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    connection.execute("INSERT INTO t VALUES (1)")


def test_many_processes_create_one_new_file_at_the_same_moment(tmp_path):
    """Before the retry, 2 of 60 such rounds failed with 'database is locked'."""
    context = multiprocessing.get_context("fork")
    for round_number in range(40):
        path = str(tmp_path / f"shared-{round_number}.db")
        start = context.Event()
        workers = [context.Process(target=_open_and_write, args=(path, start)) for _ in range(6)]
        for worker in workers:
            worker.start()
        start.set()
        for worker in workers:
            worker.join(timeout=60)
        assert [w.exitcode for w in workers] == [0] * 6, f"round {round_number}"
        connection = sqlite3.connect(path)
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT count(*) FROM t").fetchone()[0] == 6


def test_settings_of_a_shared_file(tmp_path):
    connection = sqlite_files.connect(tmp_path / "sub" / "x.db")
    assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == sqlite_files.BUSY_TIMEOUT_MS
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert connection.isolation_level is None
