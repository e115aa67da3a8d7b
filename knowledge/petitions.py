"""Voters' petitions: proposals about the policy, not questions about one's own loan.

Citizens and assemblies write "Cử tri đề nghị nâng mức cho vay…", "Kiến nghị xem xét mở
rộng đối tượng vay…", "Có giải pháp tháo gỡ vướng mắc về thủ tục…". Such a message asks
nobody's eligibility; a useful reply says the rule in force on the subject, what the
directives point to, and where a proposal goes. This module only recognises the framing
and strips it, so that the subject can be searched without the words every petition shares.
"""

from __future__ import annotations

import re

from vntext.normalise import fold

# The framing of a proposal (folded). Strong words make a petition by themselves; a weak
# one ("đề nghị gia hạn…") does only when nobody speaks of their own case ("tôi đề nghị
# gia hạn khoản vay của tôi" is a request about one's loan). "Giấy đề nghị vay vốn" is a form.
_STRONG = re.compile(r"\b(cu tri|kien nghi|de xuat|thao go|co giai phap|sua doi quy dinh|da so cac y kien"
                     r"|ban doc [\w ]{0,40} phan anh)\b|\bphan anh\s*:")
_WEAK = re.compile(
    r"\b(de nghi (?!vay von\b)(?:\w+ ){0,5}?(?:xem xet|nang|tang|mo rong|sua|dieu chinh|keo dai|gia han|bo sung|dat them"
    r"|mo them|co che|ban hanh|tra loi|quan tam|cho phep|giam|ha)|mong (?:nha nuoc|chinh phu|ngan hang|cac cap|cap tren)"
    r"|xem xet (?:cho|mo rong|nang|tang|dieu chinh))\b")
_OWN_CASE = re.compile(r"\b(toi|em|minh|chau|nha toi|con toi|vo toi|chong toi|me toi|bo toi)\b")
_FRAMING = re.compile(r"\b(cu tri|de nghi|kien nghi|de xuat|xem xet|lien quan (?:den|toi)|do do|tuy nhien|cho rang)\b")


def is_petition(message: str) -> bool:
    """True when the message proposes or petitions rather than asks about the asker's case."""
    folded = fold(message)
    return bool(_STRONG.search(folded)) or (bool(_WEAK.search(folded)) and not _OWN_CASE.search(folded))


def petition_subject(message: str) -> str:
    """The message without the words of its framing, for searching what it is about.

    Works on word positions of the folded text so the original wording (with its
    diacritics) is what remains.
    """
    words = message.split()
    folded = [fold(w) for w in words]
    text = " ".join(folded)
    drop = set()
    for match in _FRAMING.finditer(text):
        start = text[:match.start()].count(" ")
        end = start + match.group(0).strip().count(" ") + 1
        drop.update(range(start, end))
    kept = [w for i, w in enumerate(words) if i not in drop]
    return " ".join(kept) if len(kept) >= 3 else message
