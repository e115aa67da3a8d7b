"""A figure the citizen heard and asks to confirm (knowledge/premises.py): the reply sets it
right first instead of a "Có." that reads as confirming it."""

from __future__ import annotations

import pytest

from knowledge.premises import premise_at_odds, with_premise_checked
from knowledge.tables import PolicyTables

RATE_ANSWER = "Có. Cơ sở này được vay bằng lãi suất cho vay hộ nghèo: 6,24%/năm (0,52%/tháng)."
HISTORY_ANSWER = "Lãi suất hộ nghèo hiện là 6,24%/năm. Trước ngày 01/12/2025, mức này là 6,6%/năm."
AMOUNT_ANSWER = "Người lao động được vay tối đa 200 triệu đồng."


@pytest.fixture(scope="module")
def tables() -> PolicyTables:
    return PolicyTables.load()


def test_a_rate_heard_that_the_answer_contradicts_turns_the_yes(tables):
    message = "Tôi nghe nói cơ sở dùng nhiều lao động khuyết tật được vay lãi chỉ bằng 50% mức thường, có phải không?"
    reply = with_premise_checked(message, RATE_ANSWER, tables, "rates")
    assert reply is not None and reply.startswith("Có, nhưng") and "«50%»" in reply.split(".")[0]
    assert "6,24%/năm" in reply and not reply.startswith("Có.")


def test_an_old_rate_is_named_as_old_even_when_the_answer_recalls_it(tables):
    reply = with_premise_checked("nghe noi ho ngheo vay lai 6,6% phai ko", HISTORY_ANSWER, tables, "rates")
    assert reply is not None and reply.startswith("«6,6%» là mức cũ")


@pytest.mark.parametrize("message", [
    "Hộ nghèo vay lãi 6,24% phải không?",  # the figure in force
    "lãi hộ nghèo 0,52%/tháng đúng không",  # the same rate, per month
    "Hộ nghèo vay lãi bao nhiêu?",  # no figure heard
    "Tôi vay 50 triệu, lãi 6,24%, mỗi tháng trả bao nhiêu?",  # nothing asked to be confirmed
    "Hồi trước nghe bảo lãi 7% phải không?",  # told as the past
    "Lúc đầu lãi 4,8% rồi năm ngoái lên 6,6%. Nay nghe nói lãi đã giảm, khoản vay cũ có được giảm không?",
])
def test_nothing_to_set_right(tables, message):
    assert premise_at_odds(message, HISTORY_ANSWER, tables, "rates") is None


def test_an_amount_heard_is_checked_against_a_ceiling_answer_only(tables):
    message = "Nghe nói người lao động được vay tạo việc làm tới 300 triệu, có đúng không?"
    reply = with_premise_checked(message, AMOUNT_ANSWER, tables, "limits_terms")
    assert reply is not None and reply.startswith("Con số «300 triệu»") and reply.endswith(AMOUNT_ANSWER)
    assert "mức chung" in reply.split(".")[0]  # a province may lend more from its own budget
    assert premise_at_odds(message, AMOUNT_ANSWER, tables, "eligibility") is None


def test_a_rate_heard_in_words_is_still_a_rate(tables):
    """"6,6 phần trăm" is a rate told in words: named as old, never as an amount."""
    premise = premise_at_odds("nghe nói hộ nghèo vay lãi 6,6 phần trăm một năm phải không", HISTORY_ANSWER, tables, "rates")
    assert premise is not None and premise.old == premise.heard and not premise.amounts
