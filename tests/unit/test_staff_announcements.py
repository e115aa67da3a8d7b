"""Announcements (issue 16 items 3–4): second-person approval, history, publishing, opt-out phrases, masking, Zalo rules.

The Zalo sending runs against the fake OA API (tests/integration/fake_zalo.py) on loopback
with the real client, so quotas, limits and failures are Zalo's answers, not mocks.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.stores.announcements import VIETNAM, FollowerBook, PublishedAnnouncements, subscription_request
from bot.channels.zalo_client import ClientSettings, TokenPair, TokenStore, ZaloClient
from staff.announcements import (
    APPROVED, DRAFT, PENDING, REJECTED, WITHDRAWN, AnnouncementError, AnnouncementStore, SelfApprovalError,
    check_announcement, figure_draft_text, prepare_figure_draft, render_text,
)
from staff.zalo_broadcast import ALREADY_TODAY, NIGHT, send_announcement
from knowledge.tables import PolicyTables
from tests.integration.fake_zalo import FakeZalo
from tests.unit.test_pii import MASKED

DAY = date(2026, 12, 7)
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=VIETNAM)
TEXT = "Lãi suất cho vay hộ nghèo hiện nay: {{facts.poor_rate}}."


@pytest.fixture
def tables() -> PolicyTables:
    return PolicyTables.load()


@pytest.fixture
def store(tmp_path: Path) -> AnnouncementStore:
    return AnnouncementStore(tmp_path / "state")


def approved(store: AnnouncementStore, text: str = TEXT, expires: date = None) -> int:
    number = store.create(text, expires, "an")
    store.approve(number, store.get(number).version, "binh")
    return number


# -- writing and approval -------------------------------------------------------------------------
def test_an_announcement_is_pending_until_another_account_approves_it(store, tables, tmp_path):
    number = store.create(TEXT, None, "an")
    assert store.get(number).state == PENDING
    store.publish(tables, tmp_path / "shared", DAY)
    assert PublishedAnnouncements(tmp_path / "shared").current(DAY) is None  # invisible before approval
    with pytest.raises(SelfApprovalError, match="không thể tự duyệt"):
        store.approve(number, store.get(number).version, "an")
    with pytest.raises(AnnouncementError, match="vừa được người khác thay đổi"):
        store.approve(number, store.get(number).version + 1, "binh")
    store.approve(number, store.get(number).version, "binh")
    assert store.get(number).state == APPROVED and store.get(number).decided_by == "binh"
    store.publish(tables, tmp_path / "shared", DAY)
    shown = PublishedAnnouncements(tmp_path / "shared").current(DAY)
    assert shown is not None and shown.id == number
    assert tables.figure("facts", "poor_rate", on=DAY).spoken() in shown.text and "{{" not in shown.text
    assert [e.action for e in store.events(number)] == ["create", "approve"]
    assert [e.user for e in store.events(number)] == ["an", "binh"]


def test_an_edit_makes_the_editor_the_author_so_the_other_one_approves(store):
    number = store.create(TEXT, None, "an")
    store.edit(number, store.get(number).version, TEXT + " Xin cảm ơn.", None, "binh")
    with pytest.raises(SelfApprovalError):
        store.approve(number, store.get(number).version, "binh")
    store.approve(number, store.get(number).version, "an")
    assert [e.action for e in store.events(number)] == ["create", "edit", "approve"]


def test_reject_by_another_and_withdrawal_by_the_author_or_after_approval(store, tables, tmp_path):
    refused = store.create(TEXT, None, "an")
    assert store.reject(refused, store.get(refused).version, "binh") == REJECTED
    own = store.create(TEXT, None, "an")
    assert store.reject(own, store.get(own).version, "an") == WITHDRAWN
    number = approved(store)
    store.withdraw(number, store.get(number).version, "an")
    assert store.get(number).state == WITHDRAWN
    store.publish(tables, tmp_path / "shared", DAY)
    assert PublishedAnnouncements(tmp_path / "shared").current(DAY) is None
    assert [e.action for e in store.events(number)] == ["create", "approve", "withdraw"]


def test_an_announcement_stops_showing_after_its_last_day(store, tables, tmp_path):
    approved(store, expires=DAY)
    store.publish(tables, tmp_path / "shared", DAY)
    reader = PublishedAnnouncements(tmp_path / "shared")
    assert reader.current(DAY) is not None
    assert reader.current(date(2026, 12, 8)) is None  # the channel drops it by itself, file unchanged


def test_the_store_and_the_published_file_are_private(store, tables, tmp_path):
    approved(store)
    path = store.publish(tables, tmp_path / "shared", DAY) and tmp_path / "shared" / "published.json"
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "shared").st_mode) == 0o700


# -- validation -------------------------------------------------------------------------------
def test_an_unknown_placeholder_an_empty_or_long_text_and_a_past_day_are_errors(tables):
    for text, expires, field in ((TEXT.replace("poor_rate", "no_such_rate"), "", "text"), ("  ", "", "text"),
                                 ("x" * 1001, "", "text"), (TEXT, "01/01/2020", "expires"),
                                 (TEXT, "31/02/2027", "expires"), ("{{ho_ngheo}} mới", "", "text")):
        _, _, problems = check_announcement(tables, text, expires, DAY)
        assert [p.field for p in problems if p.level == "error"] == [field], (text, expires, problems)
    clean, expires, problems = check_announcement(tables, TEXT, "31/12/2026", DAY)
    assert (clean, expires, problems) == (TEXT, date(2026, 12, 31), [])


@pytest.mark.parametrize("message, kind, number", MASKED[:40])
def test_a_personal_number_never_reaches_a_page_the_file_or_zalo(message, kind, number, store, tables, tmp_path):
    clean, _, problems = check_announcement(tables, f"Thông báo: {message}", "", DAY)
    assert number not in clean and any(p.level == "warning" for p in problems)
    # Even stored unmasked by some other way (an old file, a hand edit), what is shown is masked.
    number_id = approved(store, f"Thông báo: {message}")
    assert number not in store.get(number_id).text
    assert number not in render_text(tables, f"Thông báo: {message}", DAY)
    store.publish(tables, tmp_path / "shared", DAY)
    assert number not in (tmp_path / "shared" / "published.json").read_text("utf-8")
    raw = {"announcements": [{"id": 9, "text": message, "expires": None, "approved_at": "z"}]}
    (tmp_path / "shared" / "published.json").write_text(json.dumps(raw), "utf-8")
    assert number not in PublishedAnnouncements(tmp_path / "shared").current(DAY).text


# -- item 4 -------------------------------------------------------------------------------------
def test_an_approved_figure_change_prepares_a_draft_right_before_and_after_its_day(store, tables):
    start = date(2027, 3, 1)
    number = prepare_figure_draft(store, "facts", "poor_rate", "Lãi suất cho vay hộ nghèo", start, "binh")
    draft = store.get(number)
    assert draft.state == DRAFT and draft.text == figure_draft_text("facts", "poor_rate", "Lãi suất cho vay hộ nghèo",
                                                                   start)
    assert "{{facts.poor_rate}}" in draft.text and "01/03/2027" in draft.text
    with pytest.raises(AnnouncementError):  # a draft must be edited and submitted first
        store.approve(number, draft.version, "an")
    store.edit(number, draft.version, draft.text, None, "an")
    assert store.get(number).state == PENDING and [e.action for e in store.events(number)] == ["draft", "submit"]


# -- opt-out phrases ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, wish", [
    ("hủy nhận tin", "out"), ("Huỷ nhận tin!", "out"), ("huy nhan tin", "out"), ("HUY NHAN TIN", "out"),
    ("nhận tin", "in"), ("nhan tin", "in"), ("Nhận tin.", "in"),
    ("nhận tin nhắn được không", None), ("tôi muốn hủy nhận tin vay", None), ("lãi suất", None), ("", None),
])
def test_opt_out_and_in_are_exact_phrases(text, wish):
    assert subscription_request(text) == wish


def test_the_follower_book_keeps_opt_out_and_unfollow(tmp_path):
    book = FollowerBook(tmp_path / "followers.db")
    book.seen("u1", followed=True, interacted=False)
    book.seen("u1")
    book.set_opted_out("u2", True)
    book.seen("u3", followed=False, interacted=False)
    found = {f.user_id: f for f in book.all()}
    assert found["u1"].followed and not found["u1"].opted_out and found["u1"].last_interaction
    assert found["u2"].opted_out and not found["u3"].followed
    book.set_opted_out("u2", False)
    assert not book.get("u2").opted_out
    assert stat.S_IMODE(os.stat(tmp_path / "followers.db").st_mode) == 0o600


# -- Zalo sending against the fake OA -------------------------------------------------------------
@pytest.fixture
def fake():
    fake = FakeZalo("app", "secret", "access", "refresh").start()
    yield fake
    fake.stop()


def client_for(fake: FakeZalo, tmp_path: Path) -> ZaloClient:
    settings = ClientSettings("app", "secret", api_base=fake.url, oauth_base=fake.url, backoff_seconds=0.0)
    return ZaloClient(settings, TokenStore(tmp_path / "tokens.json", TokenPair("access", "refresh")))


def run(store, number, fake, tmp_path, book, now=NOON, day=DAY, senders=()):
    async def go():
        client = client_for(fake, tmp_path)
        try:
            return await send_announcement(store, number, "Nội dung", client, book, "an", senders, day=day, now=now)
        finally:
            await client.close()

    return asyncio.run(go())


def test_followers_are_reached_except_those_who_opted_out_or_left(store, fake, tmp_path):
    book = FollowerBook(tmp_path / "followers.db")
    for user in ("u1", "u2", "u3", "u4"):
        book.seen(user)
    book.set_opted_out("u2", True)
    book.seen("u3", followed=False, interacted=False)
    number = approved(store)
    result = run(store, number, fake, tmp_path, book, senders=["u5"])  # u5 known only from the tracker store
    assert sorted(m["user_id"] for m in fake.promotions) == ["u1", "u4", "u5"]
    assert fake.promotions[0]["header"] and fake.promotions[0]["text"] == "Nội dung"
    assert (result.sent, result.failed, store.counts(number).pending) == (3, 0, 0)
    again = run(store, number, fake, tmp_path, book)  # nobody gets it twice
    assert again.sent == 0 and len(fake.promotions) == 3


def test_a_quota_error_stops_sending_and_leaves_the_rest_pending_until_the_next_run(store, fake, tmp_path):
    book = FollowerBook(tmp_path / "followers.db")
    users = [f"u{i}" for i in range(6)]
    for user in users:
        book.seen(user)
    fake.promotion_quota = 2
    number = approved(store)
    result = run(store, number, fake, tmp_path, book)
    counts = store.counts(number)
    assert (counts.sent, counts.failed, counts.pending) == (2, 0, 4)
    assert result.stopped and "hết hạn mức" in result.stopped
    assert len([r for r in fake.requests if r["path"].endswith("/promotion")]) == 3  # stopped at the first -211
    assert any(reason and "hết hạn mức" in reason for _, reason, _ in store.reasons(number))
    fake.promotion_quota = 10  # the OA bought more
    run(store, number, fake, tmp_path, book)
    assert store.counts(number).sent == 6 and sorted(m["user_id"] for m in fake.promotions) == users
    deliveries = [e for e in store.events(number) if e.action == "delivery"]
    assert [e.detail["total_pending"] for e in deliveries] == [4, 0]


def test_per_user_limits_failures_and_retries(store, fake, tmp_path):
    book = FollowerBook(tmp_path / "followers.db")
    for user in ("ok", "gone", "blocked", "busy"):
        book.seen(user)
    fake.followers = {"ok", "blocked", "busy"}
    fake.restricted = {"blocked": -244}
    first = approved(store, "Thông báo một")
    second = approved(store, "Thông báo hai")
    run(store, first, fake, tmp_path, FollowerBook(tmp_path / "only-busy.db"), senders=["busy"])
    fake.queue((500, {}), (200, {"error": -32, "message": "limit"}))  # retried by the client, then delivered
    result = run(store, second, fake, tmp_path, book)
    assert (result.sent, result.failed) == (1, 2)
    reasons = {reason for _, reason, _ in store.reasons(second)}
    assert {"chưa quan tâm (theo dõi) OA", "người nhận đã chặn loại tin này", ALREADY_TODAY} <= reasons
    assert store.counts(second).pending == 1  # "busy" got one today: tomorrow
    fake.new_day()
    run(store, second, fake, tmp_path, book, day=date(2026, 12, 8))
    assert store.counts(second).pending == 0 and fake.promotions_to("busy") == ["Nội dung", "Nội dung"]


def test_nothing_is_sent_at_night_and_zalo_night_refusal_stops_too(store, fake, tmp_path):
    book = FollowerBook(tmp_path / "followers.db")
    book.seen("u1")
    book.seen("u2")
    number = approved(store)
    result = run(store, number, fake, tmp_path, book, now=datetime(2026, 12, 7, 22, 30, tzinfo=VIETNAM))
    assert result.stopped == NIGHT and fake.requests == [] and store.counts(number).pending == 2
    fake.night = True
    result = run(store, number, fake, tmp_path, book)
    assert "ban đêm" in result.stopped and store.counts(number).pending == 2
