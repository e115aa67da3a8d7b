"""Announcements to citizens (issue 16, items 3–4): written by one account, approved by another, kept in history.

A staff member writes a short plain text that may quote figures with ``{{group.key}}``
placeholders (rendered from the tables for the day it is shown, so an approved change of
rate shows by itself), and an optional last day. It is invisible until *another* account
approves it (``staff/approval.py``, as for policy figures); then the staff app
publishes it (``bot/stores/announcements.py``: a JSON file the Rasa process reads) and staff may
send it to Zalo followers (``staff/zalo_broadcast.py``). A withdrawal takes it
down. When a policy figure change is approved, a *draft* quoting the new value is
prepared here for staff to edit, submit and have approved.

Everything is kept in one SQLite file in the staff state folder (``announcements.db``,
0600): the announcements, every action on them (``events``: who, when, what) and every
delivery to every Zalo user (``deliveries``). Text is masked (``vntext/pii.py``) when it is
saved, rendered and shown: no page or export carries an unmasked personal number.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from bot.stores import sqlite_files
from bot.stores.announcements import vietnam_today, write_published
from vntext.pii import mask_personal_data
from staff.approval import now_iso, refuse_own
from staff.figure_store import known_placeholder, parse_date
from staff.validation import Problem
from knowledge.tables import PLACEHOLDER_RE, PolicyTables, format_date

MAX_CHARS = 1000  # short: a Zalo message body and a banner, not an article
DRAFT, PENDING, APPROVED, REJECTED, WITHDRAWN = "draft", "pending", "approved", "rejected", "withdrawn"
STATE_NAMES = {DRAFT: "bản nháp", PENDING: "chờ duyệt", APPROVED: "đã duyệt", REJECTED: "bị từ chối",
               WITHDRAWN: "đã thu hồi"}
ACTION_NAMES = {"create": "viết", "draft": "soạn sẵn từ số liệu", "edit": "sửa", "submit": "gửi duyệt",
                "approve": "duyệt", "reject": "từ chối", "withdraw": "thu hồi", "send": "gửi qua Zalo",
                "delivery": "kết quả gửi Zalo"}
SENT, FAILED, QUEUED = "sent", "failed", "pending"

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS announcements (
        id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, expires TEXT, state TEXT NOT NULL,
        written_by TEXT NOT NULL, written_at TEXT NOT NULL, decided_by TEXT, decided_at TEXT,
        source TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL DEFAULT 1)""",
    """CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, announcement_id INTEGER NOT NULL, at TEXT NOT NULL,
        user TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS deliveries (
        announcement_id INTEGER NOT NULL, user_id TEXT NOT NULL, state TEXT NOT NULL, code INTEGER,
        reason TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0, message_id TEXT,
        updated_at REAL NOT NULL, sent_day TEXT, PRIMARY KEY (announcement_id, user_id))""",
    """CREATE TABLE IF NOT EXISTS attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, announcement_id INTEGER NOT NULL, user_id TEXT NOT NULL,
        at TEXT NOT NULL, state TEXT NOT NULL, code INTEGER, reason TEXT NOT NULL DEFAULT '')""",
)


class AnnouncementError(Exception):
    """An action that cannot be done (message in Vietnamese, shown to staff as it is)."""


class SelfApprovalError(AnnouncementError):
    """The author tried to approve their own announcement."""


@dataclass(frozen=True)
class Announcement:
    id: int
    text: str
    expires: Optional[date]
    state: str
    written_by: str
    written_at: str
    decided_by: str
    decided_at: str
    source: str
    version: int

    def shown_on(self, day: date) -> bool:
        """Approved and not past its last day: what citizens see that day."""
        return self.state == APPROVED and (self.expires is None or day <= self.expires)


@dataclass(frozen=True)
class Event:
    at: str
    user: str
    action: str
    detail: Dict[str, Any]


@dataclass(frozen=True)
class Counts:
    """Deliveries of one announcement: reached, failed, still pending (quota, night, network)."""

    sent: int = 0
    failed: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.pending


def masked(text: str) -> str:
    return mask_personal_data(text or "").text


# -- checking what staff type ----------------------------------------------------------------
def check_announcement(tables: PolicyTables, text: str, expires_text: str,
                       day: Optional[date] = None) -> Tuple[str, Optional[date], List[Problem]]:
    """The text as it will be kept (trimmed, personal numbers masked), its last day, and what is wrong.

    Errors: no text, too long, a placeholder the tables do not know, a last day unreadable
    or already past. A personal number is masked, with a warning saying so.
    """
    day = day or vietnam_today()
    problems: List[Problem] = []
    clean = "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").strip().split("\n"))
    if not clean:
        problems.append(Problem("text", "Hãy viết nội dung thông báo."))
    elif len(clean) > MAX_CHARS:
        problems.append(Problem("text", f"Thông báo dài {len(clean)} ký tự; tối đa {MAX_CHARS} ký tự (một tin Zalo "
                                        "ngắn). Hãy viết gọn lại."))
    for group, key, _ in PLACEHOLDER_RE.findall(clean):
        if not known_placeholder(tables, group, key):
            problems.append(Problem("text", f"Thông báo dùng số liệu không có trong bảng: {{{{{group}.{key}}}}}."))
    if "{{" in PLACEHOLDER_RE.sub("", clean):
        problems.append(Problem("text", "Có chỗ viết «{{…}}» không đúng dạng {{nhóm.số_liệu}}, ví dụ "
                                        "{{facts.poor_rate}}."))
    masking = mask_personal_data(clean)
    if masking.found:
        problems.append(Problem("text", "Thông báo có số cá nhân (CCCD, số điện thoại, số tài khoản, email): "
                                        "đã được che. Thông báo gửi cho mọi người, không ghi số của riêng ai.",
                                "warning"))
    expires: Optional[date] = None
    if (expires_text or "").strip():
        expires = parse_date(expires_text)
        if expires is None:
            problems.append(Problem("expires", f"Ngày hết hạn «{expires_text}» không đúng dạng ngày/tháng/năm "
                                               "(ví dụ 31/12/2026)."))
        elif expires < day:
            problems.append(Problem("expires", f"Ngày hết hạn {format_date(expires)} đã qua."))
    return masking.text, expires, problems


def render_text(tables: PolicyTables, text: str, day: Optional[date] = None) -> str:
    """What citizens read on ``day``: placeholders filled from the tables, personal numbers masked."""
    try:
        rendered = tables.render(text, on=day or vietnam_today()).text
    except (KeyError, ValueError):  # a figure removed since approval: never show a broken text
        return ""
    return masked(rendered)


# -- the store ---------------------------------------------------------------------------------
class AnnouncementStore:
    """Announcements, their history and their deliveries in ``<state>/announcements.db``."""

    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / "announcements.db"
        self._connections = sqlite_files.ConnectionPerThread(self.path)
        connection = self._connections.get()
        for statement in SCHEMA:
            connection.execute(statement)

    def _db(self) -> Any:
        return self._connections.get()

    # -- reading ---------------------------------------------------------------------------
    def get(self, number: int) -> Optional[Announcement]:
        row = self._db().execute(f"SELECT {_COLUMNS} FROM announcements WHERE id = ?", (number,)).fetchone()
        return _announcement(row) if row else None

    def all(self) -> List[Announcement]:
        rows = self._db().execute(f"SELECT {_COLUMNS} FROM announcements ORDER BY id DESC").fetchall()
        return [_announcement(row) for row in rows]

    def events(self, number: int) -> List[Event]:
        rows = self._db().execute("SELECT at, user, action, detail FROM events WHERE announcement_id = ? ORDER BY id",
                                  (number,)).fetchall()
        return [Event(at, user, action, json.loads(detail)) for at, user, action, detail in rows]

    # -- writing ---------------------------------------------------------------------------
    def _log(self, connection: Any, number: int, user: str, action: str, **detail: Any) -> None:
        connection.execute("INSERT INTO events (announcement_id, at, user, action, detail) VALUES (?, ?, ?, ?, ?)",
                           (number, now_iso(), user, action, json.dumps(detail, ensure_ascii=False, default=str)))

    def create(self, text: str, expires: Optional[date], user: str, state: str = PENDING, source: str = "") -> int:
        """A new announcement (pending approval, or a draft prepared for staff); returns its number."""
        connection = self._db()
        with sqlite_files.immediate_transaction(connection):
            cursor = connection.execute(
                "INSERT INTO announcements (text, expires, state, written_by, written_at, source) VALUES (?, ?, ?, ?, ?, ?)",
                (masked(text), expires.isoformat() if expires else None, state, user, now_iso(), source))
            number = int(cursor.lastrowid)
            self._log(connection, number, user, "draft" if state == DRAFT else "create", text=masked(text),
                      expires=expires, source=source)
        return number

    def _current(self, connection: Any, number: int, version: int, states: Sequence[str]) -> Announcement:
        row = connection.execute(f"SELECT {_COLUMNS} FROM announcements WHERE id = ?", (number,)).fetchone()
        if row is None:
            raise AnnouncementError("Không có thông báo này.")
        item = _announcement(row)
        if item.version != version:
            raise AnnouncementError("Thông báo vừa được người khác thay đổi. Hãy tải lại trang rồi thử lại.")
        if item.state not in states:
            raise AnnouncementError(f"Thông báo này đang ở trạng thái «{STATE_NAMES.get(item.state, item.state)}», "
                                    "không làm được việc này.")
        return item

    def _set(self, connection: Any, item: Announcement, **values: Any) -> None:
        names = ", ".join(f"{name} = ?" for name in values)
        connection.execute(f"UPDATE announcements SET {names}, version = version + 1 WHERE id = ?",
                           (*values.values(), item.id))

    def edit(self, number: int, version: int, text: str, expires: Optional[date], user: str) -> None:
        """Change a draft or a pending text; it becomes ``user``'s, pending, so another account must approve it."""
        connection = self._db()
        with sqlite_files.immediate_transaction(connection):
            item = self._current(connection, number, version, (DRAFT, PENDING))
            self._set(connection, item, text=masked(text), expires=expires.isoformat() if expires else None,
                      state=PENDING, written_by=user, written_at=now_iso())
            self._log(connection, number, user, "submit" if item.state == DRAFT else "edit", text=masked(text),
                      expires=expires)

    def approve(self, number: int, version: int, user: str) -> None:
        """Put a pending announcement in front of citizens; refused to its author."""
        connection = self._db()
        with sqlite_files.immediate_transaction(connection):
            item = self._current(connection, number, version, (PENDING,))
            refuse_own(item.written_by, user, SelfApprovalError, "viết thông báo này", "kiểm tra nội dung và duyệt")
            self._set(connection, item, state=APPROVED, decided_by=user, decided_at=now_iso())
            self._log(connection, number, user, "approve")

    def reject(self, number: int, version: int, user: str) -> str:
        """Another account refuses a pending text; its author (or anyone, for a draft) withdraws it. The new state."""
        connection = self._db()
        with sqlite_files.immediate_transaction(connection):
            item = self._current(connection, number, version, (DRAFT, PENDING))
            state = WITHDRAWN if item.state == DRAFT or item.written_by == user else REJECTED
            self._set(connection, item, state=state, decided_by=user, decided_at=now_iso())
            self._log(connection, number, user, "withdraw" if state == WITHDRAWN else "reject")
        return state

    def withdraw(self, number: int, version: int, user: str) -> None:
        """Take an approved announcement down (one person may: it only stops showing an approved text)."""
        connection = self._db()
        with sqlite_files.immediate_transaction(connection):
            item = self._current(connection, number, version, (APPROVED,))
            self._set(connection, item, state=WITHDRAWN, decided_by=user, decided_at=now_iso())
            self._log(connection, number, user, "withdraw")

    def log(self, number: int, user: str, action: str, **detail: Any) -> None:
        """Record something done with an announcement (a Zalo sending run and its counts)."""
        connection = self._db()
        with sqlite_files.immediate_transaction(connection):
            self._log(connection, number, user, action, **detail)

    # -- deliveries --------------------------------------------------------------------------
    def queue_recipients(self, number: int, user_ids: Iterable[str]) -> int:
        """Add recipients not yet queued for this announcement as pending; returns how many were added."""
        connection = self._db()
        added = 0
        with sqlite_files.immediate_transaction(connection):
            for user_id in user_ids:
                cursor = connection.execute(
                    "INSERT OR IGNORE INTO deliveries (announcement_id, user_id, state, updated_at) VALUES (?, ?, ?, ?)",
                    (number, user_id, QUEUED, time.time()))
                added += cursor.rowcount
        return added

    def drop(self, number: int, user_id: str) -> None:
        """Take a queued recipient off (opted out or unfollowed since): never sent, not a failure."""
        connection = self._db()
        with sqlite_files.immediate_transaction(connection):
            connection.execute("DELETE FROM deliveries WHERE announcement_id = ? AND user_id = ? AND state = ?",
                               (number, user_id, QUEUED))
            connection.execute("INSERT INTO attempts (announcement_id, user_id, at, state, code, reason) "
                               "VALUES (?, ?, ?, 'dropped', NULL, 'đã hủy nhận tin hoặc bỏ quan tâm OA')",
                               (number, user_id, now_iso()))

    def pending_recipients(self, number: int) -> List[str]:
        rows = self._db().execute("SELECT user_id FROM deliveries WHERE announcement_id = ? AND state = ? "
                                  "ORDER BY rowid", (number, QUEUED)).fetchall()
        return [row[0] for row in rows]

    def record(self, number: int, user_id: str, state: str, code: Optional[int] = None, reason: str = "",
               message_id: str = "", day: Optional[date] = None) -> None:
        """The outcome of one attempt to send to one user."""
        connection = self._db()
        with sqlite_files.immediate_transaction(connection):
            connection.execute(
                "UPDATE deliveries SET state = ?, code = ?, reason = ?, attempts = attempts + 1, message_id = ?, "
                "updated_at = ?, sent_day = ? WHERE announcement_id = ? AND user_id = ?",
                (state, code, reason, message_id or None, time.time(),
                 (day or vietnam_today()).isoformat() if state == SENT else None, number, user_id))
            connection.execute("INSERT INTO attempts (announcement_id, user_id, at, state, code, reason) "
                               "VALUES (?, ?, ?, ?, ?, ?)", (number, user_id, now_iso(), state, code, reason))

    def received_on(self, user_id: str, day: date) -> bool:
        """Whether the user already got an announcement that day (Zalo: one "truyền thông" message a day)."""
        row = self._db().execute("SELECT 1 FROM deliveries WHERE user_id = ? AND state = ? AND sent_day = ? LIMIT 1",
                                 (user_id, SENT, day.isoformat())).fetchone()
        return row is not None

    def counts(self, number: int) -> Counts:
        rows = self._db().execute("SELECT state, COUNT(*) FROM deliveries WHERE announcement_id = ? GROUP BY state",
                                  (number,)).fetchall()
        found = dict(rows)
        return Counts(found.get(SENT, 0), found.get(FAILED, 0), found.get(QUEUED, 0))

    def reasons(self, number: int) -> List[Tuple[str, str, int]]:
        """(state, reason, how many) of the failed and pending deliveries: what staff should know."""
        rows = self._db().execute(
            "SELECT state, reason, COUNT(*) FROM deliveries WHERE announcement_id = ? AND state != ? "
            "GROUP BY state, reason ORDER BY COUNT(*) DESC", (number, SENT)).fetchall()
        return [(state, reason, count) for state, reason, count in rows]

    # -- publishing ---------------------------------------------------------------------------
    def publish(self, tables: PolicyTables, directory: Optional[Path] = None, day: Optional[date] = None) -> int:
        """Write the approved, unexpired announcements, rendered for ``day``, for the channels; how many."""
        day = day or vietnam_today()
        items = []
        for item in self.all():
            if not item.shown_on(day):
                continue
            text = render_text(tables, item.text, day)
            if text:
                items.append({"id": item.id, "text": text, "expires": item.expires.isoformat() if item.expires else None,
                              "approved_at": item.decided_at})
        write_published(items, directory)
        return len(items)


_COLUMNS = "id, text, expires, state, written_by, written_at, decided_by, decided_at, source, version"


def _announcement(row: Tuple[Any, ...]) -> Announcement:
    return Announcement(int(row[0]), str(row[1]), date.fromisoformat(row[2]) if row[2] else None, str(row[3]),
                        str(row[4]), str(row[5]), str(row[6] or ""), str(row[7] or ""), str(row[8] or ""), int(row[9]))


# -- item 4: a draft when a figure change is approved -----------------------------------------------
def figure_draft_text(group: str, key: str, label: str, start: date) -> str:
    """A draft quoting the approved value with its placeholders and the day it applies from.

    ``{{g.k.next}}`` says the coming value while the day is ahead and nothing after it,
    ``{{g.k}}`` the value of the day the citizen reads it: right before and after the date.
    """
    name = f"{group}.{key}"
    return (f"Thông báo: {label[:1].lower() + label[1:]} thay đổi từ ngày {format_date(start)}. "
            f"{{{{{name}.next}}}} Mức áp dụng hôm nay: {{{{{name}}}}}. "
            "Anh/chị cần hỏi thêm, hãy nhắn cho trợ lý hoặc hỏi tại Điểm giao dịch xã.")


def prepare_figure_draft(store: AnnouncementStore, group: str, key: str, label: str, start: date,
                         approved_by: str) -> int:
    """A draft announcement for an approved figure change (invisible until edited, submitted and approved)."""
    text = figure_draft_text(group, key, label, start)
    return store.create(text, None, approved_by, state=DRAFT, source=f"{group}.{key} từ {format_date(start)}")
