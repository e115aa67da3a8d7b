"""What a legal policy loan costs: "hộ nghèo vay 50 triệu mỗi tháng trả lãi bao nhiêu?".

Citizens who compare a policy loan with a loan shark want a sum of money, not a rate.
The rate is the one in force on the day asked (dated figures), the interest is simple
interest on the outstanding balance, as the bank charges it each month. The total is
given for the two schemes a borrower may meet, since the repayment schedule is agreed
at the Tổ TK&VV: the whole principal kept to the end, and equal principal instalments
(each month a share of the principal, interest on what is left). Where the citizen asks
to compare, the same loan at the lowest loan-shark rate the Prime Minister's directive
observed is put beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional

from vntext.normalise import fold, nfc
from knowledge.dated import number
from knowledge.eligibility import programmes_named
from knowledge.loan_calculator import money_amounts, fmt_money, read_loan
from knowledge.tables import Figure, PolicyTables, format_date

# Programmes whose cost is computed: the household tiers, students and clean water (job-creation
# and overseas-work rates depend on groups the message rarely states).
COSTED = ("ho_ngheo", "ho_can_ngheo", "ho_moi_thoat_ngheo", "hssv", "nuoc_sach")
_WORD_PROGRAMME = (
    (re.compile(r"\b(sinh vien|hssv|hoc sinh)\b"), "hssv"),
    (re.compile(r"\bnuoc sach\b"), "nuoc_sach"),
    (re.compile(r"\b(can ngheo)\b"), "ho_can_ngheo"),
    (re.compile(r"\b(moi thoat ngheo|thoat ngheo)\b"), "ho_moi_thoat_ngheo"),
    (re.compile(r"\b(ho ngheo)\b"), "ho_ngheo"),
)
_ASKS_COST = re.compile(
    r"(tra|dong|mat|tinh|tien|het)\s*(tien\s*)?lai\b|\blai\s*(la\s*)?(bao nhieu|bn|bao nhiu|may|the nao)"
    r"|(tra|dong|mat)\s*(bao nhieu|bn)\s*(tien)?|tong cong|ca goc (lan|va) lai"
)
_COMPARE = re.compile(r"\b(so voi|so sanh|nang lai|tin dung den|vay ngoai|vay app|xa hoi den)\b")
_YEARS = re.compile(r"(\d+)\s*nam\b")
_MONTHS = re.compile(r"(\d+)\s*thang\b")
SHARK_FACT = "directive12_rates_observed"
DEFAULT_MONTHS = 12


@dataclass
class LoanCost:
    """The reply and the figures it used (for the source line)."""

    text: str
    figures: List[Figure] = field(default_factory=list)


def programme_named(message: str) -> Optional[str]:
    """The programme the question is about, from the lexicon's tiers and purposes, else words."""
    named = next((p for p in programmes_named(message) if p in COSTED), None)
    if named is not None:
        return named
    folded = fold(nfc(message))
    for pattern, programme in _WORD_PROGRAMME:
        if pattern.search(folded):
            return programme
    return None


def _months(folded: str) -> tuple[int, bool]:
    """The term asked about, else one year to show the sum; True when asked."""
    years, months = _YEARS.search(folded), _MONTHS.search(folded.replace("moi thang", ""))
    if years:
        return int(years.group(1)) * 12, True
    if months and int(months.group(1)) > 1:
        return int(months.group(1)), True
    return DEFAULT_MONTHS, False


def loan_cost(message: str, tables: PolicyTables) -> Optional[LoanCost]:
    """The cost of a policy loan the message asks about; None when it asks no such thing."""
    folded = fold(nfc(message))
    if not _ASKS_COST.search(folded) or len(folded) > 400:
        return None
    reading = read_loan(message)
    if reading is not None and reading.annual_rate is not None:
        return None  # a loan already described with its terms: the black-credit calculator's job
    amounts = money_amounts(folded)
    programme = programme_named(message)
    if len(amounts) != 1 or programme is None or "rate" not in tables.programmes.get(programme, {}):
        return None
    principal = amounts[0][0]
    rate = tables.figure(programme, "rate")
    if rate.value is None or principal < 100_000:
        return None
    months, asked = _months(folded)
    monthly = principal * rate.value / 100 / 12
    kept = monthly * months
    equal = principal * rate.value / 100 / 12 * (months + 1) / 2
    name = tables.programmes[programme]["name"]
    since = f", áp dụng từ {format_date(rate.effective)}" if rate.effective else ""
    lines = [
        f"Vay {fmt_money(principal)} theo chương trình {name.lower()} với lãi suất {rate.spoken()}{since}: "
        f"mỗi tháng tiền lãi khoảng {fmt_money(round(monthly, -2))} "
        f"({fmt_money(principal)} × {number(rate.value)}% : 12 tháng).",
        f"Trong {months} tháng{'' if asked else ' (một năm, để tính thử)'}: nếu giữ nguyên tiền gốc đến cuối kỳ, "
        f"tổng tiền lãi khoảng {fmt_money(round(kept, -3))}; nếu trả gốc đều hằng tháng, lãi tính trên dư nợ còn lại "
        f"nên tổng tiền lãi chỉ khoảng {fmt_money(round(equal, -3))}.",
        "Lãi tính trên số dư nợ thực tế; kỳ hạn trả gốc, trả lãi cụ thể do Tổ tiết kiệm và vay vốn và ngân hàng "
        "thỏa thuận khi vay, không có phí làm hồ sơ.",
    ]
    figures = [rate]
    if _COMPARE.search(folded):
        shark = tables.figure("facts", SHARK_FACT)
        lowest = float(tables.raw("facts", SHARK_FACT).get("value_min") or 0)
        if lowest:
            lines.append(
                f"So sánh: vay nặng lãi thường ở mức {shark.text}; chỉ với mức thấp nhất {lowest:g}%/năm, cùng số tiền "
                f"đó mỗi tháng phải trả khoảng {fmt_money(round(principal * lowest / 100 / 12, -3))} tiền lãi, "
                f"gấp khoảng {lowest / rate.value:.0f} lần vay ưu đãi."
            )
            figures.append(shark)
    return LoanCost("\n".join(lines), figures)
