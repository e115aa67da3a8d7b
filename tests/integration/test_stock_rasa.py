"""Stock Rasa and Rasa with the serving patches (bot/patches) hold the same conversations.

Plain ``rasa run`` (as ``RASA_STOCK=1 make start`` runs it) and ``python -m bot.serve run``
(as ``make start`` does), on the same model, endpoints, credentials and action server,
are sent the same conversations turn by turn: every conversation of the test stories
(tests/stories: dialogues, the advisor, black credit), a spread of single questions from
the held-out NLU and retrieval sets, and a few messages the channel guard rewrites. Each
turn's replies must be the same, and so must each conversation's stored events: the
intents and entities read, the actions run (with their policy), the slots set. The
confidences of intents and policies may differ in floating-point rounding only.
Prints the timings (the patched server's own share of the time is its gain).
"""

from __future__ import annotations

import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

from bot.patches import PATCHES
from evaluation.bench.messages import load_conversations
from evaluation.servers import BotServers, new_sender

# Both with one Rasa process (worker count changes no answer), and a deadline that a slow
# machine cannot hit: a "hệ thống đang bận" stand-in on one side only is not a difference
# between the two Rasa servers.
SETTINGS = {"SANIC_WORKERS": "1", "ANSWER_DEADLINE_SECONDS": "120"}
SINGLE_QUESTIONS = 40  # spread over the held-out and retrieval sets
GUARDED = [  # rewritten by the channel guard before Rasa (personal number, command, long text)
    ("số CCCD của tôi là 012345678901, tôi muốn vay vốn hộ nghèo",),
    ("/restart", "vay hoc sinh sinh vien lai suat bao nhieu"),
    ("Tôi muốn hỏi về vay vốn. " * 60,),
]
FLOAT_TOLERANCE = 1e-4
# Differ between any two runs: when and by which process an event was stored.
VOLATILE = {"timestamp", "message_id", "model_id", "assistant_id"}


def conversations() -> List[Tuple[str, Sequence[str]]]:
    by_kind = load_conversations()
    chosen = [(kind, c.messages) for kind in ("dialogue", "advisor", "black_credit") for c in by_kind[kind]]
    questions = by_kind["question"]
    step = max(1, len(questions) // SINGLE_QUESTIONS)
    chosen += [("question", c.messages) for c in questions[::step][:SINGLE_QUESTIONS]]
    return chosen + [("guarded", messages) for messages in GUARDED]


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Iterator[Tuple[BotServers, BotServers, float]]:
    """One action server; Rasa with the patches and stock Rasa, started side by side."""
    started = time.monotonic()
    patched = BotServers(tmp_path_factory.mktemp("patched"), extra_env=SETTINGS, stock=False)
    stock = BotServers(tmp_path_factory.mktemp("stock"), extra_env=SETTINGS, stock=True,
                       action_port=patched.action_port)
    try:
        patched.start_actions()
        patched.start_rasa(wait=False)
        stock.start_rasa(wait=False)
        patched.wait_for_rasa()
        stock.wait_for_rasa()
        yield patched, stock, time.monotonic() - started
    finally:
        stock.stop_all()
        patched.stop_all()


def _without_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_volatile(item) for key, item in value.items() if key not in VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(item) for item in value]
    return value


def stored_events(servers: BotServers, sender: str) -> List[Dict[str, Any]]:
    """The conversation's events as the tracker store holds them, without what differs per run."""
    with sqlite3.connect(servers.workdir / "conversations.db") as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [_without_volatile(json.loads(data)) for (data,) in rows]


def difference(ours: Any, theirs: Any, path: str = "") -> Tuple[Optional[str], float]:
    """Where two events first differ (None if nowhere), and their largest float difference."""
    if isinstance(ours, float) and isinstance(theirs, (int, float)):
        gap = abs(ours - theirs)
        return (f"{path}: {ours!r} != {theirs!r}" if gap > FLOAT_TOLERANCE else None), gap
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if ours.keys() != theirs.keys():
            return f"{path}: keys {sorted(ours.keys() ^ theirs.keys())} on one side only", 0.0
        pairs: List[Tuple[Any, Any, str]] = [(ours[k], theirs[k], f"{path}.{k}") for k in ours]
    elif isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} != {len(theirs)} items", 0.0
        pairs = [(a, b, f"{path}[{i}]") for i, (a, b) in enumerate(zip(ours, theirs))]
    else:
        return (None if ours == theirs else f"{path}: {ours!r} != {theirs!r}"), 0.0
    largest = 0.0
    for a, b, where in pairs:
        found, gap = difference(a, b, where)
        largest = max(largest, gap)
        if found:
            return found, largest
    return None, largest


def slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The slot values after these events (as a tracker replays them)."""
    values: Dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            values[event["name"]] = event.get("value")
        elif event.get("event") in ("restart", "reset_slots", "session_started"):
            values.clear()
    return values


def _replies(answer: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [{key: value for key, value in reply.items() if key != "recipient_id"} for reply in answer]


def test_the_comparison_sees_a_changed_slot_and_a_real_confidence_change():
    event = {"event": "slot", "name": "household_tier", "value": "ho_ngheo", "confidence": 0.9532290101}
    assert difference([event], [dict(event, confidence=0.9532290102)]) == (None, pytest.approx(1e-10, abs=1e-12))
    assert difference([event], [dict(event, value="ho_can_ngheo")])[0] == "[0].value: 'ho_ngheo' != 'ho_can_ngheo'"
    assert difference([event], [dict(event, confidence=0.95)])[0].startswith("[0].confidence")
    assert difference([event], [event, event])[0] == ": 1 != 2 items"


def test_stock_and_patched_rasa_answer_alike(pair, capsys):
    patched, stock, start_seconds = pair
    # What each ran: every patch in one, none in the other (plain `rasa run` never imports them).
    assert f"serving patches: {len(PATCHES)} of {len(PATCHES)} applied" in (patched.workdir / "rasa.log").read_text()
    assert "serving patches" not in (stock.workdir / "rasa.log").read_text()
    started = time.monotonic()
    spent = {"patched": 0.0, "stock": 0.0}
    turns, largest_gap = 0, 0.0

    def say(servers: BotServers, name: str, sender: str, text: str) -> List[Dict[str, Any]]:
        began = time.monotonic()
        answer = servers.say(sender, text, timeout=180)
        spent[name] += time.monotonic() - began
        return _replies(answer)

    with ThreadPoolExecutor(2) as pool:
        for kind, messages in conversations():
            sender = new_sender(kind)  # the same id on both servers (separate tracker stores)
            for text in messages:
                ours = pool.submit(say, patched, "patched", sender, text)
                theirs = pool.submit(say, stock, "stock", sender, text)
                assert ours.result() == theirs.result(), f"{kind} conversation, message {text!r}"
                turns += 1
                ours_events, theirs_events = stored_events(patched, sender), stored_events(stock, sender)
                assert slots(ours_events) == slots(theirs_events), f"slots after {text!r}"
            found, gap = difference(stored_events(patched, sender), stored_events(stock, sender), "events")
            assert found is None, f"{kind} conversation {messages!r}: {found}"
            largest_gap = max(largest_gap, gap)
    elapsed = time.monotonic() - started
    with capsys.disabled():  # shown in `make test`'s output
        print(f"\n[stock vs patched] servers up in {start_seconds:.1f} s; {turns} turns in {len(conversations())} "
              f"conversations identical, replayed in {elapsed:.1f} s. Rasa's answering time: patched "
              f"{spent['patched']:.1f} s ({1000 * spent['patched'] / turns:.0f} ms a turn), stock {spent['stock']:.1f} s "
              f"({1000 * spent['stock'] / turns:.0f} ms a turn), both at once on this machine's cores; "
              f"largest confidence difference {largest_gap:.1e}")
