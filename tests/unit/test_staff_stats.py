"""The statistics' reading of one conversation (staff/stats.py) and the page's filters."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from knowledge.clock import VIETNAM
from staff.stats import Period, compute, group_questions, loan_figures
from staff.stats_routes import parse_period
from tests.integration.stats_store import Writer

T0 = datetime(2026, 11, 10, 9, tzinfo=VIETNAM).timestamp()
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def user(at: float, text: str, intent: str = "ask_interest_rate", channel: str = "web") -> dict:
    return {"event": "user", "timestamp": at, "text": text, "input_channel": channel,
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}}}


def bot(at: float, text: str) -> dict:
    return {"event": "bot", "timestamp": at, "text": text}


def slot(at: float, name: str, value: object) -> dict:
    return {"event": "slot", "timestamp": at, "name": name, "value": value}


def store(tmp_path, conversations: dict) -> Path:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    writer = Writer(url)
    for sender, events in conversations.items():
        for event in events:
            writer.add(sender, event)
    writer.flush()
    return tmp_path / "c.db"


def test_outcomes_topics_ratings_and_black_credit_of_stored_turns(tmp_path):
    calc = ("Lãi thật của khoản vay anh/chị kể: khoảng 10.428,6%/năm, … ở mức mà người cho vay có thể bị xử lý "
            "hình sự (…).\nCách tính:\n- Nhận 5.000.000 đồng, sau 7 ngày phải trả 15.000.000 đồng")
    db = store(tmp_path, {
        "web-a": [user(T0, "lãi suất hộ nghèo"), bot(T0 + 1, "6,24%/năm"), slot(T0 + 1, "answer_kind", "faq"),
                  slot(T0 + 1, "last_answer_id", "lai-suat-ho-ngheo"),
                  user(T0 + 60, "số tôi 0912345678 vay mua xe được không"), bot(T0 + 61, "Tôi chưa chắc chắn"),
                  slot(T0 + 61, "answer_kind", "unsure"),
                  user(T0 + 120, "asdf", "nlu_fallback"), {"event": "action", "timestamp": T0 + 121,
                                                          "name": "action_default_fallback"},
                  bot(T0 + 121, "Xin lỗi, tôi chưa hiểu"),
                  user(T0 + 180, "alo"),  # no reply stored: the guard said "busy"
                  user(T0 + 240, "còn hộ cận nghèo"), bot(T0 + 250, "late"),  # later than the deadline: busy
                  slot(T0 + 300, "answer_feedback", {"rating": "down", "bot_text": "6,24%/năm"})],
        "zalo-b": [user(T0, "vay app 5 triệu sau 7 ngày trả 15 triệu", "black_credit_victim", "zalo"),
                   bot(T0 + 1, calc)],
        "zalo-c": [user(datetime(2026, 12, 1, 0, 30, tzinfo=VIETNAM).timestamp(), "ngoài kỳ", channel="zalo")],
    })
    stats = compute(db, NOVEMBER, {"lai-suat-ho-ngheo": "rates"})
    assert stats.messages == 6 and stats.conversations == 2
    assert stats.outcomes == {"answered": 2, "unsure": 1, "fallback": 1, "busy": 2}
    assert stats.topics == {"rates": 1}
    assert stats.feedback == {"rates": {"down": 1}}
    assert stats.by_channel == {"web": 5, "zalo": 1}
    assert stats.unanswered_total == 2
    assert all("0912345678" not in g.example for g in stats.unanswered)
    week = next(w for w in stats.weeks if w.either)
    assert (week.criminal_rate, week.victim, week.either) == (1, 1, 1)
    assert week.rates == [10428.6] and week.amounts == [5_000_000.0]
    zalo = compute(db, Period(NOVEMBER.start, NOVEMBER.end, "zalo"), {})
    assert zalo.messages == 1 and not zalo.feedback


def test_loan_figures_and_grouping_without_embeddings():
    assert loan_figures("Kết quả: khoảng 182,5%/năm, gấp 9 lần") == (182.5, None)  # turns stored before 12/2026
    groups = group_questions(["Vay mua xe máy?", "vay mua xe may?", "Thời tiết?"], encode=None)
    assert [(g.example, g.count) for g in groups] == [("Vay mua xe máy?", 2), ("Thời tiết?", 1)]


def test_the_period_filter_defaults_to_this_month_and_refuses_nonsense():
    today = date(2026, 12, 7)
    assert parse_period({}, today) == (Period(date(2026, 12, 1), date(2026, 12, 31)), "")
    assert parse_period({"month": "2026-02"}, today)[0] == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period({"from": "2026-11-05", "to": "2026-11-01"}, today)[1]
    assert parse_period({"from": "x"}, today)[1]
    period, error = parse_period({"from": "2020-01-01", "to": "2026-11-30", "channel": "<b>"}, today)
    assert error and (period.end - period.start).days == 365 and period.channel == ""
