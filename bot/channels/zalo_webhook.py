"""What Zalo posts to the OA webhook: proof that Zalo sent it, and the event it carries.

Zalo signs each delivery with ``X-ZEvent-Signature``: the SHA-256 hex digest of
``app_id + raw body + timestamp + OA secret key`` (a plain hash, not an HMAC; the value
sometimes starts with ``mac=``), where ``timestamp`` is the event's own field in
milliseconds. Anyone can reach a public webhook, so an unsigned, wrongly signed or old
delivery (a replay) must never reach Rasa. See ../shared/research/anchors.md §3 (beside the repository).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Dict, Optional, Union

SIGNATURE_HEADER = "X-ZEvent-Signature"

TEXT_EVENT = "user_send_text"
# Events from the citizen that carry no text we can read (images, stickers, voice...).
MEDIA_EVENT_PREFIX = "user_send_"
FOLLOW_EVENT = "follow"
UNFOLLOW_EVENT = "unfollow"


def expected_signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The signature Zalo computes for a delivery."""
    digest = hashlib.sha256()
    for part in (app_id.encode("utf-8"), body, timestamp.encode("utf-8"), oa_secret_key.encode("utf-8")):
        digest.update(part)
    return digest.hexdigest()


def signature_matches(header: Optional[str], app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    """Whether ``header`` is Zalo's signature of this delivery (constant-time compare)."""
    if not header or not oa_secret_key:
        return False
    value = header.strip()
    if value[:4].lower() == "mac=":
        value = value[4:].strip()
    expected = expected_signature(app_id, body, timestamp, oa_secret_key)
    return hmac.compare_digest(value.lower().encode("utf-8", "replace"), expected.encode("ascii"))


def timestamp_seconds(value: Union[str, int, float, None]) -> Optional[float]:
    """An event timestamp (epoch milliseconds, often a string) in seconds; None if unreadable."""
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    if number != number or number <= 0:  # NaN or not a time
        return None
    return number / 1000.0


def is_fresh(timestamp: Union[str, int, float, None], max_age_seconds: float, now: Optional[float] = None) -> bool:
    """Whether the event was sent within ``max_age_seconds`` of now (either direction: clock skew)."""
    seconds = timestamp_seconds(timestamp)
    if seconds is None:
        return False
    return abs((time.time() if now is None else now) - seconds) <= max_age_seconds


def parse_body(body: bytes) -> Optional[Dict[str, Any]]:
    """The JSON object of a delivery, or None when it is not one."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _id(value: Any) -> str:
    """An id as a string: Zalo ids are big numbers, sometimes sent as JSON numbers."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


@dataclass(frozen=True)
class ZaloEvent:
    """One webhook event, reduced to what the channel acts on."""

    name: str
    user_id: str  # the citizen: sender of user_* events, follower of "follow"
    text: str
    msg_id: str
    timestamp: str

    @property
    def kind(self) -> str:
        """"text", "media" (a polite "text only" reply), "follow" (a greeting), "unfollow" (no more
        announcements) or "ignored"."""
        if not self.user_id:
            return "ignored"
        if self.name == TEXT_EVENT:
            return "text"
        if self.name.startswith(MEDIA_EVENT_PREFIX):
            return "media"
        if self.name == FOLLOW_EVENT:
            return "follow"
        if self.name == UNFOLLOW_EVENT:
            return "unfollow"
        return "ignored"  # oa_send_*, seen/received receipts...

    @property
    def delivery_key(self) -> str:
        """Identifies a delivery, so that Zalo re-sending it is recognised."""
        return self.msg_id or f"{self.name}:{self.user_id}:{self.timestamp}"


def parse_event(data: Dict[str, Any]) -> ZaloEvent:
    """The event in a delivery's JSON; unknown or malformed parts become empty strings."""
    name = data.get("event_name")
    name = name if isinstance(name, str) else ""
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    user = data.get("follower") if name in (FOLLOW_EVENT, UNFOLLOW_EVENT) else data.get("sender")
    if not name.startswith("user_") and name not in (FOLLOW_EVENT, UNFOLLOW_EVENT):
        user = None  # OA-side events: the sender is the OA itself
    text = message.get("text")
    timestamp = data.get("timestamp")
    return ZaloEvent(
        name=name,
        user_id=_id(user),
        text=text if isinstance(text, str) else "",
        msg_id=_id(message.get("msg_id")),
        timestamp="" if timestamp is None else str(timestamp),
    )
