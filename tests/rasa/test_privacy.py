"""A citizen's rights over their conversation (Luật 91/2025/QH15): notice, see, delete, retention.

The store tests run on SQLite and on PostgreSQL: a throw-away cluster is started on
loopback when the PostgreSQL server binaries are installed (``scripts/scale_out.sh``
installs them) and the tests run as root (the cluster runs as the ``postgres`` user);
otherwise the PostgreSQL cases are skipped, saying why.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels import privacy
from bot.stores import retention, shared_state
from bot.channels.guard import MessageGuard, RateLimiter, answer
from bot.channels.privacy import (
    CONFIRM_BUTTONS,
    CONFIRM_QUESTION,
    KEPT,
    NOT_CONFIRMED,
    NOTHING_KEPT,
    PrivacyDesk,
    request_kind,
)
from bot.stores.tracker_store import QuickSQLTrackerStore, sql_store

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, hoi_lai_suat]
slots:
  answer_feedback: {type: any, mappings: [{type: custom}]}
""")
LOOP = asyncio.new_event_loop()
DAY = 24 * 3600.0


def run(coroutine):
    return LOOP.run_until_complete(coroutine)


# ------------------------------------------------------------------ the phrases
@pytest.mark.parametrize("text, kind", [
    ("xóa dữ liệu của tôi", "delete"),
    ("Xoá dữ liệu của tôi", "delete"),
    ("xoa du lieu cua toi", "delete"),
    ("XOA DU LIEU CUA TOI!!", "delete"),
    ("xoá hết tin nhắn của tôi", "delete"),
    ("xoa het tin nhan cua toi di", "delete"),
    ("tôi muốn xóa dữ liệu cá nhân của mình", "delete"),
    ("làm ơn xóa lịch sử trò chuyện giúp tôi", "delete"),
    ("xóa cuộc trò chuyện này", "delete"),
    ("xem dữ liệu của tôi", "view"),
    ("xem du lieu cua toi", "view"),
    ("cho tôi xem lịch sử trò chuyện", "view"),
    ("xem lại tin nhắn của tôi", "view"),
    ("xóa nợ cho hộ nghèo", None),
    ("hộ nghèo có được xóa nợ không", None),
    ("lãi suất hộ nghèo bao nhiêu", None),
    ("xem thông tin vay vốn", None),
    ("dữ liệu của tôi có an toàn không", None),
    ("Có", None),
])
def test_privacy_requests_are_exact_phrases(text, kind):
    assert request_kind(text) == kind


def test_the_notice_says_what_why_how_long_who_and_how_to_delete(monkeypatch):
    monkeypatch.delenv("CONVERSATION_RETENTION_DAYS", raising=False)
    text = privacy.notice_text()
    for part in ("91/2025/QH15", "lưu nội dung cuộc trò chuyện", "được che", "trả lời", "12 tháng",
                 "thành phố Hải Phòng", "«xem dữ liệu của tôi»", "«xóa dữ liệu của tôi»"):
        assert part in text, part
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "90")
    assert "3 tháng" in privacy.notice_text()


# ------------------------------------------------------------------ stores: SQLite and PostgreSQL
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """A throw-away PostgreSQL cluster on loopback, run as the ``postgres`` user, removed afterwards."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries or os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("PostgreSQL server binaries and root are needed (scripts/scale_out.sh installs them)")
    bin_dir = binaries[-1]
    top = Path(tempfile.mkdtemp(prefix="privacy-pg-", dir="/tmp"))
    top.chmod(0o755)
    data = top / "data"
    data.mkdir()
    shutil.chown(data, "postgres", "postgres")
    as_postgres = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
    subprocess.run(as_postgres + [f"{bin_dir}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                  "--locale=C.UTF-8"], check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(as_postgres + [f"{bin_dir}/postgres", "-D", str(data), "-p", str(port), "-k", str(data),
                                             "-c", "listen_addresses=127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run([f"{bin_dir}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)]).returncode == 0:
                break
            time.sleep(0.2)
        subprocess.run([f"{bin_dir}/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-qc",
                        "CREATE DATABASE rasa"], check=True, capture_output=True)
        yield {"host": "127.0.0.1", "port": port, "db": "rasa", "username": "postgres"}
    finally:
        try:
            server.send_signal(signal.SIGINT)  # fast shutdown: the stores' pooled connections are cut
            server.wait(timeout=60)
        finally:
            shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return QuickSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "conversations.db"))
    settings = request.getfixturevalue("postgres_url")
    created = QuickSQLTrackerStore(DOMAIN, dialect="postgresql", **settings)
    with created.session_scope() as session:
        session.execute(created.SQLEvent.__table__.delete())
        session.commit()
    return created


def save_turn(store: QuickSQLTrackerStore, sender: str, text: str, at: float, reply: str = "Lãi suất là …") -> None:
    run(store_turn(store, sender, text, at, reply))


async def store_turn(store: QuickSQLTrackerStore, sender: str, text: str, at: float, reply: str) -> None:
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
    if not tracker.events:
        tracker.update(ActionExecuted("action_session_start", timestamp=at - 1))
        tracker.update(SessionStarted(timestamp=at - 0.9))
        tracker.update(ActionExecuted("action_listen", timestamp=at - 0.8))
    tracker.update(UserUttered(text, {"name": "hoi_lai_suat", "confidence": 0.9}, timestamp=at))
    tracker.update(BotUttered(reply, timestamp=at + 0.5))
    tracker.update(ActionExecuted("action_listen", timestamp=at + 0.6))
    await store.save(tracker)


def events_of(store: QuickSQLTrackerStore, sender: str) -> List[Dict[str, Any]]:
    return store.conversation_events(sender)


def test_deleting_a_conversation_leaves_no_event_of_it(store):
    now = time.time()
    save_turn(store, "web-a", "lãi suất hộ nghèo", now)
    save_turn(store, "web-a", "SĐT [số điện thoại đã ẩn]", now + 10)
    save_turn(store, "web-b", "xin chào", now)
    assert run(store.exists("web-a")) and len(events_of(store, "web-a")) == 9
    assert store.delete_conversation("web-a") == 9
    assert events_of(store, "web-a") == [] and not run(store.exists("web-a"))
    assert run(store.retrieve_full_tracker("web-a")) is None
    assert len(events_of(store, "web-b")) == 6, "another citizen's conversation is kept"


def test_retention_deletes_old_events_and_keeps_recent_ones(store):
    now = time.time()
    save_turn(store, "old", "câu hỏi năm ngoái", now - 400 * DAY)
    save_turn(store, "both", "câu hỏi cũ", now - 380 * DAY)
    save_turn(store, "both", "câu hỏi mới", now - 2 * DAY)
    save_turn(store, "recent", "câu hỏi hôm qua", now - DAY)
    emptied, deleted = retention.purge(store, days=365, now=now)
    assert emptied == 1 and deleted == 6 + 6
    assert events_of(store, "old") == []
    kept = [e.get("text") for e in events_of(store, "both") if e.get("event") == "user"]
    assert kept == ["câu hỏi mới"]
    assert len(events_of(store, "recent")) == 6
    assert retention.purge(store, days=0, now=now) == (0, 0), "0 days keeps everything"


def test_retention_runs_as_a_module_on_the_servers_endpoints(tmp_path):
    db = tmp_path / "conversations.db"
    store = QuickSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db))
    save_turn(store, "old", "câu hỏi cũ", time.time() - 400 * DAY)
    save_turn(store, "recent", "câu hỏi mới", time.time() - DAY)
    done = subprocess.run([sys.executable, "-m", "bot.stores.retention", "--endpoints", str(ROOT / "endpoints.yml")],
                          cwd=ROOT, env=dict(os.environ, TRACKER_DB=str(db), CONVERSATION_RETENTION_DAYS="365"),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "6 events deleted, 1 conversations" in done.stdout
    assert events_of(store, "old") == [] and len(events_of(store, "recent")) == 6


# ------------------------------------------------------------------ the desk through the guard
class Citizen:
    """One citizen talking through the guard to a fake Rasa that stores each turn."""

    def __init__(self, store: QuickSQLTrackerStore, sender: str = "web-" + "c" * 32) -> None:
        self.store, self.sender = store, sender
        self.agent = SimpleNamespace(tracker_store=store, processor=SimpleNamespace(lock_store=InMemoryLockStore()))
        self.desk = PrivacyDesk(lambda: self.agent)
        self.guard = MessageGuard(RateLimiter(600, 100))
        self.rasa_saw: List[str] = []

    def say(self, text: str) -> List[Dict[str, Any]]:
        async def run_rasa(screened: str, collector: CollectingOutputChannel) -> None:
            self.rasa_saw.append(screened)
            await store_turn(self.store, self.sender, screened, time.time(), "Trả lời")
            await collector.send_text_message(self.sender, "Trả lời")

        return run(answer(self.guard.screen(text, self.sender), self.sender, run_rasa, CollectingOutputChannel(),
                          privacy=self.desk))

    def texts(self, text: str) -> List[str]:
        return [reply.get("text", "") for reply in self.say(text)]


@pytest.fixture
def citizen(tmp_path, monkeypatch):
    monkeypatch.setattr(shared_state, "_SHARED", shared_state.SQLiteState(tmp_path / "channel_state.db"))
    return Citizen(QuickSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "conversations.db")))


def test_the_notice_comes_once_after_the_first_answer(citizen):
    first = citizen.texts("lãi suất hộ nghèo bao nhiêu")
    assert first == ["Trả lời", privacy.notice_text()]
    assert citizen.texts("còn cận nghèo thì sao") == ["Trả lời"]
    assert citizen.texts("cảm ơn") == ["Trả lời"]


def test_delete_asks_first_and_no_keeps_everything(citizen):
    citizen.say("lãi suất hộ nghèo bao nhiêu")
    before = events_of(citizen.store, citizen.sender)
    replies = citizen.say("xoa du lieu cua toi")
    assert [r["text"] for r in replies] == [CONFIRM_QUESTION] and replies[0]["buttons"] == CONFIRM_BUTTONS
    assert citizen.texts("Không") == [KEPT]
    assert events_of(citizen.store, citizen.sender) == before, "«Không» keeps everything"
    assert citizen.rasa_saw == ["lãi suất hộ nghèo bao nhiêu"], "privacy messages never reach Rasa"
    assert citizen.texts("Có") == ["Trả lời"], "a «Có» without a pending question is an ordinary message"


def test_confirmed_delete_removes_the_conversation_and_the_channel_state(citizen):
    citizen.say("lãi suất hộ nghèo bao nhiêu")
    citizen.say("CCCD 001203012345 vay được không")
    tracker = run(citizen.store.retrieve(citizen.sender))
    tracker.update(SlotSet("answer_feedback", {"rating": "down", "bot_text": "Trả lời"}))
    run(citizen.store.save(tracker))
    state = shared_state.shared_state()
    state.put(f"options:{citizen.sender}", '["Có"]', 3600)
    assert state.get(f"rate:{citizen.sender}") is not None
    assert citizen.texts("Xoá hết tin nhắn của tôi") == [CONFIRM_QUESTION]
    done = citizen.texts("Có")
    assert len(done) == 1 and "đã xóa" in done[0] and "4 tin nhắn" in done[0] and "1 lượt đánh giá" in done[0], done
    assert events_of(citizen.store, citizen.sender) == [], "no event of the sender is left"
    for key in ("options", "privacy-confirm"):
        assert state.get(f"{key}:{citizen.sender}") is None, key
    assert state.get(f"rate:{citizen.sender}") is not None, "deleting does not reset the rate limit"
    again = citizen.texts("xin chào")
    assert again == ["Trả lời", privacy.notice_text()], "a new conversation gets the notice again"


def test_another_message_cancels_a_pending_delete(citizen):
    citizen.say("lãi suất hộ nghèo bao nhiêu")
    citizen.say("xóa dữ liệu của tôi")
    assert citizen.texts("mức vay tối đa là bao nhiêu") == [NOT_CONFIRMED, "Trả lời"]
    assert citizen.texts("Có") == ["Trả lời"]
    assert len([e for e in events_of(citizen.store, citizen.sender) if e.get("event") == "user"]) == 3


def test_view_shows_counts_dates_and_masked_recent_messages(citizen):
    assert citizen.texts("xem dữ liệu của tôi") == [NOTHING_KEPT]
    citizen.say("lãi suất hộ nghèo bao nhiêu")
    citizen.say("còn cận nghèo thì sao")
    # stored before masking existed: shown masked all the same
    save_turn(citizen.store, citizen.sender, "số tôi 0912345678", time.time())
    text = citizen.texts("xem du lieu cua toi")[0]
    assert "6 tin nhắn (3 của anh/chị, 3 của tôi)" in text, text
    assert time.strftime("%d/%m/%Y") in text or "/" in text
    assert "«còn cận nghèo thì sao»" in text and "0912345678" not in text and "đã ẩn" in text
    assert "12 tháng" in text


def test_sql_store_is_found_inside_rasas_wrappers(tmp_path):
    from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore

    inner = QuickSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "c.db"))
    assert sql_store(FailSafeTrackerStore(AwaitableTrackerStore(inner))) is inner
    assert sql_store(object()) is None
