"""Black-credit conversations through the REST channel."""

from __future__ import annotations

from knowledge.answering import SOURCE_PREFIX
from evaluation.servers import new_sender, texts


def test_victim_gets_the_real_rate_the_law_and_a_way_to_the_advisor(bot, tables):
    replies = bot.say(new_sender("bc"), "e vay app 5 triệu sau 7 ngày nó đòi 15 triệu, gọi điện khủng bố cả nhà e")
    reply = texts(replies)
    assert "10.428,6%" in reply  # (15 − 5) / 5 × 365 / 7, shown as the citizen reads it
    assert tables.figure("facts", "civil_interest_cap").text in reply
    assert SOURCE_PREFIX in reply
    assert any(b["payload"].startswith("Tôi có được vay") for r in replies for b in r.get("buttons") or [])


def test_missing_number_is_asked_then_used(bot):
    sender = new_sender("bc")
    first = texts(bot.say(sender, "em vay app 5 triệu giờ nó bắt trả 15 triệu, bị dọa nạt"))
    assert "bao lâu" in first
    second = texts(bot.say(sender, "sau 7 ngày"))
    assert "10.428,6%" in second


def test_a_victim_in_despair_hears_support_and_emergency_numbers_first(bot, tables):
    replies = bot.say(new_sender("bc"), "no tin dung den nhieu qua, bon no goi khung bo ca nha, toi khong muon song nua")
    assert tables.figure("facts", "hotline_113").text in replies[0]["text"]
    assert tables.figure("facts", "report_local_police").text in texts(replies), "then the victim advice"
