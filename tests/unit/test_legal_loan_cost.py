"""The cost of a legal policy loan, at the rate in force on the day asked."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.legal_loan_cost import loan_cost, programme_named
from knowledge.tables import PolicyTables

TODAY = date(2026, 12, 7)
TABLES = PolicyTables.load(clock=lambda: TODAY)


def money(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") + " đồng"


def test_monthly_interest_of_a_poor_household_loan_uses_todays_rate():
    cost = loan_cost("Hộ nghèo vay 50 triệu thì mỗi tháng trả lãi bao nhiêu tiền?", TABLES)
    assert cost is not None
    rate = TABLES.value("ho_ngheo", "rate")
    assert rate == pytest.approx(6.24)
    assert money(round(50_000_000 * rate / 100 / 12, -2)) in cost.text  # 260.000 đồng
    assert cost.figures[0].citation() in TABLES.figure("ho_ngheo", "rate").citation()
    assert "01/12/2025" in cost.text


def test_the_same_question_before_the_rate_cut_uses_the_old_rate():
    before = PolicyTables.load(clock=lambda: date(2025, 11, 30))
    cost = loan_cost("Hộ nghèo vay 50 triệu thì mỗi tháng trả lãi bao nhiêu tiền?", before)
    assert money(round(50_000_000 * 6.6 / 100 / 12, -2)) in cost.text  # 275.000 đồng


def test_a_term_in_the_question_gives_both_totals_unaccented():
    cost = loan_cost("ho can ngheo vay 100tr trong 3 nam thi tra lai bn", TABLES)
    rate = TABLES.value("ho_can_ngheo", "rate")
    assert "36 tháng" in cost.text
    assert money(round(100_000_000 * rate / 100 / 12 * 36, -3)) in cost.text
    assert money(round(100_000_000 * rate / 100 / 12 * 37 / 2, -3)) in cost.text


def test_comparison_with_a_loan_shark_only_when_asked():
    plain = loan_cost("sinh viên vay 20 triệu mỗi tháng trả lãi bao nhiêu", TABLES)
    compared = loan_cost("sinh viên vay 20 triệu mỗi tháng trả lãi bao nhiêu, so với vay nặng lãi thì sao", TABLES)
    assert "nặng lãi" not in plain.text
    assert "nặng lãi" in compared.text and len(compared.figures) == 2


@pytest.mark.parametrize("message", [
    "vay 5 triệu một tuần trả 6 triệu thì lãi bao nhiêu",  # a loan shark's terms: the calculator's job
    "lãi suất hộ nghèo bao nhiêu",  # no amount: the rate answer
    "đề nghị nâng mức cho vay hộ nghèo từ 100 triệu lên 200 triệu",  # a petition, not a cost question
    "vay 50 triệu trả lãi bao nhiêu",  # no programme named
])
def test_not_a_question_about_a_policy_loans_cost(message):
    assert loan_cost(message, TABLES) is None


def test_programme_named_from_tier_or_words():
    assert programme_named("nhà em cận nghèo") == "ho_can_ngheo"
    assert programme_named("con đi học đại học") == "hssv"
