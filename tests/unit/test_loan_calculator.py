"""The black-credit calculator on the ways people state loans.

Expected yearly rates are worked out here by hand (simple yearly rate: periodic rate
× periods per year; instalment loans by the internal rate of return), independently
of the calculator's code, and compared to 0.1 percentage point.
"""

from __future__ import annotations

import pytest

from knowledge.black_credit import assess
from knowledge.loan_calculator import parse_money, read_loan
from knowledge.tables import PolicyTables

WEEKS = 365 / 7
MONTHS = 12


def irr_annual(received: float, payment: float, count: int, periods_per_year: float) -> float:
    """Reference IRR by Newton's method (a different algorithm from the calculator's)."""
    rate = 0.01
    for _ in range(100):
        value = payment * (1 - (1 + rate) ** -count) / rate - received
        derivative = payment * (count * (1 + rate) ** (-count - 1) / rate - (1 - (1 + rate) ** -count) / rate**2)
        rate -= value / derivative
    return rate * periods_per_year * 100


CASES = [
    # stated rate per period
    ("lãi 5%/tháng", 5 * MONTHS),
    ("vay 10tr lãi 5% một tháng", 60.0),
    ("lai suat 2%/tuan", 2 * WEEKS),
    ("lãi 0,5% một ngày", 0.5 * 365),
    ("lãi 1.5% mỗi ngày", 1.5 * 365),
    ("cho vay lãi 30% một năm", 30.0),
    ("lãi 15 phần trăm mỗi tháng", 15 * 12),
    ("lãi 18%/năm", 18.0),
    # thousand per million per period
    ("3 nghìn 1 triệu 1 ngày", 0.3 * 365),
    ("lai 3k/1tr/ngay", 0.3 * 365),
    ("lãi 2 ngàn trên 1 triệu mỗi ngày", 0.2 * 365),
    ("5k 1 triệu 1 ngày", 0.5 * 365),
    ("10 nghìn một triệu một tuần", 1.0 * WEEKS),
    ("50k/1tr/thang", 5.0 * 12),
    # lump sum after a period
    ("vay app 5 triệu sau 7 ngày đòi 15 triệu", 200 * 365 / 7),
    ("vay 1tr5 sau 2 tuần trả 2 triệu", (0.5 / 1.5) * 100 * WEEKS / 2),
    ("vay 2 triệu rưỡi 1 tuần trả 3 triệu", 20 * WEEKS),
    ("vay 500k tuần sau trả 700k", 40 * WEEKS),
    ("vay 3 củ sau 1 tháng trả 4 củ", (1 / 3) * 100 * 12),
    ("vay 10.000.000đ sau 30 ngày trả 12.000.000đ", 20 * 365 / 30),
    ("vay app 2tr trong 14 ngày phải trả 3tr", 50 * 365 / 14),
    ("vay 4 trieu 10 ngay sau tra 5 trieu", 25 * 365 / 10),
    ("muon 1 trieu mai tra 1 trieu 1", 10 * 365),
    ("vay 20 triệu sau 1 năm trả 23 triệu", 15.0),
    # fees kept back at disbursement
    ("vay 10 triệu nhưng chỉ nhận 8 triệu, sau 30 ngày trả 10 triệu", 25 * 365 / 30),
    ("vay 10 triệu bị trừ phí 1,5 triệu, 1 tháng sau trả 11 triệu", (2.5 / 8.5) * 100 * 12),
    ("vay app 3 triệu thực nhận 2 triệu 4, 7 ngày sau phải trả 3 triệu", (0.6 / 2.4) * 100 * 365 / 7),
    ("vay 5tr phí hồ sơ 1tr sau 2 tuần trả 5tr", (1 / 4) * 100 * WEEKS / 2),
    ("vay 10 triệu phí 10% sau 1 tháng trả 11 triệu", (2 / 9) * 100 * 12),
    # daily / weekly instalments ("bốc họ")
    ("bốc họ 10 triệu góp 40 ngày mỗi ngày 300 nghìn", irr_annual(10e6, 300e3, 40, 365)),
    ("boc ho 5 cu, 1 ngay gop 150k trong 40 ngay", irr_annual(5e6, 150e3, 40, 365)),
    ("vay 10.000.000đ mỗi ngày góp 250.000đ trong 50 ngày", irr_annual(10e6, 250e3, 50, 365)),
    ("bốc 20 triệu, góp 600k/ngày trong 40 ngày", irr_annual(20e6, 600e3, 40, 365)),
    ("vay góp 3 triệu mỗi tuần góp 500 nghìn trong 8 tuần", irr_annual(3e6, 500e3, 8, WEEKS)),
    ("vay 12 triệu trả góp mỗi tháng 1 triệu 2 trong 12 tháng", irr_annual(12e6, 1.2e6, 12, 12)),
    ("bốc họ 10tr nhận 9tr góp 40 ngày mỗi ngày 300k", irr_annual(9e6, 300e3, 40, 365)),
    # interest paid every period
    ("vay 20 cu moi thang tra lai 2 trieu", 10 * 12),
    ("vay 30 triệu lãi 2 triệu mỗi tháng", (2 / 30) * 100 * 12),
    ("vay 10 triệu mỗi ngày đóng lãi 100 nghìn", 1 * 365),
    ("vay 50 triệu mỗi tuần trả lãi 2 triệu", 4 * WEEKS),
    ("vay 5 trieu lai 50k/ngay", 1 * 365),
    ("vay 100 triệu mỗi tháng lãi 1 triệu", 12.0),
    ("vay 30 triệu với mức lãi suất mỗi tháng phải đóng là 2,5 triệu đồng", (2.5 / 30) * 100 * 12),
    # a rate per million, the period told first; a percentage for a number of days
    ("vay với mức lãi suất 4.000 đồng/ngày/triệu đồng", 0.4 * 365),
    ("vay gop 60tr lai 20%/40 ngay", 20 * 365 / 40),
    ("vay 10 triệu lãi 15% trong 30 ngày", 15 * 365 / 30),
]


@pytest.mark.parametrize("message, expected", CASES, ids=[c[0] for c in CASES])
def test_yearly_rate(message, expected):
    reading = read_loan(message)
    assert reading is not None and reading.missing is None, reading
    assert reading.annual_rate == pytest.approx(expected, abs=0.1)
    assert reading.steps, "the arithmetic is shown"


MISSING = [
    ("vay app 5 triệu giờ đòi 15 triệu", "bao lâu"),
    ("vay 2 triệu giờ nó bắt trả 4 triệu", "bao lâu"),
    ("bốc họ 10 triệu mỗi ngày góp 300k", "bao nhiêu ngày"),
    ("vay 5 triệu lãi cao quá", "bao nhiêu"),
    ("vay app 3tr", "bao nhiêu"),
]


@pytest.mark.parametrize("message, asks", MISSING, ids=[m[0] for m in MISSING])
def test_asks_for_the_missing_number(message, asks):
    reading = read_loan(message)
    assert reading is not None and reading.annual_rate is None
    assert asks in reading.missing


@pytest.mark.parametrize("message", ["tôi bị đòi nợ khủng bố", "tín dụng đen là gì", "lãi suất hộ nghèo bao nhiêu"])
def test_no_loan_terms_no_calculation(message):
    assert read_loan(message) is None


@pytest.mark.parametrize(
    "text, value",
    [("5 triệu", 5e6), ("5tr", 5e6), ("1tr5", 1.5e6), ("500k", 5e5), ("2 củ", 2e6), ("300 nghìn", 3e5),
     ("10.000.000đ", 1e7), ("2 triệu rưỡi", 2.5e6), ("1,5 triệu", 1.5e6), ("200 ngàn", 2e5)],
)
def test_money(text, value):
    from vntext.normalise import fold

    assert parse_money(fold(text)) == pytest.approx(value)


def test_verdict_compares_with_both_legal_limits():
    tables = PolicyTables.load()
    over = assess("vay app 5 triệu sau 7 ngày đòi 15 triệu", tables)
    assert over.annual_rate > float(tables.value("facts", "criminal_usury_threshold"))
    assert tables.figure("facts", "criminal_usury_threshold").text in over.text
    assert "Điều 468" in " ".join(over.sources) and "Điều 201" in " ".join(over.sources)
    between = assess("vay 30 triệu lãi 2 triệu mỗi tháng", tables)
    assert "vượt mức trần" in between.text and "hình sự" not in between.text
    legal = assess("lãi 18%/năm", tables)
    assert "không vượt" in legal.text


def test_a_savings_question_is_no_loan():
    """Issue 14: a savings question was read as a loan with a missing number."""
    message = "Gửi tiết kiệm 100 triệu kỳ hạn 12 tháng ở ngân hàng nào lãi cao nhất bây giờ?"
    assert assess(message, PolicyTables.load()) is None


def test_a_rate_per_million_per_month_is_that_percent_a_month():
    reading = read_loan("vay 35 triệu, lãi 4%/triệu/tháng, thời hạn 1 năm")
    assert reading is not None and round(reading.annual_rate) == 48


def test_interest_in_dong_per_million_per_day():
    reading = read_loan("vay 20 triệu, lãi 5.000 đồng/1 triệu/ngày")
    assert reading is not None and round(reading.annual_rate, 1) == 182.5


@pytest.mark.parametrize("story", ["Năm 2019 tôi vay 30 triệu, đến năm 2021 phải trả 45 triệu",
                                   "Tháng 3/2024 vay 10 triệu, 2 tháng sau trả 14 triệu"])
def test_a_year_in_a_story_is_no_amount(story):
    reading = read_loan(story)
    assert reading is not None
    assert all("2.019" not in step and "2.024" not in step for step in reading.steps)
    assert not reading.missing or "2.019" not in reading.missing


def test_loose_amounts_in_a_long_story_are_not_one_loan():
    story = ("Nhà tôi thuộc diện hộ nghèo được hỗ trợ làm nhà, trong lúc chờ ngân hàng giải ngân 8,4 triệu đồng "
             "thì gia đình đã vay mượn khắp nơi để xây. Nhà làm xong hơn một năm rồi mà vẫn còn nợ tiền công "
             "và tiền vật liệu hơn 14 triệu đồng, không biết lấy đâu ra để trả cho người ta, ngày nào cũng lo.")
    assert read_loan(story) is None


def test_a_rate_told_as_a_range_gives_both_ends():
    reading = read_loan("Ở quê tôi nhiều người vay nóng lãi 3-12 ngàn/1 triệu/ngày")
    assert reading is not None and round(reading.annual_rate, 1) == 109.5 and round(reading.annual_high, 1) == 438.0
    reading = read_loan("vay lãi từ 1 đến 3%/tháng")
    assert (reading.annual_rate, reading.annual_high) == (12.0, 36.0)


def test_a_range_of_months_is_no_part_of_the_amount():
    reading = read_loan("vay 10 triệu 2-3 tháng trả 12 triệu")
    assert reading is not None and "Nhận 10.000.000 đồng" in reading.steps[0]


def test_a_range_is_judged_by_its_lower_end_and_its_higher_end_named():
    tables = PolicyTables.load()
    text = assess("vay lãi từ 1 đến 3%/tháng", tables).text
    assert text.startswith("Lãi thật của khoản vay anh/chị kể: khoảng 12% đến 36%/năm, mức thấp nhất không vượt")
    assert "Ở mức cao nhất anh/chị kể, lãi vượt mức trần" in text
