"""What the bot tells someone about a loan they describe: the real rate and the law.

Reads the loan with knowledge/loan_calculator.py and compares the yearly rate with the
two legal limits in facts.yml (civil cap, criminal threshold), so the figures and
their sources live in one place. The reply shows the arithmetic in a line or two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional

from vntext.normalise import fold, nfc
from knowledge.loan_calculator import fmt_percent, read_loan
from knowledge.tables import PolicyTables

# A story of borrowing: without one of these, amounts alone ("gửi tiết kiệm 100 triệu… lãi cao
# nhất") are no loan whose missing number to ask for.
_BORROWING = re.compile(r"\b(vay|muon|no|boc ho|boc|app|cam do|gop|tra gop|ung tien|dao han)\b")
# Words of the informal market: a story with none of them that names a policy programme
# ("tổ trưởng nói hộ nghèo chỉ vay được 50 triệu, tôi nghe là 100 triệu") is about that programme.
_INFORMAL = re.compile(r"\b(app|ung dung|online|qua mang|nang lai|tin dung den|xa hoi den|boc ho|vay nong|lai ngay|"
                       r"gop ngay|doi no|doi tien|de doa|bi doa|doa|khung bo|goi dien|nhan tin|bua vay|cam do|chu no|"
                       r"vay ngoai|vay nguoi quen|cho vay|cong an|to giac|lua dao|tat son)\b")

# Words that name the loan-shark market itself (not "cho vay" or "công an", which policy
# questions use too): a loan described with one of them is assessed whatever NLU read.
_LOAN_SHARK = re.compile(r"\b(app|ung dung|online|qua mang|nang lai|tin dung den|xa hoi den|boc ho|vay nong|lai ngay"
                         r"|gop ngay|cam do|cam the|chu no|vay ngoai|ham doa|de doa|chui boi|khung bo|xiet no|doi no"
                         r"|nguoi tham chieu)\b")
# The bank for social policies and its channels, named as the lender.
_POLICY_LENDER = re.compile(r"\b(ngan hang chinh sach|nhcs|nhcsxh|von chinh sach|tin dung chinh sach|to tk|to tiet kiem"
                            r"|von vay uu dai|xoa doi giam ngheo)\b")
# The asker lent the money ("tôi cho người quen vay 100 triệu, 2%/tháng…"): a lender's question.
_LENDER = re.compile(r"\b(toi|minh|chung toi|gia dinh toi|nha toi)\s+(?:co\s+|da\s+|dang\s+|moi\s+)?cho\s+(?:\w+\s+){0,5}?"
                     r"(?:vay|muon)\b"
                     r"|\bhoi muon\b|\bmuon (?:do |tam )?(?:\w+ ){0,4}cua (?:toi|minh|chi|em|gia dinh toi)\b")
# Lenders licensed under their own law: the civil cap applies "unless another law provides otherwise".
_LICENSED = re.compile(r"\b(cong ty tai chinh|ngan hang thuong mai|to chuc tin dung|fe ?credit|home ?credit|hd ?saison"
                       r"|mcredit|shinhan finance|mirae asset)\b")
LICENSED_NOTE = (
    "Lưu ý: mức trần {cap} theo Điều 468 Bộ luật Dân sự áp dụng \"trừ trường hợp luật khác có liên quan quy định "
    "khác\"; ngân hàng, công ty tài chính được cấp phép cho vay theo luật riêng về tổ chức tín dụng, nên khoản vay của "
    "họ không tự động là cho vay nặng lãi chỉ vì vượt mức này. Anh/chị xem kỹ hợp đồng, giấy phép của bên cho vay và "
    "hỏi lại chính tổ chức đó về cách tính lãi, phí."
)

RESULT_PREFIX = "Lãi thật của khoản vay anh/chị kể: khoảng "  # the staff statistics read the rate after it
CALCULATION_INTRO = "Cách tính:"
CIVIL_CAP = "civil_interest_cap"
CRIMINAL_THRESHOLD = "criminal_usury_threshold"


@dataclass
class Assessment:
    """The calculation as the citizen reads it, or the question for a missing number."""

    text: str
    sources: List[str] = field(default_factory=list)
    annual_rate: Optional[float] = None
    asks_for_number: bool = False


def assess(message: str, tables: PolicyTables) -> Optional[Assessment]:
    """None when the message states no loan terms at all."""
    reading = read_loan(message)
    if reading is None or (reading.missing and not _BORROWING.search(fold(nfc(message)))):
        return None  # no terms, or amounts with no borrowing ("gửi tiết kiệm 100 triệu…")
    if reading.missing:
        return Assessment(f"Để tính lãi thật của khoản vay, tôi cần thêm một con số. {reading.missing}",
                          asks_for_number=True)
    cap = tables.figure("facts", CIVIL_CAP)
    threshold = tables.figure("facts", CRIMINAL_THRESHOLD)
    cap_value, threshold_value = float(cap.value or 0.0), float(threshold.value or 0.0)
    rate = round(float(reading.annual_rate or 0.0), 6)  # 2,5 triệu a month on 30 triệu is 100 %, not 99,99…
    told = fmt_percent(rate) if reading.annual_high is None else f"{fmt_percent(rate)} đến {fmt_percent(reading.annual_high)}"
    lines: List[str] = []  # the result first: it is the answer; the arithmetic after it
    if rate > cap_value and _LICENSED.search(fold(nfc(message))):
        lines.append(f"{RESULT_PREFIX}{told}/năm.")
        lines.append(LICENSED_NOTE.format(cap=cap.text))
    elif rate >= threshold_value:  # "từ 5 lần … trở lên": the threshold itself is criminal
        times = f"{rate / cap_value:,.0f}".replace(",", ".")
        lines.append(
            f"{RESULT_PREFIX}{told}/năm, {'' if reading.annual_high is None else 'thấp nhất cũng '}gấp {times} lần mức trần {cap.text} theo Bộ luật Dân sự "
            f"và ở mức mà người cho vay có thể bị xử lý hình sự ({threshold.text}). Đây là dấu hiệu cho vay nặng lãi."
        )
    elif rate > cap_value:
        lines.append(
            f"{RESULT_PREFIX}{told}/năm, vượt mức trần {cap.text} theo Bộ luật Dân sự; "
            "phần lãi vượt quá không có hiệu lực."
        )
    else:
        lines.append(f"{RESULT_PREFIX}{told}/năm, {'mức thấp nhất ' if reading.annual_high else ''}không vượt mức trần {cap.text} theo Bộ luật Dân sự.")
    if reading.annual_high is not None and rate <= cap_value < reading.annual_high:
        lines.append(f"Ở mức cao nhất anh/chị kể, lãi vượt mức trần {cap.text}; phần lãi vượt quá không có hiệu lực.")
    if reading.annual_high is not None and rate < threshold_value <= reading.annual_high:
        lines.append(f"Ở mức cao nhất anh/chị kể, lãi đã ở mức người cho vay có thể bị xử lý hình sự ({threshold.text}).")
    steps = [step for step in reading.steps if "× 1 =" not in step]  # "38%/năm × 1" explains nothing
    if steps:
        lines.insert(1, CALCULATION_INTRO)
        lines[2:2] = [f"- {step}" for step in steps]
    return Assessment("\n".join(lines), [cap.citation(), threshold.citation()], annual_rate=rate)


# An app or the internet used to pay ("chuyển khoản trả lãi qua app", "nộp tiền online") is
# no app loan: the bank for social policies has its own payment app.
_PAYING_ONLINE = re.compile(r"\b(?:chuyen khoan|thanh toan|tra (?:lai|no|tien|goc)|nop (?:lai|tien)|dong (?:lai|tien)"
                            r"|giao dich)(?: \w+){0,4} (?:qua |bang |tren )?(?:app|ung dung|online|qua mang)\b")


def _without_paying_online(message: str) -> str:
    return _PAYING_ONLINE.sub(" ", fold(nfc(message)))


def names_loan_shark(message: str) -> bool:
    """True when the message names the loan-shark market (apps, "vay nóng", "bốc họ", pawnshops…)."""
    return bool(_LOAN_SHARK.search(_without_paying_online(message)))


def names_policy_lender(message: str) -> bool:
    """True when the message names the bank for social policies or its savings-and-loan groups."""
    return bool(_POLICY_LENDER.search(fold(nfc(message))))


def lends_money(message: str) -> bool:
    """True when the asker is the lender ("tôi cho bạn vay…"): advice for a victim would not fit."""
    return bool(_LENDER.search(fold(nfc(message))))


# A loan from a private person ("vay 100 triệu của ông A", "vay người quen", "chủ nợ").
_PRIVATE_LOAN = re.compile(r"\bvay (?:\w+ ){0,4}(?:cua|tu) (?:ong|ba|anh|chi|co|chu|nguoi|ban|hang xom|mot nguoi)\b"
                           r"|\bvay (?:nguoi quen|ban be|hang xom|tu nhan)\b|\bchu no\b")


def about_an_informal_loan(message: str) -> bool:
    """True when the message is about a loan from the informal market or a private person,
    (narrower than ``speaks_of_informal_lending``: "không thể cho vay" is no such loan)."""
    folded = fold(nfc(message))
    return names_loan_shark(message) or lends_money(message) or bool(_PRIVATE_LOAN.search(folded))


def speaks_of_informal_lending(message: str) -> bool:
    """True when the message mentions the informal market (apps, loan sharks, threats, pawnshops…)."""
    return bool(_INFORMAL.search(_without_paying_online(message)))
