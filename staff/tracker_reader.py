"""Read-only access to Rasa's SQL tracker store for the staff tools (review queue, statistics).

Through SQLAlchemy, on the table Rasa's ``SQLTrackerStore`` writes: ``events`` with one
JSON event per row in ``data`` and the columns ``sender_id``, ``type_name``,
``timestamp``, ``intent_name``, ``action_name``. The store is named by
``TRACKER_STORE_URL`` (a SQLAlchemy URL, e.g. ``postgresql://rasa:…@db:5432/rasa`` in
the scale-out) or else the SQLite file ``TRACKER_DB`` (``StaffConfig.tracker_db``),
opened read-only. Nothing here writes.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, ProgrammingError

_ENGINES: Dict[str, sa.engine.Engine] = {}
_ENGINES_LOCK = threading.Lock()

FLAGGED_SENDERS = sa.text("""
SELECT sender_id, MAX(timestamp) AS last FROM events
WHERE timestamp >= :since AND (
    intent_name = 'nlu_fallback' OR action_name = 'action_default_fallback'
    OR (type_name = 'slot' AND ((data LIKE '%"answer_kind"%' AND (data LIKE '%"unsure"%' OR data LIKE '%"unavailable"%'))
                                OR data LIKE '%"answer_feedback"%'))
)
GROUP BY sender_id ORDER BY last DESC LIMIT :limit
""")
SENDERS_LIKE = sa.text("SELECT DISTINCT sender_id FROM events WHERE sender_id LIKE :pattern")
CONVERSATION = sa.text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id")
# Every event of the conversations that had a user message in [start, end): whole
# conversations, so a reply or a rating just after the period's edge still belongs to it.
EVENTS_OF_PERIOD = sa.text("""
SELECT sender_id, data FROM events
WHERE type_name IN ('user', 'bot', 'slot', 'action')
  AND sender_id IN (SELECT DISTINCT sender_id FROM events
                    WHERE type_name = 'user' AND timestamp >= :start AND timestamp < :end)
  AND timestamp >= :start - 86400 AND timestamp < :end + 86400
ORDER BY sender_id, id
""")


def store_url(store: Union[Path, str, None] = None) -> str:
    """A SQLAlchemy URL: ``store`` when it is one, a read-only SQLite URL for a file path,
    else the staff configuration's store (``TRACKER_STORE_URL`` or ``TRACKER_DB``)."""
    if store is None:
        from staff.config import StaffConfig

        store = StaffConfig().tracker_store
    text = str(store)
    if "://" in text:
        return text
    return f"sqlite:///file:{Path(text).resolve()}?mode=ro&uri=true"


class TrackerReader:
    """Queries on one tracker store; an engine per URL is kept for the process."""

    def __init__(self, url: str):
        self.url = url

    @classmethod
    def for_store(cls, store: Union[Path, str, None] = None) -> "TrackerReader":
        return cls(store_url(store))

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def available(self) -> bool:
        """False when the SQLite file does not exist yet (the bot has stored nothing)."""
        if not self.is_sqlite:
            return True
        path = self.url.split("file:", 1)[-1].split("?", 1)[0] if "file:" in self.url else self.url[len("sqlite:///"):]
        return Path(path).exists()

    def _engine(self) -> sa.engine.Engine:
        with _ENGINES_LOCK:
            engine = _ENGINES.get(self.url)
            if engine is None:
                options: Dict[str, Any] = {"pool_pre_ping": True}
                if self.is_sqlite:
                    options["connect_args"] = {"timeout": 10, "check_same_thread": False}
                engine = _ENGINES[self.url] = sa.create_engine(self.url, **options)
            return engine

    def _rows(self, query: sa.TextClause, **params: Any) -> List[Tuple[Any, ...]]:
        if not self.available():
            return []
        try:
            with self._engine().connect() as connection:
                return [tuple(row) for row in connection.execute(query, params)]
        except (OperationalError, ProgrammingError):  # no events table yet
            return []

    def flagged_senders(self, since: float, limit: int) -> List[str]:
        """Conversations with a fallback, an unsure answer or a rating since ``since``, latest first."""
        return [row[0] for row in self._rows(FLAGGED_SENDERS, since=since, limit=limit)]

    def senders_starting(self, prefix: str) -> List[str]:
        """Conversation ids starting with ``prefix`` (``zalo_``: every Zalo user who wrote to the bot)."""
        return [row[0] for row in self._rows(SENDERS_LIKE, pattern=prefix.replace("%", "") + "%")
                if str(row[0]).startswith(prefix)]

    def conversation(self, sender_id: str) -> List[Dict[str, Any]]:
        """Every event of one conversation, oldest first."""
        return [_event(data) for (data,) in self._rows(CONVERSATION, sender=sender_id)]

    def conversations_between(self, start: float, end: float) -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
        """(sender id, events) of each conversation with a user message in [start, end)."""
        current: Optional[str] = None
        events: List[Dict[str, Any]] = []
        for sender, data in self._rows(EVENTS_OF_PERIOD, start=float(start), end=float(end)):
            if sender != current:
                if current is not None:
                    yield current, events
                current, events = sender, []
            events.append(_event(data))
        if current is not None:
            yield current, events


def _event(data: Union[str, bytes, Dict[str, Any]]) -> Dict[str, Any]:
    if isinstance(data, dict):
        return data
    try:
        value = json.loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def reader_for(store: Union[Path, str, "TrackerReader", None]) -> TrackerReader:
    """A reader for a path, a URL, the configured store (None) or an existing reader."""
    return store if isinstance(store, TrackerReader) else TrackerReader.for_store(store)
