"""Approved announcements as the channels see them, and who on Zalo wants them.

The staff app (``staff/announcements.py``) keeps the announcements, their
approval and their delivery history. The Rasa process must not import it (another
Python, another environment), so the two meet in one shared folder,
``ANNOUNCEMENTS_DIR`` (default: ``announcements/`` next to the tracker store, 0700):

- ``published.json`` — written atomically by the staff app after every approval,
  withdrawal or change of the figures: the approved announcements, already rendered
  for the day and masked. Read here with mtime caching; an expired one is left out
  here too, so it disappears on its last day even if the staff app is down.
- ``followers.db`` — the Zalo users the channel has heard from (a message, a follow),
  when they last wrote, whether they unfollowed, and whether they opted out of
  announcements. The Zalo channel writes it; the staff app reads it to send.

Citizens opt out and back in on Zalo with exact phrases, answered in the channel layer
like «xem/xóa dữ liệu của tôi» (``bot/channels/privacy.py``): «hủy nhận tin» / «huy nhan tin»
and «nhận tin» / «nhan tin». No NLU is involved, so a request can never be misread,
and these messages are not stored as conversation.

Pure standard library: used by the Rasa server and by the staff tools.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from bot.stores import sqlite_files
from bot.stores.private_files import private_dir, private_file
from vntext.normalise import phrase_key
from vntext.pii import mask_personal_data

VIETNAM = timezone(timedelta(hours=7))
ZALO_SENDER_PREFIX = "zalo_"  # a Zalo user's conversation id in the tracker store
PUBLISHED_FILE = "published.json"
FOLLOWERS_FILE = "followers.db"

# Exact phrases (folded by vntext.normalise.phrase_key: no diacritics, lower case, words only).
OPT_OUT_PHRASES = frozenset({"huy nhan tin", "huy nhan thong bao", "ngung nhan tin"})
OPT_IN_PHRASES = frozenset({"nhan tin", "nhan thong bao", "nhan lai tin"})

OPTED_OUT_REPLY = (
    "Tôi đã ghi nhận: anh/chị sẽ không nhận thông báo về chính sách tín dụng từ trang này nữa. "
    "Anh/chị vẫn hỏi đáp bình thường. Muốn nhận lại thông báo, anh/chị gõ «nhận tin»."
)
OPTED_IN_REPLY = (
    "Tôi đã ghi nhận: anh/chị sẽ nhận thông báo khi chính sách tín dụng có thay đổi (lãi suất, mức vay…). "
    "Muốn ngừng nhận, anh/chị gõ «hủy nhận tin»."
)
UNAVAILABLE_REPLY = "Xin lỗi, lúc này tôi chưa ghi nhận được yêu cầu. Anh/chị vui lòng thử lại sau ít phút."

FOLLOWERS_SCHEMA = """CREATE TABLE IF NOT EXISTS followers (
    user_id TEXT PRIMARY KEY,
    first_seen REAL NOT NULL,
    last_interaction REAL,
    followed INTEGER NOT NULL DEFAULT 1,
    opted_out INTEGER NOT NULL DEFAULT 0,
    changed_at REAL NOT NULL
)"""


def announcements_dir() -> Path:
    """``ANNOUNCEMENTS_DIR``, else ``announcements/`` next to the tracker store (as ``TRACKER_DB`` names it)."""
    given = os.environ.get("ANNOUNCEMENTS_DIR")
    if given:
        return Path(given).resolve()
    return Path(os.environ.get("TRACKER_DB") or ".cache/conversations.db").resolve().parent / "announcements"


def vietnam_today() -> date:
    """Today in Vietnam (``POLICY_TODAY=YYYY-MM-DD`` fixes it, as for the figures)."""
    fixed = os.environ.get("POLICY_TODAY", "").strip()
    if fixed:
        try:
            return date.fromisoformat(fixed)
        except ValueError:
            pass
    return datetime.now(VIETNAM).date()


def subscription_request(text: str) -> Optional[str]:
    """ "out" for «hủy nhận tin», "in" for «nhận tin» (accented or not), None for any other message."""
    words = phrase_key(text)
    if words in OPT_OUT_PHRASES:
        return "out"
    if words in OPT_IN_PHRASES:
        return "in"
    return None


# ------------------------------------------------------------------ published announcements
@dataclass(frozen=True)
class Published:
    """One approved announcement as citizens see it."""

    id: int
    text: str
    expires: Optional[date]
    approved_at: str

    def shown_on(self, day: date) -> bool:
        return self.expires is None or day <= self.expires

    def as_json(self) -> Dict[str, Any]:
        return {"id": self.id, "text": self.text, "expires": self.expires.isoformat() if self.expires else None}


def write_published(items: List[Dict[str, Any]], directory: Optional[Path] = None) -> Path:
    """Replace ``published.json`` in one rename (readers never see half a file); 0600 in a 0700 folder."""
    folder = private_dir(directory or announcements_dir())
    path = folder / PUBLISHED_FILE
    temporary = folder / f".{PUBLISHED_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"written_at": time.time(), "announcements": items}, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


class PublishedAnnouncements:
    """The current announcement for the channels, read from ``published.json`` when its mtime changes."""

    def __init__(self, directory: Optional[Path] = None) -> None:
        self.directory = directory
        self._cached: Tuple[Optional[int], List[Published]] = (None, [])
        self._lock = threading.Lock()

    def _path(self) -> Path:
        return (self.directory or announcements_dir()) / PUBLISHED_FILE

    def all(self) -> List[Published]:
        path = self._path()
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return []
        with self._lock:
            if self._cached[0] == stamp:
                return self._cached[1]
            items = _read_published(path)
            self._cached = (stamp, items)
            return items

    def current(self, day: Optional[date] = None) -> Optional[Published]:
        """The newest approved announcement still shown on ``day`` (today in Vietnam by default)."""
        day = day or vietnam_today()
        shown = [item for item in self.all() if item.shown_on(day)]
        return max(shown, key=lambda item: (item.approved_at, item.id)) if shown else None


def _read_published(path: Path) -> List[Published]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    items = []
    for raw in data.get("announcements") or [] if isinstance(data, dict) else []:
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
            continue
        try:
            expires = date.fromisoformat(raw["expires"]) if raw.get("expires") else None
            number = int(raw.get("id"))
        except (TypeError, ValueError):
            continue
        # Masked again on the way out: nothing unmasked reaches a citizen's screen.
        items.append(Published(number, mask_personal_data(raw["text"].strip()).text, expires,
                               str(raw.get("approved_at") or "")))
    return items


# ------------------------------------------------------------------ Zalo followers
@dataclass(frozen=True)
class Follower:
    user_id: str
    first_seen: float
    last_interaction: Optional[float]
    followed: bool
    opted_out: bool


class FollowerBook:
    """Zalo users known to the channel, with their opt-out state (``followers.db``, 0600).

    Every Rasa process of the machine and the staff app open the same file (write-ahead
    log, one short transaction per change).
    """

    def __init__(self, path: Union[str, Path, None] = None) -> None:
        self.path = Path(path) if path else announcements_dir() / FOLLOWERS_FILE
        self._connections = sqlite_files.ConnectionPerThread(self.path)
        self._connections.get().execute(FOLLOWERS_SCHEMA)
        private_file(self.path)

    def _change(self, sql: str, *params: Any) -> None:
        connection = self._connections.get()
        with sqlite_files.immediate_transaction(connection):
            connection.execute(sql, params)

    def seen(self, user_id: str, followed: Optional[bool] = None, interacted: bool = True,
             now: Optional[float] = None) -> None:
        """Remember a user who wrote (``interacted``) or followed; a new user starts opted in."""
        now = time.time() if now is None else now
        self._change(
            "INSERT INTO followers (user_id, first_seen, last_interaction, followed, opted_out, changed_at) "
            "VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT(user_id) DO UPDATE SET "
            "last_interaction = COALESCE(excluded.last_interaction, followers.last_interaction), "
            "followed = CASE WHEN ? IS NULL THEN followers.followed ELSE excluded.followed END, "
            "changed_at = excluded.changed_at",
            user_id, now, now if interacted else None, 1 if followed in (None, True) else 0, now,
            None if followed is None else int(followed))

    def set_opted_out(self, user_id: str, opted_out: bool, now: Optional[float] = None) -> None:
        now = time.time() if now is None else now
        self.seen(user_id, now=now)
        self._change("UPDATE followers SET opted_out = ?, changed_at = ? WHERE user_id = ?",
                     int(opted_out), now, user_id)

    def get(self, user_id: str) -> Optional[Follower]:
        row = self._connections.get().execute(
            "SELECT user_id, first_seen, last_interaction, followed, opted_out FROM followers WHERE user_id = ?",
            (user_id,)).fetchone()
        return _follower(row) if row else None

    def all(self) -> List[Follower]:
        rows = self._connections.get().execute(
            "SELECT user_id, first_seen, last_interaction, followed, opted_out FROM followers ORDER BY first_seen")
        return [_follower(row) for row in rows.fetchall()]


def _follower(row: Tuple[Any, ...]) -> Follower:
    return Follower(str(row[0]), float(row[1]), None if row[2] is None else float(row[2]), bool(row[3]), bool(row[4]))
