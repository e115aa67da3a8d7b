"""The questions inside a long message: citizens tell their story, then ask.

A reader's letter ("Anh là nông dân, có bốn người con đi học… đến kỳ trả nợ cuối cùng
anh chưa trả được, có gia hạn được không?") embeds as the story, not as the question,
so retrieval over the whole text rarely reaches the FAQ entry that answers it. This
step finds the sentences that ask something (a question mark, or an interrogative such
as "có … không", "bao nhiêu", "thế nào", "ở đâu"), in order, each with the sentence
before it as context, so each can be searched on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List

from vntext.normalise import fold, nfc

MIN_WORDS = 18  # shorter messages are searched whole
MAX_QUESTIONS = 3
CONTEXT_WORDS = 30  # a question with this much of what precedes it
_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\n+|\s+-\s+")
_ASKS = re.compile(
    r"\?|\b(co \w+( \w+){0,6} khong|duoc khong|phai khong|chua|bao nhieu|bn|the nao|ra sao|lam sao|nhu the nao"
    r"|o dau|cho nao|khi nao|bao gio|bao lau|la gi|gi khong|nhung gi|ai|nao)( tien| lau| phan tram| nam| thang| %)?"
    r"\s*(a|ak|vay|nhi|nhe|ha)?\s*$"
)


@dataclass(frozen=True)
class AskedPart:
    """One question of the message, and the same with the sentence before it."""

    question: str
    with_context: str


def asked_parts(message: str, min_words: int = MIN_WORDS) -> List[AskedPart]:
    """The questions of a message in order; empty for one shorter than ``min_words`` or
    one that asks nothing.

    A clause asks when it ends with "?" or an interrogative; its context is what comes
    before it in the same sentence, or the sentence before when it starts a sentence.
    """
    text = nfc(message).strip()
    if len(text.split()) < min_words:
        return []
    sentences = [s.strip(" \t\"'“”()[]") for s in _SENTENCE_END.split(text)]
    sentences = [s for s in sentences if len(s.split()) >= 2]
    parts: List[AskedPart] = []
    previous = ""
    for sentence in sentences:
        clauses = [c.strip() for c in sentence.split(",") if c.strip()]
        for position, clause in enumerate(clauses):
            if _ASKS.search(fold(clause).rstrip(" .!?") + ("?" if clause.endswith("?") else "")):
                before = ", ".join(clauses[:position]) or previous
                parts.append(AskedPart(clause, _last_words(f"{before} {clause}", CONTEXT_WORDS)))
        previous = sentence
    return parts[:MAX_QUESTIONS]


# How newspapers and law portals frame a reader's question: "Bà Huỳnh Thị Lan (xã Trà Kót)
# đề nghị Tòa soạn cho biết, …", "Bạn Vũ Thị Hiền (Thái Bình) hỏi: …", "Xin hỏi Thời Nay, …".
_FRAMING_END = re.compile(r"\b(hoi|cho biet|xin hoi|hoi rang|phan anh|giai dap|tu van|thac mac|thoi nay|toa soan"
                          r"|ban bien tap|luat su)$")
_PARENTHESES = re.compile(r"\([^()]{0,80}\)")


def question_focus(message: str) -> str:
    """The reader's own words without the column's framing (names, places, "hỏi:", "đề nghị
    Tòa soạn cho biết"), or the message itself when it has none. Names and places in the
    frame pull the embedding away from the question."""
    text = " ".join(_PARENTHESES.sub(" ", nfc(message)).split())
    words = text.split()
    cut = 0
    for index, word in enumerate(words[:40]):  # a frame opens the message, before any sentence ends
        before = fold(" ".join(words[max(0, index - 2):index + 1])).strip(" :,.;-–\"“”")
        if word.endswith((":", ",")) and _FRAMING_END.search(before):
            cut = index + 1
        if word.endswith((".", "?", "!")):
            break
    focused = " ".join(words[cut:]).strip(" :,-–")
    return focused if cut and len(focused.split()) >= 4 else (text if text != nfc(message).strip() else message)


def asks_something(message: str) -> bool:
    """True when some clause of the message asks (a question mark or an interrogative)."""
    return bool(asked_parts(message, min_words=0))


def _last_words(text: str, count: int) -> str:
    return " ".join(text.split()[-count:])
