"""Black-credit conversations through the REST channel."""

from __future__ import annotations

import uuid

from knowledge.answering import SOURCE_PREFIX


def texts(replies) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_victim_gets_the_real_rate_the_law_and_a_way_to_the_advisor(bot, tables):
    replies = bot.say(f"bc-{uuid.uuid4().hex[:8]}", "e vay app 5 triệu sau 7 ngày nó đòi 15 triệu, gọi điện khủng bố cả nhà e")
    reply = texts(replies)
    assert "10.428,6%" in reply  # (15 − 5) / 5 × 365 / 7, shown as the citizen reads it
    assert tables.figure("facts", "civil_interest_cap").text in reply
    assert SOURCE_PREFIX in reply
    assert any(b["payload"].startswith("Tôi có được vay") for r in replies for b in r.get("buttons") or [])


def test_missing_number_is_asked_then_used(bot):
    sender = f"bc-{uuid.uuid4().hex[:8]}"
    first = texts(bot.say(sender, "em vay app 5 triệu giờ nó bắt trả 15 triệu, bị dọa nạt"))
    assert "bao lâu" in first
    second = texts(bot.say(sender, "sau 7 ngày"))
    assert "10.428,6%" in second
