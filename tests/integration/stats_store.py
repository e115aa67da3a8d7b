"""Conversations of the test sets replayed into a tracker store, with what was replayed (issue 16).

Writes Rasa's ``events`` table (the columns and JSON events ``SQLTrackerStore`` writes)
through SQLAlchemy, on SQLite or PostgreSQL, for a bounded number of conversations
drawn from the load benchmark's mix (held-out NLU sets, retrieval questions, test
stories) and the loan calculator's cases. Each message gets an outcome as the bot would store it: an FAQ answer (with
``last_answer_id``), a passage, «chưa chắc chắn», the fallback, no reply or a late one
(the guard's "busy"), the loan calculator's reply for a described loan, 👍/👎 from the
web widget. The personal-data cases of ``tests/data/bad_input_cases.yml`` are stored
*unmasked* as unanswered questions, as if an older version had stored them, so the
statistics must mask them again. ``Replayed`` keeps the expected figures, counted
while writing, for the tests to compare with the page and the reports.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Dict, List, Optional

import sqlalchemy as sa
import yaml

from vntext.pii import mask_personal_data
from knowledge.black_credit import CRIMINAL_THRESHOLD, assess
from knowledge.clock import VIETNAM
from knowledge.tables import PolicyTables
from evaluation.bench.messages import ConversationMix
from tests.unit.test_loan_calculator import CASES as LOAN_CASES

TESTS_DIR = Path(__file__).resolve().parents[1]
CHANNELS = (("web", 0.5), ("zalo", 0.35), ("rest", 0.15))
# A question the bot does not know, asked in several ways (grouped by meaning on the page).
UNKNOWN_GROUPS = (
    ("Ngân hàng chính sách có cho vay mua xe máy không?", "vay mua xe may o ngan hang chinh sach duoc khong",
     "Tôi muốn vay tiền mua xe máy thì có được không?"),
    ("Làm sao để được cấp thẻ bảo hiểm y tế cho hộ nghèo?", "the bao hiem y te ho ngheo lam the nao",
     "Hộ nghèo làm thẻ bảo hiểm y tế ở đâu?"),
)
OUTCOME_WEIGHTS = (("faq", 0.66), ("passage", 0.08), ("unsure", 0.1), ("fallback", 0.06), ("unavailable", 0.02),
                   ("silent", 0.04), ("late", 0.04))


def personal_cases() -> List[dict]:
    cases = yaml.safe_load((TESTS_DIR / "data" / "bad_input_cases.yml").read_text(encoding="utf-8"))
    return [c for c in cases if c.get("personal") and isinstance(c.get("message"), str)]


def events_table(metadata: sa.MetaData) -> sa.Table:
    """Rasa 3.6's ``events`` table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent)."""
    return sa.Table(
        "events", metadata,
        sa.Column("id", sa.Integer, sa.Sequence("events_seq"), primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float),
        sa.Column("intent_name", sa.String(255)),
        sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )


@dataclass
class Replayed:
    """What was written, counted for the period (the conversations outside it are not counted)."""

    start: date
    end: date
    messages: int = 0
    conversations: int = 0
    by_channel: Counter = field(default_factory=Counter)
    by_day: Counter = field(default_factory=Counter)  # date -> messages
    outcomes: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)
    feedback: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    criminal_weeks: Counter = field(default_factory=Counter)  # Monday -> conversations
    victim_weeks: Counter = field(default_factory=Counter)
    either_weeks: Counter = field(default_factory=Counter)
    rates: List[float] = field(default_factory=list)
    unanswered: int = 0
    personal_texts: List[str] = field(default_factory=list)  # what must never be shown unmasked


class Writer:
    def __init__(self, url: str):
        self.engine = sa.create_engine(url)
        metadata = sa.MetaData()
        self.table = events_table(metadata)
        metadata.create_all(self.engine)
        self.rows: List[dict] = []

    def add(self, sender: str, event: dict) -> None:
        self.rows.append({
            "sender_id": sender, "type_name": event["event"], "timestamp": event["timestamp"],
            "intent_name": ((event.get("parse_data") or {}).get("intent") or {}).get("name"),
            "action_name": event.get("name") if event["event"] == "action" else None,
            "data": json.dumps(event, ensure_ascii=False),
        })

    def flush(self) -> None:
        with self.engine.begin() as connection:
            for start in range(0, len(self.rows), 2000):
                connection.execute(self.table.insert(), self.rows[start:start + 2000])
        self.rows = []
        self.engine.dispose()


def replay(url: str, month: date, conversations: int = 2000, tables: Optional[PolicyTables] = None,
           topics_of: Optional[Dict[str, str]] = None, seed: int = 16) -> Replayed:
    """Write ``conversations`` conversations in ``month`` (plus a few just outside it) into the store at ``url``."""
    tables = tables or PolicyTables.load()
    topics_of = topics_of or {}
    entry_ids = sorted(topics_of)
    rng = random.Random(seed)
    mix = ConversationMix.ours(seed)
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    expected = Replayed(first, last)
    threshold = float(tables.figure("facts", CRIMINAL_THRESHOLD).value or 100.0)
    writer = Writer(url)
    start_ts = datetime(first.year, first.month, first.day, 1, tzinfo=VIETNAM).timestamp()
    span = (last - first).days * 86400 + 20 * 3600

    def pick(weights) -> str:
        return rng.choices([k for k, _ in weights], [w for _, w in weights])[0]

    plans = []
    for number in range(conversations):
        conversation = mix.draw()
        plans.append((conversation.kind, list(conversation.messages), start_ts + rng.random() * span, True))
    loans = [text for text, _ in LOAN_CASES if (assess(text, tables).annual_rate or 0) > threshold]
    loans.append("e vay app 5 triệu sau 7 ngày nó đòi 15 triệu, gọi điện khủng bố cả nhà e")  # the REST test's
    for number in range(max(1, conversations // 25)):  # a loan described in full, or in two messages
        text = rng.choice(loans)
        plans.append(("black_credit", [text], start_ts + rng.random() * span, True))
    plans.append(("black_credit", ["em vay app 5 triệu giờ nó bắt trả 15 triệu, bị dọa nạt", "sau 7 ngày"],
                  start_ts + rng.random() * span, True))
    for group in UNKNOWN_GROUPS:  # the same unknown question asked in several ways
        for repeat in range(24):
            plans.append(("unknown", [group[repeat % len(group)]], start_ts + rng.random() * span, True))
    for case in personal_cases():  # stored unmasked, several times: they reach the top unanswered questions
        expected.personal_texts.append(case["message"])
        for _ in range(3):
            plans.append(("personal", [case["message"]], start_ts + rng.random() * span, True))
    outside = [datetime(first.year, first.month, first.day, tzinfo=VIETNAM).timestamp() - 3600,
               datetime(last.year, last.month, last.day, tzinfo=VIETNAM).timestamp() + 86400 + 3600]
    for at in outside:  # the hour before and after the month: never counted
        plans.append(("question", ["Lãi suất cho vay hộ nghèo là bao nhiêu?"], at, False))

    for kind, messages, at, inside in plans:
        channel = pick(CHANNELS)
        sender = {"web": f"web-{uuid.UUID(int=rng.getrandbits(128)).hex}", "zalo": f"zalo-{rng.getrandbits(40)}",
                  "rest": f"rest-{rng.getrandbits(40)}"}[channel]
        criminal_weeks, victim_weeks = set(), set()
        pending = None  # a loan described without all its numbers (the action's pending_loan slot)
        for position, raw in enumerate(messages):
            at += rng.uniform(5, 90)
            day = datetime.fromtimestamp(at, VIETNAM).date()
            week = day - timedelta(days=day.weekday())
            text = raw if kind == "personal" else mask_personal_data(raw).text  # the channels mask; see above
            intent = "ask_interest_rate"
            if kind == "black_credit" and position == 0:
                intent = "black_credit_victim" if rng.random() < 0.6 else "ask_black_credit"
            outcome = {"unknown": "unsure", "personal": "unsure"}.get(kind) or pick(OUTCOME_WEIGHTS)
            if outcome == "fallback":
                intent = "nlu_fallback"
            writer.add(sender, {"event": "user", "timestamp": at, "text": text, "input_channel": channel,
                                "message_id": uuid.UUID(int=rng.getrandbits(128)).hex, "metadata": {},
                                "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": [],
                                               "text": text}})
            writer.add(sender, {"event": "user_featurization", "timestamp": at, "use_text_for_featurization": False})
            assessment = None
            if kind == "black_credit":
                described = f"{pending} {text}" if pending else text
                assessment = assess(described, tables)
                if pending and (assessment is None or assessment.annual_rate is None):
                    assessment = None
                pending = described if assessment is not None and assessment.asks_for_number else None
            criminal = bool(assessment and assessment.annual_rate and assessment.annual_rate > threshold)
            if criminal and outcome in ("silent", "late", "unavailable", "fallback"):
                outcome = "faq"
            reply_at = at + (rng.uniform(6, 30) if outcome == "late" else rng.uniform(0.2, 2.5))
            action = "action_default_fallback" if outcome == "fallback" else "action_answer_knowledge"
            writer.add(sender, {"event": "action", "timestamp": reply_at - 0.1, "name": action, "policy": "RulePolicy",
                                "confidence": 1.0})
            bot_texts: List[str] = []
            answer_id = None
            if criminal:
                bot_texts.append(assessment.text + "\n\nNguồn: " + "; ".join(assessment.sources))
            if outcome == "fallback":
                bot_texts.append("Xin lỗi, tôi chưa hiểu ý anh/chị. Anh/chị hỏi lại ngắn gọn giúp tôi nhé.")
            elif outcome == "unsure":
                bot_texts.append("Tôi chưa chắc chắn về câu hỏi này. Có phải anh/chị muốn hỏi: …")
            elif outcome == "unavailable":
                bot_texts.append("Xin lỗi, phần tra cứu đang gián đoạn.")
            elif outcome in ("faq", "late"):
                answer_id = rng.choice(entry_ids) if entry_ids else None
                bot_texts.append(f"Trả lời theo mục {answer_id} (lần {rng.getrandbits(16)}).\n\nNguồn: Quyết định …")
            elif outcome == "passage":
                bot_texts.append(f"Theo văn bản … (đoạn {rng.getrandbits(16)}).")
            if outcome != "silent":
                for offset, bot_text in enumerate(bot_texts):
                    writer.add(sender, {"event": "bot", "timestamp": reply_at + offset * 0.01, "text": bot_text,
                                        "data": {}, "metadata": {}})
            kind_value = {"faq": "faq", "late": "faq", "passage": "passage", "unsure": "unsure",
                          "unavailable": "unavailable"}.get(outcome)
            if kind_value and outcome != "silent":
                writer.add(sender, {"event": "slot", "timestamp": reply_at + 0.05, "name": "answer_kind",
                                    "value": kind_value})
                if kind_value == "faq" and answer_id:
                    writer.add(sender, {"event": "slot", "timestamp": reply_at + 0.06, "name": "last_answer_id",
                                        "value": answer_id})
            writer.add(sender, {"event": "action", "timestamp": reply_at + 0.1, "name": "action_listen"})
            rating = None
            if channel == "web" and bot_texts and outcome != "silent" and rng.random() < 0.25:
                rating = "up" if rng.random() < 0.7 else "down"
                at = reply_at + rng.uniform(3, 20)
                writer.add(sender, {"event": "slot", "timestamp": at, "name": "answer_feedback",
                                    "value": {"rating": rating, "bot_text": bot_texts[-1]}})
            if not inside:
                continue
            expected.messages += 1
            expected.by_channel[channel] += 1
            expected.by_day[day] += 1
            counted = {"faq": "answered", "passage": "answered", "unsure": "unsure", "fallback": "fallback",
                       "unavailable": "busy", "silent": "busy", "late": "busy"}[outcome]
            expected.outcomes[counted] += 1
            if counted in ("unsure", "fallback"):
                expected.unanswered += 1
            if kind_value == "faq" and answer_id:
                expected.topics[topics_of[answer_id]] += 1
            if rating:
                topic = topics_of.get(answer_id, "") if kind_value == "faq" and answer_id else ""
                expected.feedback[topic][rating] += 1
            if criminal:
                criminal_weeks.add(week)
                expected.rates.append(assessment.annual_rate)
            if intent == "black_credit_victim":
                victim_weeks.add(week)
        if inside:
            expected.conversations += 1
            for week in criminal_weeks:
                expected.criminal_weeks[week] += 1
            for week in victim_weeks:
                expected.victim_weeks[week] += 1
            for week in criminal_weeks | victim_weeks:
                expected.either_weeks[week] += 1
    writer.flush()
    return expected
