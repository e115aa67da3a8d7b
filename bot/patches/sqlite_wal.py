"""SQLite in write-ahead-log mode, with the tracker store's connection kept open.

The SQLite tracker store committed in rollback-journal mode with an fsync per message
(~17 ms). Write-ahead logging with ``synchronous=NORMAL`` makes a commit a file append;
a crash keeps the database consistent and may lose at most the last messages, which is
acceptable for conversation logs. It also lets several Rasa processes read while one
writes. Rasa's default pool opens and closes a connection per query, and closing the
last connection to a WAL database checkpoints and deletes the log each time, so the
SQLite engine keeps one connection per thread. A process-wide SQLAlchemy listener sets
the pragmas on every new SQLite connection.
"""

from __future__ import annotations

from typing import Any, Dict

REASON = "the SQLite tracker store fsynced a rollback journal on every message"
GAIN = "~17 ms less per message (a commit is a log append, not an fsync); several Rasa processes read while one writes"
REPLACES = "a process-wide SQLAlchemy Engine 'connect' listener; rasa.core.tracker_store.create_engine_kwargs"
TESTED_ON = {"rasa": "3.6.21", "SQLAlchemy": "1.4.54"}


def _on_connect(connection: Any, _record: Any) -> None:
    from bot.stores.sqlite_files import use_write_ahead_log

    if type(connection).__module__.startswith("sqlite3"):
        use_write_ahead_log(connection)


def apply() -> None:
    from rasa.core import tracker_store
    from sqlalchemy import event
    from sqlalchemy.engine import Engine, make_url
    from sqlalchemy.pool import SingletonThreadPool

    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)

    rasa_kwargs = tracker_store.create_engine_kwargs
    if getattr(rasa_kwargs, "keeps_sqlite_open", False):
        return

    def create_engine_kwargs(url: Any) -> Dict[str, Any]:
        kwargs = rasa_kwargs(url)
        if make_url(str(url)).get_backend_name() == "sqlite":
            kwargs.setdefault("poolclass", SingletonThreadPool)
        return kwargs

    create_engine_kwargs.keeps_sqlite_open = True  # type: ignore[attr-defined]
    tracker_store.create_engine_kwargs = create_engine_kwargs
