"""Read a loan as citizens describe it and compute its real yearly interest rate.

People caught in black credit say "vay app 5 triệu giờ đòi 15 triệu", "bốc họ 10 triệu
góp 40 ngày mỗi ngày 300 nghìn" or "3 nghìn 1 triệu 1 ngày". This module reads those
phrasings (accented or not; "k", "tr", "củ", "nghìn/ngàn"; per day/week/month/year;
fees kept back at disbursement), computes the yearly rate and compares it with the
legal limits.

The yearly rate is the *simple* (non-compounded) rate, as the legal cap is stated:
Bộ luật Dân sự 2015, Điều 468 caps agreed interest at a yearly percentage; a daily
rate d becomes d × 365. For instalment loans the periodic rate is the internal rate of
return of the cash flows (what the borrower really pays for the money they got).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from vntext.normalise import fold, nfc

DAYS = {"ngay": 1.0, "tuan": 7.0, "thang": 365.0 / 12.0, "nam": 365.0}
PERIOD_WORDS = {"ngay": "ngày", "tuan": "tuần", "thang": "tháng", "nam": "năm"}

_NUMBER = r"\d+(?:[.,]\d+)*"
STORY_WORDS = 40  # a longer message is a story: its loose amounts are not one loan, nor one to complete
# "5 triệu", "5tr", "1tr5", "500k", "500 nghìn", "2 củ", "10.000.000đ", "2 triệu rưỡi"
_MONEY_RE = re.compile(
    rf"(?P<num>{_NUMBER})\s*(?:(?P<unit>trieu|tr|cu|k|nghin|ngan|ng|d|dong|vnd)(?:(?P<tail>\d)(?!\d)|\b(?:\s(?P<tail2>\d)(?![\d.,])(?!\s*(?:%|ngay|tuan|thang|nam|ky|lan|nguoi|-|–|den\b|toi\b)))?)(?P<ruoi>\s+ruoi)?)?"
)
def _period(name: str) -> str:
    """A named group matching a period word."""
    return rf"(?P<{name}>ngay|tuan|thang|nam)"


_MONEY = rf"{_NUMBER}\s*(?:k|nghin|ngan|(?:trieu|tr|cu)(?:\s?\d(?![\d.,])(?!\s*(?:%|ngay|tuan|thang|nam|ky|lan|nguoi|-|–|den\b|toi\b)))?)(?:\d(?!\d)|\b)"
# "4%/tháng", "4% một tháng", "4%/triệu/tháng" (per million lent is still 4 %)
_PERCENT_RE = re.compile(rf"(?P<num>{_NUMBER})\s*(?:%|phan tram)\s*(?:(?:/|tren|cho|moi)\s*(?:1|mot)?\s*(?:trieu|tr)\s*)?"
                         rf"(?:/|mot|1|moi|trong|\s)*\s*{_period('p')}")
# "3 nghìn 1 triệu 1 ngày", "3k/1tr/ngày", "lãi 3 nghìn trên 1 triệu mỗi ngày"
_PER_MILLION_RE = re.compile(
    rf"(?P<money>{_NUMBER}\s*(?:k|nghin|ngan|d|dong)\b)\s*(?:/|tren|cho|moi|\s)*\s*(?:1|mot)?\s*(?:trieu|tr|cu)\b\s*(?:/|1|mot|moi|\s)*\s*{_period('p')}"
)
# "lãi 20%/40 ngày", "15% trong 30 ngày": a percentage for a stated number of days, weeks or months
_PERCENT_OVER_RE = re.compile(rf"(?P<num>{_NUMBER})\s*(?:%|phan tram)\s*(?:/|trong|cho|sau|moi)\s*(?P<n>\d+)\s*{_period('p')}")
# "4.000 đồng/ngày/triệu", "3 nghìn mỗi ngày 1 triệu": the period before the million
_PER_DAY_MILLION_RE = re.compile(
    rf"(?P<money>{_NUMBER}\s*(?:k|nghin|ngan|d|dong)\b)\s*(?:/|moi|1|mot|\s)*\s*{_period('p')}\s*(?:/|tren|cho|moi|\s)*\s*(?:1|mot)?\s*(?:trieu|tr|cu)\b"
)
# A range, as people tell what loan sharks around them charge: "3-12 ngàn/1 triệu/ngày",
# "từ 3 đến 5%/tháng" — the lower and the higher end, not one loan.
_RANGE = r"(?P<lo>\d+(?:[.,]\d+)?)\s*(?:-|–|den|toi)\s*"
_RANGE_PER_MILLION_RE = re.compile(rf"{_RANGE}" + _PER_MILLION_RE.pattern)
_RANGE_PERCENT_RE = re.compile(rf"{_RANGE}" + _PERCENT_RE.pattern)
_DURATION_RE = re.compile(rf"(?P<num>\d+)\s*{_period('p')}")
# "mỗi ngày góp 300k", "1 ngày 300 nghìn", "góp 300k/ngày"
_INSTALMENT_RE = re.compile(
    rf"(?:moi|hang|1|mot|/)\s*{_period('p')}\s*(?:gop|tra|dong|nop)?\s*(?P<money>{_MONEY}|{_NUMBER}(?=\s*(?:d\b|dong)))"
    rf"|(?:gop|tra|dong|nop)\s*(?P<money2>{_MONEY})\s*(?:/|moi|1|mot|hang)\s*{_period('p2')}"
)
# "mỗi tháng trả lãi 2 triệu", "lãi 2 triệu mỗi tháng"
_PERIODIC_INTEREST_RE = re.compile(
    rf"(?:moi|hang|1|mot)\s*{_period('p')}\s*(?:phai\s*)?(?:tra|dong|nop|tinh|mat)?\s*(?:tien\s*)?lai\s*(?P<money>{_MONEY})"
    rf"|lai\s*(?P<money2>{_MONEY})\s*(?:/|moi|1|mot|hang)\s*{_period('p2')}"
    rf"|lai(?: suat)? (?:moi|hang|1|mot) {_period('p3')} (?:phai )?(?:dong|tra|nop)(?: la)? (?P<money3>{_MONEY})"
)


def parse_money(text: str) -> Optional[float]:
    """VND amount of one money expression ("5tr" → 5e6, "1tr5" → 1.5e6), None if none."""
    match = _MONEY_RE.search(text)
    return _money_value(match) if match else None


def _number(raw: str) -> float:
    """10.000.000 and 10,000,000 group thousands; 1,5 and 1.5 are decimals."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return float(re.sub(r"[.,]", "", raw))
    return float(raw.replace(",", "."))


def _money_value(match: "re.Match[str]") -> float:
    unit = match.group("unit")
    value = _number(match.group("num"))
    if unit in ("trieu", "tr", "cu"):
        value *= 1_000_000
        tail = match.group("tail") or match.group("tail2")
        if tail:  # "1tr5", "1 triệu 2": the digit after the unit is hundreds of thousands
            value += int(tail) * 100_000
        if match.group("ruoi"):
            value += 500_000
    elif unit in ("k", "nghin", "ngan", "ng"):
        value *= 1_000
    return value


@dataclass
class LoanReading:
    """What was understood from the message, the result, and what is missing."""

    annual_rate: Optional[float] = None  # percent per year (simple); the lower end of a range
    steps: List[str] = field(default_factory=list)  # the arithmetic, in Vietnamese
    missing: Optional[str] = None  # a question to ask when a number is missing
    annual_high: Optional[float] = None  # the higher end, when the message gives a range


def fmt_money(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") + " đồng"


def fmt_number(value: float) -> str:
    """A count in Vietnamese style: 40, 30,4."""
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def fmt_percent(value: float) -> str:
    """Vietnamese number style: 2.433,3% (two decimals below 10%: 0,84%)."""
    text = f"{value:,.{2 if abs(value) < 10 else 1}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text + "%"


def money_amounts(folded: str) -> List[Tuple[float, int, int]]:
    """Money amounts with positions; bare numbers count only next to money words."""
    found = []
    for match in _MONEY_RE.finditer(folded):
        unit = match.group("unit")
        after = folded[match.end():match.end() + 8]
        if unit is None and not re.match(r"\s*(?:d\b|dong|vnd)", after):
            number = _number(match.group("num"))
            if number < 1000:
                continue  # "40 ngày", "1 triệu" handled elsewhere: a bare small number is no amount
            if 1900 <= number <= 2100 or re.search(r"(?:nam|/)\s*$", folded[max(0, match.start() - 5):match.start()]):
                continue  # a year ("năm 2019", "3/2024") is no amount
        if unit is None and re.match(r"\s*(?:%|phan tram|ngay|tuan|thang|nam)", after):
            continue
        found.append((_money_value(match), match.start(), match.end()))
    return found


def _irr_per_period(received: float, instalment: float, count: int) -> float:
    """Periodic rate r with received = instalment × (1 − (1 + r)^−count) / r (bisection)."""
    if instalment * count <= received:
        return 0.0
    low, high = 0.0, 1.0
    while instalment * (1 - (1 + high) ** -count) / high > received:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if instalment * (1 - (1 + middle) ** -count) / middle > received:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _received(folded: str, principal: float) -> Tuple[float, List[str]]:
    """Money actually received: principal minus fees kept back, or as stated."""
    match = re.search(rf"(?:chi |thuc )?(?:nhan|cam)\s*(?:duoc|ve|co)?\s*(?P<m>{_NUMBER}\s*(?:k|nghin|ngan|trieu|tr|cu)\b(?:\s*\d(?!\d))?)", folded)
    if match:
        value = parse_money(match.group("m"))
        if value and value < principal:
            return value, [f"Thực nhận {fmt_money(value)} (bị giữ lại {fmt_money(principal - value)} tiền \"phí\")."]
    match = re.search(rf"(?:phi|tru|giu lai|cat)\s*(?:ho so|giai ngan|dich vu|bao hiem|truoc)?\s*(?P<m>{_NUMBER}\s*(?:k|nghin|ngan|trieu|tr|cu)\b(?:\s*\d(?!\d))?|{_NUMBER}\s*%)", folded)
    if match:
        raw = match.group("m")
        fee = principal * float(raw.rstrip("% ").replace(",", ".")) / 100 if raw.strip().endswith("%") else parse_money(raw)
        if fee and fee < principal:
            return principal - fee, [f"Bị trừ {fmt_money(fee)} tiền \"phí\" nên chỉ thực nhận {fmt_money(principal - fee)}."]
    return principal, []


def read_loan(message: str) -> Optional[LoanReading]:
    """Understand a loan description; None when the message describes no loan terms."""
    folded = fold(nfc(message)).replace("\u00a0", " ")
    folded = re.sub(r"(\d)\s*%", r"\1%", folded)

    ranged = _range_reading(folded)
    if ranged is not None:
        return ranged

    over = _PERCENT_OVER_RE.search(folded)
    if over and int(over.group("n")) > 1:
        rate, count, period = _number(over.group("num")), int(over.group("n")), over.group("p")
        annual = rate * DAYS["nam"] / (count * DAYS[period])
        return LoanReading(annual, [f"Lãi {fmt_percent(rate)} cho {count} {PERIOD_WORDS[period]} → quy ra năm: "
                                    f"{fmt_percent(rate)} × 365 / {fmt_number(count * DAYS[period])} ngày ≈ {fmt_percent(annual)}/năm."])

    percent = _PERCENT_RE.search(folded)
    if percent:
        rate = float(percent.group("num").replace(",", "."))
        period = percent.group("p")
        annual = rate * DAYS["nam"] / DAYS[period]
        return LoanReading(annual, [f"Lãi {fmt_percent(rate)} mỗi {PERIOD_WORDS[period]} → quy ra năm: {fmt_percent(rate)} × {_periods_per_year(period)} = {fmt_percent(annual)}/năm."])

    per_million = _PER_MILLION_RE.search(folded) or _PER_DAY_MILLION_RE.search(folded)
    if per_million:
        interest = parse_money(per_million.group("money")) or 0.0
        period = per_million.group("p")
        rate = interest / 1_000_000 * 100
        annual = rate * DAYS["nam"] / DAYS[period]
        return LoanReading(annual, [
            f"{fmt_money(interest)} tiền lãi cho mỗi 1.000.000 đồng mỗi {PERIOD_WORDS[period]} = {fmt_percent(rate)}/{PERIOD_WORDS[period]}.",
            f"Quy ra năm: {fmt_percent(rate)} × {_periods_per_year(period)} = {fmt_percent(annual)}/năm.",
        ])

    amounts = money_amounts(folded)
    if not amounts:
        return None
    principal = amounts[0][0]
    received, fee_steps = _received(folded, principal)

    instalment, payment = _instalment(folded, principal)
    if instalment is not None and payment is not None:
        period = instalment.group("p") or instalment.group("p2")
        count = _count(folded, period, exclude=instalment.span())
        if count is None:
            return LoanReading(missing=f"Anh/chị phải góp tất cả bao nhiêu {PERIOD_WORDS[period]}?")
        rate = _irr_per_period(received, payment, count) * 100
        annual = rate * DAYS["nam"] / DAYS[period]
        return LoanReading(annual, fee_steps + [
            f"Nhận {fmt_money(received)}, góp {count} {PERIOD_WORDS[period]} × {fmt_money(payment)} = {fmt_money(payment * count)}.",
            f"Lãi thực tế ≈ {fmt_percent(rate)} mỗi {PERIOD_WORDS[period]} (tính trên số tiền còn nợ) → {fmt_percent(rate)} × {_periods_per_year(period)} ≈ {fmt_percent(annual)}/năm.",
        ])

    periodic = _PERIODIC_INTEREST_RE.search(folded)
    if periodic:
        period = periodic.group("p") or periodic.group("p2") or periodic.group("p3")
        interest = parse_money(periodic.group("money") or periodic.group("money2") or periodic.group("money3")) or 0.0
        rate = interest / received * 100
        annual = rate * DAYS["nam"] / DAYS[period]
        return LoanReading(annual, fee_steps + [
            f"Tiền lãi {fmt_money(interest)} mỗi {PERIOD_WORDS[period]} trên {fmt_money(received)} = {fmt_percent(rate)}/{PERIOD_WORDS[period]}.",
            f"Quy ra năm: {fmt_percent(rate)} × {_periods_per_year(period)} = {fmt_percent(annual)}/năm.",
        ])

    if len(folded.split()) > STORY_WORDS:
        # In a long story two amounts and a duration are rarely one loan ("vay 8,4 triệu…,
        # còn nợ tiền công 14 triệu… hơn một năm"): only the terms stated above are read.
        return None
    if len(amounts) >= 2:
        repay = max(a[0] for a in amounts[1:])
        if repay <= received:
            return None
        duration = _duration_days(folded)
        if duration is None:
            return LoanReading(missing=(
                f"Anh/chị vay {fmt_money(principal)} và phải trả {fmt_money(repay)} sau bao lâu "
                "(bao nhiêu ngày, tuần hay tháng)?"
            ))
        count, period = duration
        days = count * DAYS[period]
        interest = repay - received
        share = interest / received * 100
        annual = share * DAYS["nam"] / days
        per = f" / {count}" if count != 1 else ""
        return LoanReading(annual, fee_steps + [
            f"Nhận {fmt_money(received)}, sau {count} {PERIOD_WORDS[period]} phải trả {fmt_money(repay)}: "
            f"tiền lãi và phí {fmt_money(interest)} = {fmt_percent(share)} số tiền nhận.",
            f"Quy ra năm: {fmt_percent(share)} × {_periods_per_year(period)}{per} ≈ {fmt_percent(annual)}/năm.",
        ])
    return LoanReading(missing="Anh/chị cho biết thêm: phải trả lại tổng cộng bao nhiêu tiền, hoặc lãi bao nhiêu mỗi ngày/tháng, và trong bao lâu?")


def _range_reading(folded: str) -> Optional[LoanReading]:
    """A rate told as a range ("3-12 ngàn/1 triệu/ngày", "3 đến 5%/tháng"): both ends, per year."""
    match = _RANGE_PER_MILLION_RE.search(folded)
    if match:
        high_money = parse_money(match.group("money")) or 0.0
        high_number = _number(re.match(_NUMBER, match.group("money")).group(0))
        per_day_high = high_money / 1_000_000 * 100
        per_day_low = per_day_high * _number(match.group("lo")) / high_number if high_number else 0.0
    else:
        match = _RANGE_PERCENT_RE.search(folded)
        if not match:
            return None
        per_day_low, per_day_high = _number(match.group("lo")), _number(match.group("num"))
    period = match.group("p")
    if not 0 < per_day_low < per_day_high:
        return None
    low, high = (rate * DAYS["nam"] / DAYS[period] for rate in (per_day_low, per_day_high))
    word = PERIOD_WORDS[period]
    return LoanReading(low, [
        f"Lãi từ {fmt_percent(per_day_low)} đến {fmt_percent(per_day_high)} mỗi {word} → quy ra năm: "
        f"{fmt_percent(low)} đến {fmt_percent(high)}/năm (nhân {_periods_per_year(period)}).",
    ], annual_high=high)


def _instalment(folded: str, principal: float) -> Tuple[Optional["re.Match[str]"], Optional[float]]:
    """The first "mỗi ngày góp X" whose X is smaller than the loan (so not the loan itself)."""
    position = 0
    while (match := _INSTALMENT_RE.search(folded, position)) is not None:
        payment = parse_money(match.group("money") or match.group("money2") or "")
        if payment and payment < principal:
            return match, payment
        position = match.start() + 1  # matches may overlap ("góp 3 triệu mỗi tuần góp 500k")
    return None, None


def _periods_per_year(period: str) -> str:
    return {"ngay": "365", "tuan": "52,14", "thang": "12", "nam": "1"}[period]


def _count(folded: str, period: str, exclude: Tuple[int, int]) -> Optional[int]:
    """How many instalments: "40 ngày", "trong 40 ngày", "góp 40 ngày", "40 kỳ"."""
    for match in _DURATION_RE.finditer(folded):
        if match.group("p") == period and not (exclude[0] <= match.start() < exclude[1]):
            return int(match.group("num"))
    match = re.search(r"(?P<num>\d+)\s*(?:ky|lan|buoi)\b", folded)
    return int(match.group("num")) if match else None


def _duration_days(folded: str) -> Optional[Tuple[int, str]]:
    """Loan duration as (count, period): "sau 7 ngày", "1 tháng", "tuần sau", "mai"."""
    match = _DURATION_RE.search(folded)
    if match:
        return int(match.group("num")), match.group("p")
    match = re.search(rf"(?:sau|trong|mot|1)\s*{_period('p')}|{_period('p2')}\s*sau\b", folded)
    if match:
        return 1, match.group("p") or match.group("p2")
    if re.search(r"\b(?:ngay mai|mai)\b", folded):
        return 1, "ngay"
    return None
