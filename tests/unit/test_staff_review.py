"""The review queue reads Rasa's tracker store and shows flagged conversations with numbers masked."""

from __future__ import annotations

import json
import sqlite3
import time

from staff.review import conversation_from_events, review_queue

NOW = time.time()


def user(text, intent="ask_interest_rate", at=NOW):
    return {"event": "user", "timestamp": at, "text": text, "parse_data": {"intent": {"name": intent}}}


def bot(text, at=NOW):
    return {"event": "bot", "timestamp": at, "text": text}


def slot(name, value, at=NOW):
    return {"event": "slot", "timestamp": at, "name": name, "value": value}


def test_unsure_answers_fallbacks_and_thumbs_down_are_flagged_on_the_question():
    events = [
        user("vay mua xe máy được không", "nlu_fallback"), bot("Tôi chưa đủ chắc chắn"), slot("answer_kind", "unsure"),
        user("lãi suất hộ nghèo"), bot("Hộ nghèo vay 6,6%/năm"), slot("answer_kind", "faq"),
        user("cảm ơn", "thank"), bot("Không có gì ạ"),
        slot("answer_feedback", {"rating": "down", "bot_text": "Hộ nghèo vay 6,6%/năm"}),
        user("xyz"), {"event": "action", "timestamp": NOW, "name": "action_default_fallback"},
    ]
    conversation = conversation_from_events("0912345678", events)
    reasons = [(flag.reason, flag.question) for flag in conversation.flags]
    assert reasons == [
        ("nlu_fallback", "vay mua xe máy được không"), ("unsure", "vay mua xe máy được không"),
        ("thumbs_down", "lãi suất hộ nghèo"), ("default_fallback", "xyz"),
    ]
    assert "0912345678" not in conversation.key
    assert not conversation_from_events("a", [user("lãi suất"), slot("answer_kind", "faq")]).flags


def test_feedback_stored_as_json_text_is_read_too():
    events = [user("hỏi"), bot("đáp"), slot("answer_feedback", json.dumps({"rating": "down", "bot_text": "đáp"}))]
    assert [f.reason for f in conversation_from_events("a", events).flags] == ["thumbs_down"]


def test_personal_numbers_are_masked_in_the_queue(tmp_path):
    db_path = tmp_path / "conversations.db"
    with sqlite3.connect(db_path) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
                   "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)")
        rows = [
            ("s1", user("số tôi 0912345678, cccd 001099012345 vay được không", "nlu_fallback")),
            ("s1", bot("Tôi chưa đủ chắc chắn")), ("s1", slot("answer_kind", "unsure")),
            ("s2", user("xin chào", "greet")), ("s2", bot("Chào anh/chị")),
            ("s3", user("cũ", "nlu_fallback", at=NOW - 40 * 86400)),
        ]
        for sender, event in rows:
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            db.execute("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (sender, event["event"], event["timestamp"], intent,
                                                     event.get("name") if event["event"] == "action" else None,
                                                     json.dumps(event, ensure_ascii=False)))
    queue = review_queue(db_path, days=14)
    assert len(queue) == 1
    shown = "\n".join(turn.text for turn in queue[0].turns) + "\n".join(f.question for f in queue[0].flags)
    assert "0912345678" not in shown and "001099012345" not in shown
    assert "[số điện thoại đã ẩn]" in shown
    assert review_queue(tmp_path / "missing.db") == []
