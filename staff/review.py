"""Review queue: recent conversations where the bot was unsure, fell back, or got a 👎.

Reads Rasa's SQL tracker store (table ``events``, one JSON event per row in ``data``)
read-only through ``tracker_reader.py`` (SQLite, or PostgreSQL in the scale-out). A
conversation is listed when a user message was read as ``nlu_fallback``, the bot ran
``action_default_fallback``, the knowledge action set ``answer_kind`` to ``unsure`` or
``unavailable``, or the web widget set ``answer_feedback`` to ``{"rating": "down", ...}``. Every text shown has personal
numbers masked (vntext/pii.py), and conversations are named by a hash of the sender id,
which may itself be a phone number.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from vntext.pii import mask_personal_data
from staff.tracker_reader import TrackerReader, reader_for

REASONS = {
    "nlu_fallback": "Bot không hiểu câu hỏi (nlu_fallback)",
    "default_fallback": "Bot dùng câu trả lời dự phòng",
    "unsure": "Bot chưa đủ chắc chắn để trả lời",
    "unavailable": "Phần tra cứu bị gián đoạn",
    "thumbs_down": "Người dân bấm 👎",
}


@dataclass
class Turn:
    speaker: str  # "user" | "bot"
    text: str  # masked
    at: float
    reasons: List[str] = field(default_factory=list)


@dataclass
class Flag:
    reason: str
    question: str  # the citizen's message that led to it (masked)
    at: float
    rated_text: str = ""  # for a 👎: the bot message rated (masked)


@dataclass
class Conversation:
    key: str  # short hash of the sender id
    turns: List[Turn]
    flags: List[Flag]

    @property
    def last_at(self) -> float:
        return max((t.at for t in self.turns), default=0.0)


def _masked(text: Any) -> str:
    return mask_personal_data(str(text or "")).text


def _feedback(value: Any) -> Dict[str, Any]:
    """The feedback slot's value, whether stored as a mapping or as JSON text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def conversation_from_events(sender_id: str, events: List[Dict[str, Any]]) -> Conversation:
    """Turns and flags of one conversation, from its events in order."""
    turns: List[Turn] = []
    flags: List[Flag] = []
    last_user: Optional[Turn] = None

    def flag(reason: str, at: float, question_turn: Optional[Turn], rated: str = "") -> None:
        if question_turn is not None and reason not in question_turn.reasons:
            question_turn.reasons.append(reason)
        flags.append(Flag(reason, question_turn.text if question_turn else "", at, rated))

    for event in events:
        kind, at = event.get("event"), float(event.get("timestamp") or 0.0)
        if kind == "user":
            last_user = Turn("user", _masked(event.get("text")), at)
            turns.append(last_user)
            if ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "nlu_fallback":
                flag("nlu_fallback", at, last_user)
        elif kind == "bot":
            turns.append(Turn("bot", _masked(event.get("text")), at))
        elif kind == "action" and event.get("name") == "action_default_fallback":
            flag("default_fallback", at, last_user)
        elif kind == "slot" and event.get("name") == "answer_kind" and event.get("value") in ("unsure", "unavailable"):
            flag(str(event["value"]), at, last_user)
        elif kind == "slot" and event.get("name") == "answer_feedback":
            feedback = _feedback(event.get("value"))
            if feedback.get("rating") == "down":
                rated = _masked(feedback.get("bot_text"))
                flag("thumbs_down", at, _question_before(turns, rated) or last_user, rated)
    key = hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:10]
    return Conversation(key, turns, flags)


def _question_before(turns: List[Turn], bot_text: str) -> Optional[Turn]:
    """The citizen's message just before the (last) bot message that was rated."""
    for position in range(len(turns) - 1, -1, -1):
        if turns[position].speaker == "bot" and bot_text and turns[position].text.strip() == bot_text.strip():
            return next((t for t in reversed(turns[:position]) if t.speaker == "user"), None)
    return None


def review_queue(store: Union[Path, str, TrackerReader], days: float = 14, limit: int = 50) -> List[Conversation]:
    """Flagged conversations of the last ``days`` days, most recent first (empty when no store yet).

    ``store``: the SQLite file, a SQLAlchemy URL (PostgreSQL) or a reader (tracker_reader.py).
    """
    reader = reader_for(store)
    conversations = []
    for sender in reader.flagged_senders(time.time() - days * 86400, limit * 4):
        conversation = conversation_from_events(sender, reader.conversation(sender))
        if conversation.flags:
            conversations.append(conversation)
        if len(conversations) >= limit:
            break
    return conversations
