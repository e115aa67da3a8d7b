"""The quick SQL tracker store stores and reads exactly what Rasa's own SQL store does."""

from __future__ import annotations

import asyncio
from typing import List

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores.tracker_store import QuickSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, hoi_lai_suat]
slots:
  household_tier: {type: text, mappings: [{type: custom}]}
""")


LOOP = asyncio.new_event_loop()  # its own: other tests may leave no current loop


def run(coroutine):
    return LOOP.run_until_complete(coroutine)


def session(start: float, tier: str, text: str) -> List[Event]:
    """One conversation session: its start, a user message, an action and a slot."""
    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.1),
        ActionExecuted("action_listen", timestamp=start + 0.2),
        UserUttered(text, {"name": "hoi_lai_suat", "confidence": 0.9}, timestamp=start + 1),
        SlotSet("household_tier", tier, timestamp=start + 2),
        ActionExecuted("action_answer_knowledge", timestamp=start + 3),
    ]


def rows(path) -> List[tuple]:
    import sqlite3

    return sqlite3.connect(path).execute(
        "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
    ).fetchall()


def save_in_steps(store, sender: str, batches: List[List[Event]]) -> None:
    """Save after each batch, reading the tracker back first, as Rasa does per message."""
    for batch in batches:
        tracker = run(store.retrieve(sender)) or DialogueStateTracker(sender, DOMAIN.slots)
        for event in batch:
            tracker.update(event)
        run(store.save(tracker))


BATCHES = [session(1000.0, "ho_ngheo", "lãi suất hộ nghèo")[:4], session(1000.0, "ho_ngheo", "x")[4:],
           session(5000.0, "ho_can_ngheo", "còn cận nghèo thì sao"), [SlotSet("household_tier", None, 5010.0)]]


def test_same_rows_as_rasas_store(tmp_path):
    rasa_store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    quick_store = QuickSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "quick.db"))
    save_in_steps(rasa_store, "c", BATCHES)
    save_in_steps(quick_store, "c", BATCHES)
    assert rows(tmp_path / "quick.db") == rows(tmp_path / "rasa.db")
    assert len(rows(tmp_path / "quick.db")) == 4 + 2 + 6 + 1, "each event stored once"


def test_reads_like_rasas_store_current_session_and_full_history(tmp_path):
    path = str(tmp_path / "shared.db")
    save_in_steps(SQLTrackerStore(DOMAIN, dialect="sqlite", db=path), "c", BATCHES[:3])
    rasa_store, quick_store = (SQLTrackerStore(DOMAIN, dialect="sqlite", db=path),
                               QuickSQLTrackerStore(DOMAIN, dialect="sqlite", db=path))
    for method in ("retrieve", "retrieve_full_tracker"):
        ours, theirs = run(getattr(quick_store, method)("c")), run(getattr(rasa_store, method)("c"))
        assert ours.current_state() == theirs.current_state(), method
        assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in theirs.events], method
    current = run(quick_store.retrieve("c"))
    assert current.get_slot("household_tier") == "ho_can_ngheo"
    assert len(current.events) == 5, "the current session only, from its SessionStarted on"
    assert run(quick_store.retrieve("nobody")) is None


def test_continues_a_conversation_rasas_store_began(tmp_path):
    path = str(tmp_path / "shared.db")
    save_in_steps(SQLTrackerStore(DOMAIN, dialect="sqlite", db=path), "c", BATCHES[:3])
    save_in_steps(QuickSQLTrackerStore(DOMAIN, dialect="sqlite", db=path), "c", BATCHES[3:])
    tracker = run(SQLTrackerStore(DOMAIN, dialect="sqlite", db=path).retrieve_full_tracker("c"))
    assert len(tracker.events) == 13 and tracker.get_slot("household_tier") is None


def save_one_tracker_repeatedly(store, sender: str, batches: List[List[Event]], copy_at: int) -> None:
    """Read once, then save the same tracker after each batch (as Rasa may within one message);
    from batch ``copy_at`` on, a copy of it is saved instead (whose count the store must not trust)."""
    tracker = run(store.retrieve(sender)) or DialogueStateTracker(sender, DOMAIN.slots)
    for number, batch in enumerate(batches):
        if number == copy_at:
            tracker = tracker.copy()
        for event in batch:
            tracker.update(event)
        run(store.save(tracker))


def test_the_remembered_count_stores_what_rasas_store_stores(tmp_path):
    """Saves of the tracker read, again after more events, of a copy and across a new session."""
    for copy_at in (1, 3, 99):
        rasa_path, quick_path = tmp_path / f"rasa{copy_at}.db", tmp_path / f"quick{copy_at}.db"
        for path, store_class in ((rasa_path, SQLTrackerStore), (quick_path, QuickSQLTrackerStore)):
            store = store_class(DOMAIN, dialect="sqlite", db=str(path))
            save_in_steps(store, "c", BATCHES[:1])
            save_one_tracker_repeatedly(store, "c", BATCHES[1:] + [[SlotSet("household_tier", "x", 5020.0)]], copy_at)
        assert rows(quick_path) == rows(rasa_path), copy_at
