"""Recognises a citizen in despair, or about to hit back at debt collectors, and puts
safety before any policy answer.

Black-credit victims sometimes write that they no longer want to live. Such a message
must never get a "not sure" reply: it gets words of support and where to get help now,
then the usual victim advice. Matching is on folded text, so "khong muon song nua"
and "không muốn sống nữa" are the same.
"""

from __future__ import annotations

import re

from vntext.normalise import fold, nfc
from knowledge.tables import PolicyTables

DESPAIR_PATTERNS = re.compile(
    r"\b(?:khong muon song|khong thiet song|chang muon song|muon chet|chet cho xong|chet quach"
    r"|tu sat|quyen sinh|ket lieu doi|khong song noi)\b"
)
# Folded, these would also match "từ từ" (slowly) and "tư vấn" (advice): accented only.
ACCENTED_PATTERNS = re.compile(r"\b(?:tự tử|tự vẫn)\b")
SUPPORT_TEXT = (
    "Tôi rất tiếc khi anh/chị phải chịu đựng như vậy. Anh/chị không có lỗi và không đơn độc: khoản nợ này "
    "có cách giải quyết theo pháp luật, phần lãi vượt mức luật cho phép không phải trả, và đòi nợ bằng đe dọa "
    "là vi phạm pháp luật. Xin anh/chị hãy nói ngay với một người thân tin cậy, trưởng thôn hoặc Công an xã. "
    "Nếu anh/chị hoặc người nhà đang gặp nguy hiểm: {{facts.hotline_113}}; {{facts.hotline_115}}."
)


# Someone harassed by debt collectors who means to hit back ("định cầm dao ra xử chúng nó",
# "gọi anh em đến đánh lại"): before any answer, a word against violence and where to report.
VIOLENCE_PATTERNS = re.compile(
    r"\b(?:cam (?:dao|gay|rua|xang) (?:ra|den|toi|sang|di)|tra thu|dot nha|giet (?:chung|bon|tui|no)"
    r"|cho (?:chung|bon|tui) (?:no )?(?:biet tay|mot bai hoc)|an thua du)\b"
)
# "đánh", "xử" folded are also "dành", "xu": accented only ("dành cho" is no blow).
ACCENTED_VIOLENCE = re.compile(r"\b(?:đánh (?:lại|chết|trả|nó|chúng|bọn|tụi|thằng)|xử (?:chúng|bọn|tụi|nó|luôn))\b")
CALM_TEXT = (
    "Tôi hiểu anh/chị rất bức xúc, nhưng xin đừng tự giải quyết bằng bạo lực: đánh lại hay gây thương tích thì "
    "chính anh/chị có thể bị xử lý hình sự, và khoản nợ vẫn còn đó. Việc đòi nợ bằng chửi bới, đe dọa, tạt sơn, "
    "phá tài sản là vi phạm pháp luật: anh/chị giữ lại hình ảnh, tin nhắn, ghi âm và báo ngay Công an xã, phường. "
    "Khi có đe dọa trực tiếp hoặc bạo lực: {{facts.hotline_113}}."
)


def plans_violence(message: str) -> bool:
    """True when the message says the writer means to use violence (against debt collectors)."""
    text = (message or "").lower()
    return bool(VIOLENCE_PATTERNS.search(fold(text)) or ACCENTED_VIOLENCE.search(nfc(text)))


def calm_message(tables: PolicyTables) -> str:
    """Against violence, with where to report, figures rendered from the tables."""
    return tables.render(CALM_TEXT).text


def shows_despair(message: str) -> bool:
    """True when the message says the writer does not want to live."""
    text = (message or "").lower()
    return bool(DESPAIR_PATTERNS.search(fold(text)) or ACCENTED_PATTERNS.search(nfc(text)))


def support_message(tables: PolicyTables) -> str:
    """Words of support and emergency numbers, figures rendered from the tables."""
    return tables.render(SUPPORT_TEXT).text
