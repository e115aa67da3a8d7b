"""Issue 13's acceptance through the REST channel: today's figures, both sides of 1/1/2027.

The bot runs with its clock fixed (``POLICY_TODAY``) to 7 December 2026, then its action
server is restarted with the clock on 2 January 2027, the day after the new poverty
standard took effect. Expected figures are the law as published (QĐ 2553/QĐ-TTg,
NĐ 351/2025/NĐ-CP), not read back from the tables under test.
"""

from __future__ import annotations

from typing import Iterator

import pytest

import time

from bot.channels.guard import BUSY_REPLY
from knowledge.answering import SOURCE_PREFIX
from evaluation.servers import BotServers, new_sender, running_bot, texts


@pytest.fixture(scope="module")
def dated_bot(tmp_path_factory) -> Iterator[BotServers]:
    with running_bot(tmp_path_factory.mktemp("dated-bot"), extra_env={"POLICY_TODAY": "2026-12-07"}) as servers:
        yield servers


def _answer_once_ready(bot: BotServers, question: str, seconds: float = 90) -> str:
    """The reply once a restarted action server has loaded its knowledge base."""
    deadline = time.monotonic() + seconds
    while True:
        reply = texts(bot.say(new_sender(), question))
        if BUSY_REPLY not in reply or time.monotonic() > deadline:
            return reply
        time.sleep(2)


@pytest.mark.parametrize("question, expected", [
    ("lai suat vay ho ngheo bn", "6,24%/năm (0,52%/tháng)"),
    ("lãi suất vay hộ cận nghèo là bao nhiêu?", "7,488%/năm"),
    ("lai suat ho moi thoat ngheo bao nhieu", "7,8%/năm"),
    ("lãi suất vay nước sạch vệ sinh môi trường bao nhiêu", "8,4%/năm"),
])
def test_rates_in_force_since_1_december_2025(dated_bot, question, expected):
    reply = texts(dated_bot.say(new_sender(), question))
    assert expected in reply, reply
    assert SOURCE_PREFIX in reply and "2553/QĐ-TTg" in reply, reply
    for superseded in ("6,6%/năm", "7,92%/năm", "8,25%/năm", "9%/năm"):
        assert superseded not in reply.split("Trước ngày")[0], (superseded, reply)


def test_the_advisors_programme_lines_say_the_same(dated_bot):
    reply = texts(dated_bot.say(new_sender(), "nhà tôi hộ cận nghèo muốn vay nuôi bò, có được không?"))
    # 7,92 %/năm is also today's job-creation rate (127 % × 6,24 %); the old near-poor rate read so:
    assert "7,488%/năm" in reply and "7,92%/năm (0,66%/tháng)" not in reply, reply


def test_cost_of_a_legal_loan_at_todays_rate(dated_bot):
    reply = texts(dated_bot.say(new_sender(), "Hộ nghèo vay 50 triệu thì mỗi tháng trả lãi bao nhiêu tiền?"))
    assert "260.000 đồng" in reply, reply  # 50.000.000 × 6,24% : 12


def test_where_to_go_names_the_commune_after_the_merger(dated_bot):
    reply = texts(dated_bot.say(new_sender(), "tôi ở xã Thanh Xá huyện Thanh Hà cũ thì làm hồ sơ vay ở đâu"))
    assert "Thanh Hà" in reply and "Hải Phòng" in reply and "Điểm giao dịch" in reply, reply


def test_poverty_line_before_and_after_1_january_2027(dated_bot):
    before = texts(dated_bot.say(new_sender(), "chuẩn nghèo ở nông thôn bao nhiêu"))
    assert "1,5 triệu" in before and "01/01/2027" in before and "2,2 triệu" in before, before
    dated_bot.stop("actions")
    dated_bot.extra_env["POLICY_TODAY"] = "2027-01-02"
    dated_bot.start_actions()
    after = _answer_once_ready(dated_bot, "chuẩn nghèo ở nông thôn bao nhiêu")
    assert "2,2 triệu" in after, after
    assert "1,5 triệu" not in after or after.index("2,2 triệu") < after.index("1,5 triệu"), "1,5 only as history"
    rate = texts(dated_bot.say(new_sender(), "lai suat vay ho ngheo bn"))
    assert "6,24%/năm" in rate, rate
