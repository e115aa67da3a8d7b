"""Masking of personal numbers before a message is stored, logged or shown to staff.

Citizens often paste their ID card (CCCD 12 digits, CMND 9), phone, bank account or
e-mail. None of it is needed to answer a policy question, and the tracker store, logs,
review queue and exports must never hold it, so every channel masks the message text
before Rasa sees it. Money amounts ("150.000.000 đồng", "5000000đ", "50 triệu") are left
alone because the loan calculator needs them.

Pure standard library: imported by the Rasa server (Python 3.10) and by the staff tools
in the action server environment (Python 3.11).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List

EMAIL = re.compile(r"[\w.+-]+\s*(?:@|\(a\)|\[a\]|\(at\)|\[at\])\s*[\w-]+(?:\s*\.\s*[\w-]+)+", re.UNICODE)
# A run of digits, possibly grouped by single spaces, dots or dashes ("0912 345 678"); it may
# be glued to letters ("SĐT0912345678"), never to other digits.
DIGIT_RUN = re.compile(r"(?<![\d.,])\+?\d(?:[ .\-]?\d)*(?!\d)")
# "150.000.000" or "1,500,000": thousands groups are money, not an identifier; money never
# starts with a zero ("001.203.012.345" is a grouped CCCD).
THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*$")
# "100 000 000": thousands grouped by spaces are money only after a money word or before a unit.
SPACED_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?: \d{3})+$")
# "vay 100000000 trả 120000000": an ungrouped amount after a money word, or a round one.
MONEY_BEFORE = re.compile(r"(?:vay|mượn|muon|trả|tra|góp|gop|lãi|lai|nợ|no|gốc|goc|nhận|nhan|được|duoc|còn|con"
                          r"|tiền|tien|trừ|tru|rút|rut|đòi|doi|lương|luong|giá|gia|phí|phi|tổng|tong|mất|mat)"
                          r"\W{0,3}$", re.IGNORECASE)
ROUND_AMOUNT = re.compile(r"^[1-9]\d*00000$")
CURRENCY_AFTER = re.compile(r"^\s*(?:đ\b|đồng|dong\b|d\b|vnđ|vnd|k\b|nghìn|nghin|ngàn|ngan|triệu|trieu|tr\b|tỷ|ty\b|%)",
                            re.IGNORECASE)
# The keyword may be followed by up to three words: "tài khoản Techcombank 1903456789".
ACCOUNT_WORDS = r"(?:stk|số\s*tk|so\s*tk|tài\s*khoản|tai\s*khoan|\btk|account|thẻ|the\s*atm|atm)"
ACCOUNT_BEFORE = re.compile(ACCOUNT_WORDS + r"(?:\W{1,3}[^\W\d]+){0,3}\W{0,3}$", re.IGNORECASE)
# The keyword right before the number ("STK: 190…"): an account even when it looks like money.
ACCOUNT_RIGHT_BEFORE = re.compile(ACCOUNT_WORDS + r"\W{0,3}$", re.IGNORECASE)
# "chuyển khoản (vào) 1903456789": an account unless the number reads as an amount.
TRANSFER_BEFORE = re.compile(r"(?:chuyển\s*khoản|chuyen\s*khoan|\bck)(?:\W{1,3}(?:vào|vao|qua|tới|toi|cho|về|ve)){0,2}"
                             r"\W{0,3}$", re.IGNORECASE)
ID_BEFORE = re.compile(r"(?:cccd|cmnd|cmt|căn\s*cước|can\s*cuoc|chứng\s*minh|chung\s*minh|định\s*danh|dinh\s*danh)"
                       r"[^\d]{0,12}$", re.IGNORECASE)

MASKS = {
    "email": "[email đã ẩn]",
    "phone": "[số điện thoại đã ẩn]",
    "id_number": "[số CCCD/CMND đã ẩn]",
    "bank_account": "[số tài khoản đã ẩn]",
}


@dataclass
class Masked:
    """The text with personal numbers replaced, and which kinds were found."""

    text: str
    kinds: List[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.kinds)


def _kind_of_number(run: str, before: str, after: str) -> str:
    """Which personal number a digit run is, or "" when it is not one (money, a year...)."""
    digits = re.sub(r"\D", "", run)
    n = len(digits)
    if ID_BEFORE.search(before) and n in (9, 12):
        return "id_number"  # named as an ID: grouped like money or not, it is masked
    money_word = bool(MONEY_BEFORE.search(before)) and not digits.startswith("0")
    reads_as_money = bool(CURRENCY_AFTER.match(after) or THOUSANDS.match(run)) or money_word
    if ACCOUNT_BEFORE.search(before) and 6 <= n <= 19 and (ACCOUNT_RIGHT_BEFORE.search(before) or not reads_as_money):
        return "bank_account"  # "tài khoản bị trừ 500000 đồng" is money, "STK: 1903456789" is not
    if TRANSFER_BEFORE.search(before) and 8 <= n <= 19 and not reads_as_money and not ROUND_AMOUNT.match(digits):
        return "bank_account"
    if reads_as_money or (SPACED_THOUSANDS.match(run) and CURRENCY_AFTER.match(after)):
        return ""
    if SPACED_THOUSANDS.match(run) and (MONEY_BEFORE.search(before) or re.match(r"^\s*(?:trả|tra|góp|gop|lãi|lai)\b", after)):
        return ""  # "vay 100 000 000 trả 120 000 000"
    if digits == run and (money_word or ROUND_AMOUNT.match(digits)) and not digits.startswith("0"):
        return ""  # "vay 100000000 trả 120000000": amounts the loan calculator needs
    international = run.startswith("+84") or (digits.startswith("84") and n == 11)
    if international or (digits.startswith("0") and (n == 10 or (n == 11 and digits.startswith(("01", "02"))))):
        return "phone"
    if n in (9, 12):
        return "id_number"
    if 13 <= n <= 19:
        return "bank_account"
    return ""


def mask_personal_data(text: str) -> Masked:
    """Replace e-mail addresses, phone, ID and bank account numbers with a marker."""
    kinds: List[str] = []

    def email(match: re.Match) -> str:
        kinds.append("email")
        return MASKS["email"]

    text = EMAIL.sub(email, text)
    pieces: List[str] = []
    last = 0
    for match in DIGIT_RUN.finditer(text):
        run = match.group(0).rstrip(" .-")
        kind = _kind_of_number(run, text[max(0, match.start() - 30):match.start()], text[match.start() + len(run):])
        if not kind:
            continue
        kinds.append(kind)
        pieces.append(text[last:match.start()])
        pieces.append(MASKS[kind])
        last = match.start() + len(run)
    pieces.append(text[last:])
    return Masked("".join(pieces), sorted(set(kinds)))
