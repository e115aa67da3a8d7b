"""A citizen's rights over their conversation (Luật Bảo vệ dữ liệu cá nhân, Luật số 91/2025/QH15).

Handled in the channel layer, before Rasa, by exact phrases, so that no NLU model has to
learn them and a request to delete can never be read as another question:

- **Notice**: the first reply of a new conversation (nothing stored yet for the sender)
  on every channel starts with a short notice: what is stored, why, for how long, who
  is responsible (``content/settings/province.yml``) and how to see or delete it.
- **«xem dữ liệu của tôi»**: how many messages are kept, from when to when, the last
  few messages (masked again), and the retention.
- **«xóa dữ liệu của tôi»**: asks «Có/Không»; on «Có» every event of the sender is
  deleted from the tracker store (under the conversation's lock, so an answer being
  written finishes first) with the channel state kept for the sender (Zalo's numbered
  options; the rate-limit bucket, no content, expires by itself within 1.5 minutes).
  The officers' review queue and the 👍/👎 ratings are read from the tracker store, so
  they lose the conversation too.

None of these messages is stored: they never reach Rasa.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from bot.stores.retention import retention_days
from bot.stores.shared_state import SharedState, shared_state
from contentdir import SETTINGS_DIR
from vntext.normalise import phrase_key
from vntext.pii import mask_personal_data

logger = logging.getLogger(__name__)

PROVINCE_SETTINGS = SETTINGS_DIR / "province.yml"
# A «Có» counts only this long after the question.
CONFIRM_SECONDS = 600
VIETNAM = timezone(timedelta(hours=7))

YES, NO = "Có", "Không"
CONFIRM_BUTTONS = [{"title": YES, "payload": YES}, {"title": NO, "payload": NO}]

NOTICE = (
    "Về dữ liệu cá nhân (Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15): tôi lưu nội dung cuộc trò chuyện này "
    "(số CCCD/CMND, số điện thoại, số tài khoản, email đều được che) để trả lời anh/chị và để cán bộ cải thiện "
    "câu trả lời. Dữ liệu được giữ {retention} rồi tự động xóa. Đơn vị chịu trách nhiệm: {controller}. "
    "Muốn xem hoặc xóa, anh/chị gõ «xem dữ liệu của tôi» hoặc «xóa dữ liệu của tôi».{link}"
)
CONFIRM_QUESTION = (
    "Anh/chị có chắc muốn xóa toàn bộ cuộc trò chuyện của mình không? Sau khi xóa, tôi không khôi phục lại được. "
    "Chọn «Có» để xóa, «Không» để giữ lại."
)
DELETED = (
    "Tôi đã xóa dữ liệu của anh/chị: {messages} tin nhắn của cuộc trò chuyện{rated} ({events} bản ghi), "
    "khỏi nơi lưu hội thoại và khỏi hàng chờ rà soát của cán bộ; các lựa chọn tôi vừa đưa ra cũng đã được xóa. "
    "Nếu anh/chị hỏi tiếp, đó là một cuộc trò chuyện mới."
)
NOTHING_TO_DELETE = (
    "Tôi không còn lưu tin nhắn nào của anh/chị; các lựa chọn tôi vừa đưa ra cũng đã được xóa."
)
KEPT = "Tôi giữ nguyên cuộc trò chuyện, không xóa gì. Anh/chị cứ hỏi tiếp nhé."
NOT_CONFIRMED = "Tôi chưa xóa dữ liệu vì anh/chị chưa chọn «Có». Muốn xóa, anh/chị gõ lại «xóa dữ liệu của tôi»."
NOTHING_KEPT = "Hiện tôi không lưu tin nhắn nào của anh/chị."
SUMMARY = (
    "Dữ liệu tôi đang lưu về anh/chị: {messages} tin nhắn ({user} của anh/chị, {bot} của tôi){rated}, "
    "từ ngày {first} đến ngày {last}. Số CCCD/CMND, số điện thoại, số tài khoản và email đã được che."
)
RECENT_INTRO = "Các tin nhắn gần nhất của anh/chị:"
SUMMARY_END = "Dữ liệu được giữ {retention} rồi tự động xóa. Muốn xóa ngay, anh/chị gõ «xóa dữ liệu của tôi»."
UNAVAILABLE = (
    "Xin lỗi, lúc này tôi chưa truy cập được dữ liệu hội thoại. Anh/chị vui lòng thử lại sau ít phút."
)
RECENT_SHOWN = 3
RECENT_CHARS = 120

# ------------------------------------------------------------------ exact phrases (folded)
_WHO = r"(?:toi|em|minh|tui|chau|con|anh|chi)"
_LEAD = rf"(?:{_WHO}\s+)?(?:(?:muon|can|xin|yeu cau|de nghi|hay|lam on|vui long|cho|giup|ban|bot)\s+(?:{_WHO}\s+)?)*"
_ALL = r"(?:(?:het|toan bo|tat ca|sach|het sach|luon)\s+)?"
_DATA = (r"(?:du lieu(?:\s+ca nhan)?|thong tin ca nhan|tin nhan|cac tin nhan|cuoc tro chuyen|cuoc hoi thoai|hoi thoai"
         r"|lich su(?:\s+(?:tro chuyen|chat|hoi thoai|tin nhan))?|doan chat|chat)")
_MINE = rf"(?:\s+(?:cua\s+)?{_WHO})?"
_TAIL = r"(?:\s+(?:di|giup|giup toi|giup em|ho|nhe|nha|voi|a|ah|luon|ngay|nay|ay|duoc khong|dc ko|duoc ko))*"
DELETE_REQUEST = re.compile(rf"^{_LEAD}(?:xoa|xoa bo|go|huy)\s+{_ALL}{_DATA}{_MINE}{_TAIL}$")
VIEW_REQUEST = re.compile(rf"^{_LEAD}(?:xem|xem lai|cho xem|kiem tra|tra cuu)\s+{_ALL}{_DATA}{_MINE}{_TAIL}$")
_YES = {"co", "co a", "co xoa", "co xoa di", "xoa", "xoa di", "dong y", "ok", "oke", "okay", "yes", "u", "uh", "um",
        "vang", "vang a", "da", "da co", "chac chan", "xac nhan", "co chac chan", "dung", "dung roi", "co toi muon xoa"}
_NO = {"khong", "khong a", "ko", "k", "kg", "khg", "hong", "no", "khong xoa", "dung xoa", "thoi", "thoi khong",
       "huy", "giu lai", "giu", "khong giu lai", "khong can", "khoi"}


def request_kind(text: str) -> Optional[str]:
    """"delete", "view" or None for any other message."""
    words = phrase_key(text)
    if len(words) > 80:
        return None
    if DELETE_REQUEST.match(words):
        return "delete"
    if VIEW_REQUEST.match(words):
        return "view"
    return None


# ------------------------------------------------------------------ settings
def retention_phrase(days: int) -> str:
    if days <= 0:
        return "cho đến khi anh/chị yêu cầu xóa"
    if days % 365 == 0:
        return f"{days // 365 * 12} tháng"
    if days % 30 == 0:
        return f"{days // 30} tháng"
    return f"{days} ngày"


def _setting(settings: Dict[str, Any], section: str, key: str) -> str:
    item = (settings.get(section) or {}).get(key) or {}
    value = item.get("value") if isinstance(item, dict) else None
    return value.strip() if isinstance(value, str) else ""


@lru_cache(maxsize=4)
def _notice_parts(path: str, mtime: float) -> Dict[str, str]:
    import yaml

    settings = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    controller = _setting(settings, "privacy", "controller")
    if not controller:
        place = " ".join(p for p in (_setting(settings, "province", "short_name"),
                                     _setting(settings, "province", "name")) if p)
        controller = f"đơn vị triển khai trợ lý này tại {place}" if place else "đơn vị triển khai trợ lý này"
    url = _setting(settings, "privacy", "policy_url")
    return {"controller": controller, "link": f" Toàn văn: {url}" if url else ""}


def notice_text(path: Path = PROVINCE_SETTINGS) -> str:
    try:
        parts = _notice_parts(str(path), path.stat().st_mtime)
    except (OSError, ValueError) as error:
        logger.error("province settings unreadable for the privacy notice: %s", error)
        parts = {"controller": "đơn vị triển khai trợ lý này", "link": ""}
    return NOTICE.format(retention=retention_phrase(retention_days()), **parts)


# ------------------------------------------------------------------ what is kept
def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, VIETNAM).strftime("%d/%m/%Y")


def _is_rating(event: Dict[str, Any]) -> bool:
    return event.get("event") == "slot" and event.get("name") == "answer_feedback" and bool(event.get("value"))


def _citizen_texts(events: List[Dict[str, Any]]) -> List[str]:
    return [e["text"] for e in events if e.get("event") == "user" and isinstance(e.get("text"), str)
            and e["text"].strip() and not e["text"].startswith("/")]


def count_messages(events: List[Dict[str, Any]]) -> Dict[str, int]:
    user = len(_citizen_texts(events))
    bot = sum(1 for e in events if e.get("event") == "bot" and (e.get("text") or (e.get("data") or {}).get("buttons")))
    return {"user": user, "bot": bot, "messages": user + bot, "ratings": sum(1 for e in events if _is_rating(e))}


def summary(events: List[Dict[str, Any]], days: Optional[int] = None) -> str:
    counts = count_messages(events)
    stamps = [e["timestamp"] for e in events if isinstance(e.get("timestamp"), (int, float))
              and e.get("event") in ("user", "bot")]
    if not counts["messages"] or not stamps:
        return NOTHING_KEPT
    rated = f" và {counts['ratings']} lượt đánh giá 👍/👎" if counts["ratings"] else ""
    lines = [SUMMARY.format(rated=rated, first=_day(min(stamps)), last=_day(max(stamps)), **counts)]
    recent = _citizen_texts(events)[-RECENT_SHOWN:]
    if recent:
        lines.append(RECENT_INTRO)
        for text in recent:
            shown = mask_personal_data(" ".join(text.split())).text
            lines.append(f"- «{shown[:RECENT_CHARS]}{'…' if len(shown) > RECENT_CHARS else ''}»")
    lines.append(SUMMARY_END.format(retention=retention_phrase(retention_days() if days is None else days)))
    return "\n".join(lines)


# ------------------------------------------------------------------ the desk
class PrivacyDesk:
    """Answers «xem/xóa dữ liệu của tôi» and says whether a conversation is new.

    ``agent_of()`` gives Rasa's agent (``app.ctx.agent``), or None while it loads.
    """

    def __init__(self, agent_of: Callable[[], Any], state: Optional[SharedState] = None) -> None:
        self.agent_of = agent_of
        self.state = state or shared_state()

    @classmethod
    def for_app(cls, app: Any) -> "PrivacyDesk":
        return cls(lambda: getattr(getattr(app, "ctx", None), "agent", None))

    def _store(self) -> Any:
        """(agent, SQL tracker store) when both are ready, else (None, None)."""
        agent = self.agent_of()
        if agent is None or getattr(agent, "processor", None) is None:
            return None, None
        from bot.stores.tracker_store import sql_store

        return agent, sql_store(agent.tracker_store)

    def notice(self) -> str:
        return notice_text()

    async def is_new_conversation(self, sender_id: str) -> bool:
        """Nothing is stored for the sender yet; False when that cannot be known."""
        try:
            agent, store = self._store()
            if store is not None:
                return not await store.exists(sender_id)
            if agent is not None:
                return not await agent.tracker_store.exists(sender_id)
        except Exception as error:  # noqa: BLE001 - a notice never costs a citizen the answer
            logger.error("could not tell whether a conversation is new: %s", error)
        return False

    async def intercept(self, text: str, sender_id: str) -> Tuple[List[Dict[str, Any]], bool]:
        """Replies to a privacy request, and whether the message still goes to Rasa.

        A privacy request (or the answer to «Có/Không») is answered here and never stored;
        any other message goes to Rasa, after a word that a pending deletion was not done.
        """
        pending_key = f"privacy-confirm:{sender_id}"
        kind = request_kind(text)
        if kind is None and self.state.get(pending_key):
            self.state.delete(pending_key)
            answer = phrase_key(text)
            if answer in _YES:
                return [self._reply(sender_id, await self._delete(sender_id))], False
            if answer in _NO:
                return [self._reply(sender_id, KEPT)], False
            return [self._reply(sender_id, NOT_CONFIRMED)], True
        if kind == "delete":
            self.state.put(pending_key, "delete", CONFIRM_SECONDS)
            return [dict(self._reply(sender_id, CONFIRM_QUESTION), buttons=CONFIRM_BUTTONS)], False
        if kind == "view":
            return [self._reply(sender_id, await self._view(sender_id))], False
        return [], True

    @staticmethod
    def _reply(sender_id: str, text: str) -> Dict[str, Any]:
        return {"recipient_id": sender_id, "text": text}

    async def _view(self, sender_id: str) -> str:
        agent, store = self._store()
        if store is None:
            return UNAVAILABLE
        try:
            return summary(store.conversation_events(sender_id))
        except Exception as error:  # noqa: BLE001
            logger.error("could not read a conversation for its owner: %s", error)
            return UNAVAILABLE

    async def _delete(self, sender_id: str) -> str:
        agent, store = self._store()
        if store is None:
            return UNAVAILABLE
        try:
            # The conversation's lock: an answer being written finishes first, none starts meanwhile.
            async with agent.processor.lock_store.lock(sender_id):
                counts = count_messages(store.conversation_events(sender_id))
                events = store.delete_conversation(sender_id)
        except Exception as error:  # noqa: BLE001
            logger.error("could not delete a conversation on its owner's request: %s", error)
            return UNAVAILABLE
        forget_channel_state(self.state, sender_id)
        logger.info("a conversation was deleted on its owner's request (%d events)", events)
        if not events:
            return NOTHING_TO_DELETE
        rated = f" và {counts['ratings']} lượt đánh giá 👍/👎" if counts["ratings"] else ""
        return DELETED.format(messages=counts["messages"], rated=rated, events=events)


def forget_channel_state(state: SharedState, sender_id: str) -> None:
    """What the channels keep under the sender's id: Zalo's numbered options, a pending question.

    The rate-limit bucket (a token count and a time, no content) is left to expire by
    itself, within 1.5 minutes: deleting it would let a flooder reset the limit by
    deleting their conversation every few messages.
    """
    for key in (f"options:{sender_id}", f"privacy-confirm:{sender_id}"):
        state.delete(key)
