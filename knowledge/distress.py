"""Recognises a citizen in despair and puts safety before any policy answer.

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


def shows_despair(message: str) -> bool:
    """True when the message says the writer does not want to live."""
    text = (message or "").lower()
    return bool(DESPAIR_PATTERNS.search(fold(text)) or ACCENTED_PATTERNS.search(nfc(text)))


def support_message(tables: PolicyTables) -> str:
    """Words of support and emergency numbers, figures rendered from the tables."""
    return tables.render(SUPPORT_TEXT).text
