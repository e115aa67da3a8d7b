"""A citizen's rights over their conversation, end to end through REST and the web widget's endpoints.

Luật Bảo vệ dữ liệu cá nhân (Luật số 91/2025/QH15): told what is kept at the first
contact, able to see it and to have it deleted (after a confirmation).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Dict, List

import requests

from bot.channels.privacy import CONFIRM_BUTTONS, CONFIRM_QUESTION, KEPT, notice_text
from evaluation.servers import BotServers, texts

RATE_QUESTION = "Lãi suất cho vay hộ nghèo là bao nhiêu?"


def stored(bot: BotServers, sender: str) -> List[Dict]:
    with sqlite3.connect(bot.workdir / "conversations.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def web_sender() -> str:
    return "web-" + uuid.uuid4().hex


def test_the_first_answer_ends_with_the_notice_once(bot):
    sender = web_sender()
    first = bot.say(sender, RATE_QUESTION)
    assert first[-1]["text"] == notice_text() and len(first) >= 2
    assert notice_text() not in texts(bot.say(sender, "còn hộ cận nghèo thì sao"))


def test_no_keeps_the_conversation_and_yes_deletes_it_everywhere(bot):
    sender = web_sender()
    bot.say(sender, RATE_QUESTION)
    bot.say(sender, "số điện thoại của tôi 0912345678")
    before = stored(bot, sender)
    assert len([e for e in before if e.get("event") == "user"]) == 2

    asked = bot.say(sender, "xóa dữ liệu của tôi")
    assert asked[0]["text"] == CONFIRM_QUESTION and asked[0]["buttons"] == CONFIRM_BUTTONS
    assert texts(bot.say(sender, "Không")) == KEPT
    assert stored(bot, sender) == before, "«Không» keeps everything; privacy messages are not stored"

    shown = texts(bot.say(sender, "xem dữ liệu của tôi"))
    assert "2 của anh/chị" in shown and "0912345678" not in shown and "[số điện thoại đã ẩn]" in shown

    bot.say(sender, "xoa du lieu cua toi")
    done = texts(bot.say(sender, "Có"))
    assert "đã xóa" in done
    assert stored(bot, sender) == [], "no event of the sender is left in the tracker store"
    history = requests.get(f"http://127.0.0.1:{bot.rasa_port}/webhooks/web/history",
                           params={"sender": sender}, timeout=10).json()
    assert history["turns"] == []
    # The conversation starts afresh, with the notice.
    assert bot.say(sender, RATE_QUESTION)[-1]["text"] == notice_text()


def test_the_rasa_server_deletes_old_conversations_by_itself(tmp_path):
    """bot/stores/retention.py runs in the Rasa process (started by the REST channel), here after 2 s."""
    import time

    from evaluation.servers import running_bot

    db = tmp_path / "conversations.db"
    with sqlite3.connect(db) as seed:  # Rasa's table, as its SQL tracker store creates it
        seed.execute("CREATE TABLE events (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                     "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                     "action_name VARCHAR(255), data TEXT)")
        for sender, age_days in (("web-old", 400), ("web-recent", 3)):
            at = time.time() - age_days * 86400
            seed.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
                         (sender, at, json.dumps({"event": "user", "timestamp": at, "text": "câu hỏi"})))
    with running_bot(tmp_path, extra_env={"RETENTION_FIRST_RUN_SECONDS": "2"}) as bot:
        deadline = time.time() + 60
        while stored(bot, "web-old") and time.time() < deadline:
            time.sleep(1)
        assert stored(bot, "web-old") == [], "older than 365 days: deleted"
        assert len(stored(bot, "web-recent")) == 1, "recent: kept"
