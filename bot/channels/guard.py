"""What every input channel does with a citizen's message before and after Rasa.

Citizens send anything: empty or huge messages, broken encodings, markup, personal
numbers, bursts of the same message. Each channel (REST, web widget, Zalo) passes the
raw text through :func:`MessageGuard.screen` and lets :func:`answer` run Rasa, so that:

- the text Rasa stores and logs is clean (valid Unicode, no control characters),
  cut to a sane length and has personal numbers masked (``vntext.pii``);
- a message that looks like a Rasa command ("/restart") is read as plain text;
- a sender who floods the bot gets a polite "slow down" instead of an answer;
- the citizen always gets a reply within a deadline, even when the action server is
  down or slow ("hệ thống đang bận"); the conversation continues once it is back;
- «xem/xóa dữ liệu của tôi» are answered before Rasa, and a new conversation's first
  answer ends with the personal-data notice (``bot.channels.privacy``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Union

from bot.stores.shared_state import SharedState, shared_state
from vntext.normalise import nfc
from vntext.pii import mask_personal_data
from vntext.replies import EMPTY_REPLY

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000
# Rasa must answer (or the citizen hears "busy") within this many seconds. (How long Rasa
# itself waits for the action server is a serving patch: bot/patches/action_server_timeout.py.)
ANSWER_DEADLINE_SECONDS = float(os.environ.get("ANSWER_DEADLINE_SECONDS", "4.5"))

CUT_NOTICE = (
    "Tin nhắn của anh/chị rất dài nên tôi chỉ đọc {limit} ký tự đầu. "
    "Anh/chị nên hỏi ngắn gọn, mỗi tin một câu hỏi để tôi trả lời chính xác hơn."
)
PERSONAL_DATA_NOTICE = (
    "Vì an toàn, anh/chị đừng gửi số CCCD/CMND, số điện thoại, số tài khoản hay email qua đây: "
    "tôi đã ẩn các số đó và không cần chúng để trả lời. Hồ sơ vay chỉ nộp trực tiếp tại "
    "Điểm giao dịch xã hoặc qua Tổ tiết kiệm và vay vốn."
)
RATE_LIMIT_REPLY = (
    "Anh/chị gửi nhiều tin quá nhanh, tôi chưa kịp trả lời. Anh/chị vui lòng đợi khoảng một phút "
    "rồi gửi lại câu hỏi nhé."
)
BUSY_REPLY = (
    "Xin lỗi anh/chị, hệ thống đang bận nên tôi chưa trả lời được ngay. Anh/chị vui lòng gửi lại "
    "câu hỏi sau ít phút; nội dung trò chuyện vẫn được giữ nguyên."
)

# Unicode categories removed from a message: control (except line breaks and tabs),
# format (zero-width, bidi overrides), surrogates, private use, unassigned.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_KEPT_CONTROLS = {"\n", "\t"}
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean_text(raw: Union[str, bytes, None]) -> str:
    """Valid NFC Unicode without control or invisible characters, spaces collapsed."""
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if not isinstance(raw, str):
        raw = str(raw)
    text = nfc(raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    text = _SPACES.sub(" ", text.replace("\t", " "))
    return _BLANK_LINES.sub("\n", text).strip()


MAX_SENDER_CHARS = 128
# REST metadata: what may come with a message, and how much of it. Neither the web widget
# (it sends only sender and message) nor Zalo (its channel sets its own metadata) sends
# any over REST; a website embedding the REST channel may label its messages ("source").
# Anything else is dropped, values are cut and masked: metadata is stored with every event.
KNOWN_METADATA_KEYS = frozenset({"source"})
MAX_METADATA_VALUE_CHARS = 100
# Metadata larger than this (as JSON) is refused with 413, not stored (issue 15 item 3).
MAX_METADATA_BYTES = int(os.environ.get("MAX_METADATA_BYTES", "2048"))


def clean_sender(raw: Any) -> Optional[str]:
    """A sender id cleaned like message text and cut; ``None`` when nothing usable is left.

    A lone surrogate or a control character in an id would break logging and storage
    (a traceback per request, the "busy" reply): such characters are dropped.
    """
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return None
    sender = clean_text(str(raw)).replace("\n", " ")[:MAX_SENDER_CHARS].strip()
    return sender or None


def screen_metadata(metadata: Any, known: frozenset = KNOWN_METADATA_KEYS,
                    max_chars: int = MAX_METADATA_VALUE_CHARS) -> Optional[Dict[str, str]]:
    """Only the known keys, each value cleaned, cut and with personal numbers masked."""
    if not isinstance(metadata, dict):
        return None
    kept: Dict[str, str] = {}
    for key in sorted(known):
        value = metadata.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            # Masked before the cut, so a number is never cut into an unmasked piece.
            text = mask_personal_data(clean_text(str(value))[:MAX_MESSAGE_CHARS]).text[:max_chars].strip()
            if text:
                kept[key] = text
    return kept or None


def metadata_too_large(metadata: Any, limit: int = MAX_METADATA_BYTES) -> bool:
    """Whether the metadata as sent (JSON, before any filtering) is over ``limit`` bytes."""
    if metadata is None:
        return False
    try:
        return len(json.dumps(metadata)) > limit
    except (TypeError, ValueError, RecursionError):
        return True


def _cut(text: str, limit: int) -> str:
    """The first ``limit`` characters, ending at a word boundary when there is one near."""
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space] if space > limit * 0.8 else head


@dataclass
class Screened:
    """A message made safe for Rasa, and what to tell the citizen about it."""

    text: str
    notices: List[str] = field(default_factory=list)
    # When set, Rasa is not asked: this is the whole reply (empty message, flooding).
    reply_instead: Optional[str] = None
    # Said after Rasa's answer (the first-contact privacy notice).
    after: List[str] = field(default_factory=list)


class RateLimiter:
    """Token bucket per sender: ``burst`` messages at once, then ``per_minute``.

    The buckets live in the channels' shared state (``bot/stores/shared_state.py``),
    so a sender has one budget whichever Rasa process or machine receives the message.
    """

    def __init__(self, per_minute: float, burst: int, clock: Optional[Callable[[], float]] = None,
                 state: Optional[SharedState] = None) -> None:
        self.per_second = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.state = state or shared_state()

    @classmethod
    def from_env(cls) -> "RateLimiter":
        return cls(float(os.environ.get("RATE_LIMIT_PER_MINUTE", "20")), int(os.environ.get("RATE_LIMIT_BURST", "8")))

    @classmethod
    def shared(cls) -> "RateLimiter":
        """The process's one limiter: every channel and endpoint draws on the same budget per sender."""
        global _SHARED_LIMITER
        with _SHARED_LOCK:
            if _SHARED_LIMITER is None:
                _SHARED_LIMITER = cls.from_env()
            return _SHARED_LIMITER

    def allow(self, sender_id: str) -> bool:
        now = self.clock() if self.clock else None
        return self.state.take_token(f"rate:{sender_id}", self.per_second, self.burst, now)


_SHARED_LIMITER: Optional[RateLimiter] = None
_SHARED_LOCK = threading.Lock()


class MessageGuard:
    """Screens incoming messages: clean, cut, mask, neutralise commands, rate-limit."""

    def __init__(self, limiter: Optional[RateLimiter] = None, max_chars: int = MAX_MESSAGE_CHARS) -> None:
        self.limiter = limiter or RateLimiter.shared()
        self.max_chars = max_chars

    def screen(self, raw: Union[str, bytes, None], sender_id: str) -> Screened:
        if not self.limiter.allow(sender_id):
            logger.warning("rate limit exceeded for a sender")
            return Screened("", reply_instead=RATE_LIMIT_REPLY)
        text = clean_text(raw)
        notices: List[str] = []
        if len(text) > self.max_chars:
            text = _cut(text, self.max_chars)
            notices.append(CUT_NOTICE.format(limit=self.max_chars))
        masked = mask_personal_data(text)
        if masked.found:
            notices.append(PERSONAL_DATA_NOTICE)
        # "/restart" or "/greet{...}" would be run by Rasa as a command: keep it as words.
        text = masked.text.lstrip("/").strip()
        if not text:
            return Screened("", notices, reply_instead=EMPTY_REPLY)
        return Screened(text, notices)


async def answer(
    screened: Screened,
    sender_id: str,
    run_rasa: Callable[[str, Any], Awaitable[Any]],
    collector: Any,
    deadline: float = ANSWER_DEADLINE_SECONDS,
    privacy: Optional[Any] = None,
) -> List[Dict[str, Any]]:
    """The replies to send: notices, then Rasa's answer or a polite stand-in.

    ``run_rasa(text, collector)`` hands the screened text to Rasa with an output channel
    that collects replies (``collector.messages``). If Rasa does not finish within
    ``deadline`` it keeps working in the background (the conversation is not lost), and
    the citizen is told the system is busy; an answer with no reply at all (an action
    that failed because the action server is down) gets the same message.
    """
    replies = [{"recipient_id": sender_id, "text": notice} for notice in screened.notices]
    if screened.reply_instead is not None:
        return replies + [{"recipient_id": sender_id, "text": screened.reply_instead}]
    if privacy is not None:  # bot.channels.privacy.PrivacyDesk: «xem/xóa dữ liệu của tôi», the first-contact notice
        handled, to_rasa = await privacy.intercept(screened.text, sender_id)
        replies += handled
        if not to_rasa:
            return replies
        if await privacy.is_new_conversation(sender_id):  # said after the first answer, once
            screened.after.append(privacy.notice())
    task = asyncio.ensure_future(run_rasa(screened.text, collector))
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=deadline)
    except asyncio.TimeoutError:
        logger.warning("no answer within %.1f s; told the citizen the system is busy", deadline)
        task.add_done_callback(_log_late_failure)
        return replies + [{"recipient_id": sender_id, "text": BUSY_REPLY}] + _after(screened, sender_id)
    except Exception:  # noqa: BLE001 - a failure inside Rasa must still get a reply
        logger.exception("processing a message failed")
        return replies + [{"recipient_id": sender_id, "text": BUSY_REPLY}] + _after(screened, sender_id)
    answers = [m for m in collector.messages if m.get("text") or m.get("buttons") or m.get("custom") or m.get("image")]
    return replies + (answers or [{"recipient_id": sender_id, "text": BUSY_REPLY}]) + _after(screened, sender_id)


def _after(screened: Screened, sender_id: str) -> List[Dict[str, Any]]:
    return [{"recipient_id": sender_id, "text": text} for text in screened.after]


def _log_late_failure(task: "asyncio.Future[Any]") -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("a late answer failed: %r", task.exception())
