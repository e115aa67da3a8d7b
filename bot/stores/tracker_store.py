"""Rasa's SQL tracker store with the same tables and answers, at a fraction of the cost.

Profiling the Rasa server under load (py-spy, 10 simulated users) put 23 % of its CPU
time in the SQL tracker store, more than in DIET: each message reads the conversation
once and saves it once, and Rasa builds both through the ORM with a sub-query for the
latest session start, recomputing SQLAlchemy's statement cache key each time (7 %
alone), then counts the stored events with that same query and inserts new events one
ORM object at a time. Here the same reads are one plain indexed query each, written once,
and new events go in with one multi-row insert. The table, the columns and the
meaning of every method are Rasa's: the events written are identical, and Rasa's own
store (or its analytics) can read them. Works on SQLite and PostgreSQL alike.

Two more costs per message went in issue 18 (py-spy at 10 users: the store was ~12 % of
a Rasa worker): each query ran in an ORM ``Session`` (~90 us to open and close, more
than the query), so queries run on a plain SQLAlchemy connection unless Rasa's
PostgreSQL schema check (``POSTGRESQL_SCHEMA``) is asked for; and ``save`` counted the
stored events of the latest session again although the tracker had just been read,
under the conversation's lock, with exactly that many: the count read is remembered
with the tracker object (not its copies) and kept up to date by each save, and the
query runs only when that is not known.

endpoints.yml::

    tracker_store:
      type: bot.stores.tracker_store.QuickSQLTrackerStore
      dialect: "sqlite"
      db: ${TRACKER_DB}
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Text, Tuple

import sqlalchemy as sa
import ujson
from rasa.core.tracker_store import POSTGRESQL_SCHEMA, SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

# Rasa's filter for "the latest session": events from the latest SessionStarted on, or
# every event when the conversation never started a session. SQLite and PostgreSQL
# evaluate the uncorrelated sub-query once.
LATEST_SESSION = """sender_id = :sender_id AND (timestamp >= (SELECT max(timestamp) FROM events
    WHERE sender_id = :sender_id AND type_name = :session_started) OR NOT EXISTS (SELECT 1 FROM events
    WHERE sender_id = :sender_id AND type_name = :session_started))"""
EVENTS = {
    True: sa.text("SELECT data FROM events WHERE sender_id = :sender_id ORDER BY id"),
    False: sa.text(f"SELECT data FROM events WHERE {LATEST_SESSION} ORDER BY id"),
}
COUNT_LATEST_SESSION = sa.text(f"SELECT count(*) FROM events WHERE {LATEST_SESSION}")
PARAMETERS = {"session_started": SessionStarted.type_name}
# The tracker attribute holding (id of the tracker, events of its latest session stored).
# The id tells the tracker read from its deep copies (Rasa copies trackers to run actions).
STORED_COUNT = "_quick_sql_stored_count"


class QuickSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` reading with plain queries and writing with one insert per save."""

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A connection in a transaction (committed on leaving), with Rasa's schema check when asked for.

        An ORM session cost more than the query it ran; Rasa's ``session_scope`` is kept
        for ``POSTGRESQL_SCHEMA``, whose check needs it.
        """
        if os.environ.get(POSTGRESQL_SCHEMA):
            with self.session_scope() as session:
                yield session
                session.commit()
            return
        with self.engine.begin() as connection:
            yield connection

    def _stored_events(self, session: Any, sender_id: Text, fetch_events_from_all_sessions: bool) -> List[Any]:
        rows = session.execute(EVENTS[fetch_events_from_all_sessions], dict(PARAMETERS, sender_id=sender_id))
        return [read_event(data) for (data,) in rows]

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        with self._connection() as connection:
            events = self._stored_events(connection, sender_id, fetch_events_from_all_sessions)
        if self.domain and events:
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            if not fetch_events_from_all_sessions:  # exactly what COUNT_LATEST_SESSION counts
                setattr(tracker, STORED_COUNT, (id(tracker), len(events)))
            return tracker
        return None

    def _stored_count(self, connection: Any, tracker: DialogueStateTracker) -> int:
        """Events of the latest session stored for the tracker's conversation (as Rasa counts them)."""
        known = getattr(tracker, STORED_COUNT, None)
        if known is not None and known[0] == id(tracker):
            return known[1]
        return connection.execute(COUNT_LATEST_SESSION, dict(PARAMETERS, sender_id=tracker.sender_id)).scalar()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events Rasa would store, in one multi-row insert."""
        await self.stream_events(tracker)
        with self._connection() as connection:
            stored = self._stored_count(connection, tracker)
            rows = []
            for event in list(tracker.events)[stored:]:
                data = event.as_dict()
                rows.append({
                    "sender_id": tracker.sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                })
            if rows:
                connection.execute(self.SQLEvent.__table__.insert(), rows)
        if any(row["type_name"] == SessionStarted.type_name for row in rows):
            # The latest session now starts among these rows: Rasa's count would change meaning.
            setattr(tracker, STORED_COUNT, None)
        else:
            setattr(tracker, STORED_COUNT, (id(tracker), stored + len(rows)))
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)

    # ----------------------------------------------------------------- personal data (issue 15)
    # What a citizen may see and have deleted (Luật 91/2025/QH15), and the retention job:
    # plain SQL on the same table, the same on SQLite and PostgreSQL.

    async def exists(self, sender_id: Text) -> bool:
        """Whether any event of the conversation is stored (Rasa's default reads the whole tracker)."""
        with self._connection() as connection:
            return connection.execute(ANY_EVENT, {"sender_id": sender_id}).first() is not None

    def conversation_events(self, sender_id: Text) -> List[dict]:
        """Every stored event of the conversation, oldest first."""
        with self._connection() as connection:
            return self._stored_events(connection, sender_id, True)

    def delete_conversation(self, sender_id: Text) -> int:
        """Delete every event of the conversation; returns how many were deleted."""
        with self.session_scope() as session:
            deleted = session.execute(DELETE_CONVERSATION, {"sender_id": sender_id}).rowcount
            session.commit()
        return int(deleted or 0)

    def delete_older_than(self, cutoff: float) -> Tuple[int, int]:
        """Delete every event stamped before ``cutoff`` (Unix time).

        Returns (conversations left with no event at all, events deleted). A conversation
        whose every event is older is gone; a long one keeps only its recent events.
        """
        with self.session_scope() as session:
            emptied = session.execute(CONVERSATIONS_ENDING_BEFORE, {"cutoff": cutoff}).scalar() or 0
            deleted = session.execute(DELETE_BEFORE, {"cutoff": cutoff}).rowcount
            session.commit()
        return int(emptied), int(deleted or 0)


def read_event(data: Text) -> Any:
    """An event's stored JSON: ujson reads it in less than half the time (same values on the
    26,069 events of a benchmark's store); what it refuses goes to the standard library."""
    try:
        return ujson.loads(data)
    except ValueError:
        return json.loads(data)


ANY_EVENT = sa.text("SELECT 1 FROM events WHERE sender_id = :sender_id LIMIT 1")
DELETE_CONVERSATION = sa.text("DELETE FROM events WHERE sender_id = :sender_id")
DELETE_BEFORE = sa.text("DELETE FROM events WHERE timestamp < :cutoff")
CONVERSATIONS_ENDING_BEFORE = sa.text(
    "SELECT count(*) FROM (SELECT sender_id FROM events GROUP BY sender_id HAVING max(timestamp) < :cutoff) AS old")


def sql_store(store: Any) -> Optional[QuickSQLTrackerStore]:
    """The ``QuickSQLTrackerStore`` inside Rasa's wrappers (fail-safe, awaitable), if there is one."""
    for _ in range(5):
        if isinstance(store, QuickSQLTrackerStore):
            return store
        store = getattr(store, "_tracker_store", None)
    return None
