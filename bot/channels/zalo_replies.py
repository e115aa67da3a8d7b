"""Rasa's replies as Zalo OA text messages: split under the limit, quick replies numbered.

A Zalo customer-service text message holds at most 2,000 characters (the limit Zalo's
resellers document for "tin tư vấn dạng văn bản"), so a long answer is sent as several
messages cut at paragraph or sentence ends, and its "Nguồn:" line stays with the end of
the answer. Quick-reply buttons are not available on every OA tier, so they become
numbered options under the text ("1. …"), and a citizen who answers "1" is understood
as having pressed the first button: the channel remembers, per sender, what it offered
(in the channels' shared state, so any Rasa process understands the answer).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

from bot.stores.shared_state import SharedState, shared_state

TEXT_LIMIT = 2000
# Starts the source line of an answer; the same words as knowledge.answering.SOURCE_PREFIX
# (not imported: the Rasa server does not load the knowledge package; a test pins them).
SOURCE_PREFIX = "Nguồn:"
OPTIONS_INTRO = "Anh/chị gõ số để chọn:"
# The reply to an image, sticker, voice message, file or location.
TEXT_ONLY_REPLY = (
    "Xin lỗi anh/chị, tôi chỉ đọc được tin nhắn chữ, chưa xem được hình ảnh, nhãn dán, ghi âm hay tệp. "
    "Anh/chị vui lòng gõ câu hỏi bằng chữ, có dấu hay không dấu đều được, ví dụ: "
    "\"Lãi suất vay hộ nghèo bao nhiêu?\""
)

# Where a long paragraph may be cut, best first: after a line break, after a sentence.
_BREAK = re.compile(r"\n+|(?<=[.!?…])[ \t]+")
_WORD_BREAK = re.compile(r"[ \t]+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_OPTION_REPLY = re.compile(r"^\s*(?:số\s*)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)

# A piece of a message: the text, and what separates it from the piece before it.
Piece = Tuple[str, str]


def _cut_after(text: str, pattern: "re.Pattern[str]") -> List[Piece]:
    """``text`` cut after each match of ``pattern``: (separator before, stripped piece)."""
    pieces: List[Piece] = []
    start, separator = 0, ""
    for match in pattern.finditer(text):
        if match.start() > start:
            pieces.append((separator, text[start:match.start()]))
        start, separator = match.end(), match.group(0)
    if start < len(text):
        pieces.append((separator, text[start:]))
    return pieces


_LEVELS = (_BREAK, _WORD_BREAK)


def _fit(separator: str, text: str, limit: int, level: int = 0) -> List[Piece]:
    """``text`` as pieces of at most ``limit``: sentences, then words, then hard cuts."""
    if len(text) <= limit:
        return [(separator, text)]
    if level == len(_LEVELS):
        return [(separator if start == 0 else "", text[start:start + limit]) for start in range(0, len(text), limit)]
    pieces: List[Piece] = []
    for index, (inner, part) in enumerate(_cut_after(text, _LEVELS[level])):
        pieces.extend(_fit(separator if index == 0 else inner, part, limit, level + 1))
    return pieces


def _pieces(text: str, limit: int) -> List[Piece]:
    """Whole paragraphs, and the parts of any paragraph longer than ``limit``."""
    return [piece for _, paragraph in _cut_after(text, _PARAGRAPH_BREAK) for piece in _fit("\n\n", paragraph, limit)]


def _render(chunk: List[Piece]) -> str:
    return chunk[0][1] + "".join(separator + piece for separator, piece in chunk[1:]) if chunk else ""


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """``text`` as messages of at most ``limit`` characters, cut where a reader would pause.

    Messages are filled greedily with whole paragraphs (sentences when a paragraph is
    too long). A source line that would open a message takes the paragraph it cites
    with it, when both fit in one message.
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    chunks: List[List[Piece]] = [[]]
    for separator, piece in _pieces(text, limit):
        if chunks[-1] and len(_render(chunks[-1]) + separator + piece) > limit:
            chunks.append([])
        chunks[-1].append((separator, piece))
    for previous, chunk in zip(chunks, chunks[1:]):
        if chunk[0][1].startswith(SOURCE_PREFIX) and len(previous) > 1:
            moved = [previous[-1]] + chunk
            if len(_render(moved)) <= limit:
                previous.pop()
                chunk[:] = moved
    return [_render(chunk) for chunk in chunks if chunk]


def options_text(titles: List[str], first_number: int = 1) -> str:
    """The numbered list that stands in for quick-reply buttons."""
    lines = [f"{first_number + i}. {title}" for i, title in enumerate(titles)]
    return "\n".join([OPTIONS_INTRO] + lines)


@dataclass
class Outgoing:
    """What to send for one turn: the Zalo text messages, and the payload of each option."""

    messages: List[str]
    option_payloads: List[str]


def to_zalo(replies: Iterable[Dict[str, Any]], limit: int = TEXT_LIMIT) -> Outgoing:
    """One turn of Rasa's reply dicts (``text``, ``buttons``) as Zalo texts.

    Rasa's collecting channel cuts a text at each blank line, so the answer and its
    "Nguồn:" line arrive as two replies: they are joined again, and the turn is sent in
    as few messages as the limit allows (Zalo counts messages against the OA's quota).
    Buttons become a numbered list after the text that offered them, numbered across
    the turn. Replies with neither text nor buttons (images, custom payloads) are skipped.
    """
    parts: List[str] = []
    payloads: List[str] = []
    for reply in replies:
        text = reply.get("text")
        if isinstance(text, str) and text.strip():
            parts.append(text.strip())
        buttons = [b for b in reply.get("buttons") or [] if isinstance(b, dict) and b.get("title")]
        if buttons:
            parts.append(options_text([str(b["title"]) for b in buttons], len(payloads) + 1))
            payloads.extend(str(b.get("payload") or b["title"]) for b in buttons)
    return Outgoing(split_text("\n\n".join(parts), limit), payloads)


def _options_key(sender_id: str) -> str:
    return f"options:{sender_id}"


class OptionMemory:
    """The options last offered to each sender, so that "2" means the second one."""

    def __init__(self, state: Optional[SharedState] = None, ttl_seconds: float = 24 * 3600) -> None:
        self.state = state or shared_state()
        self.ttl_seconds = ttl_seconds

    def remember(self, sender_id: str, payloads: List[str]) -> None:
        """Replace what ``sender_id`` may pick from (nothing, when the turn had no buttons)."""
        if payloads:
            self.state.put(_options_key(sender_id), json.dumps(list(payloads), ensure_ascii=False), self.ttl_seconds)
        else:
            self.state.delete(_options_key(sender_id))

    def resolve(self, sender_id: str, text: str) -> str:
        """The payload of the option ``text`` picks, or ``text`` itself when it picks none."""
        payload = self.picked(sender_id, text)
        return text if payload is None else payload

    def picked(self, sender_id: str, text: str) -> Optional[str]:
        match = _OPTION_REPLY.match(text or "")
        stored = self.state.get(_options_key(sender_id)) if match else None
        offered = json.loads(stored) if stored else None
        if not offered:
            return None
        number = int(match.group(1))  # type: ignore[union-attr]
        return offered[number - 1] if 1 <= number <= len(offered) else None
