"""Announcements end to end in the staff app, with the fake Zalo OA API (issue 16 items 3–4).

Account «an» writes an announcement quoting {{facts.poor_rate}}; it is invisible (nothing
published, the page says nothing is shown) until «binh» approves it; «an» cannot approve
it. Then it is published for the widget and sent to the fake OA's followers except the
one who opted out; the OA's quota runs out midway, so sending stops and the rest are
shown as pending; «Gửi tiếp» after the quota is raised reaches them. Approving a figure
change prepares a draft. No page shows a personal number typed into the text.
"""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
import requests

from bot.stores.announcements import FollowerBook
from knowledge.tables import PolicyTables
from tests.integration import staff_client
from tests.integration.fake_zalo import FakeZalo
from evaluation.servers import BotServers

FOLLOWERS = [f"7{i:015d}" for i in range(5)]
OPTED_OUT = FOLLOWERS[1]
TEXT = "Từ 01/12/2025, lãi suất cho vay hộ nghèo là {{facts.poor_rate}}. Hỏi thêm: nhắn cho trợ lý. SĐT 0912345678"


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> Iterator[Tuple[BotServers, FakeZalo, Path]]:
    base = tmp_path_factory.mktemp("announcements")
    fake = FakeZalo("app-1", "app-secret", "access-0", "refresh-0").start()
    shared = base / "shared"
    pair = staff_client.servers_on_a_copy(base)
    pair.extra_env.update(ANNOUNCEMENTS_DIR=str(shared), ZALO_APP_ID="app-1", ZALO_APP_SECRET="app-secret",
                          ZALO_ACCESS_TOKEN="access-0", ZALO_REFRESH_TOKEN="refresh-0", ZALO_API_BASE=fake.url,
                          ZALO_OAUTH_BASE=fake.url, ZALO_TOKEN_FILE=str(base / "tokens.json"),
                          ZALO_BACKOFF_SECONDS="0", ZALO_PROMOTION_HOURS="0-24")  # any hour the test runs
    book = FollowerBook(shared / "followers.db")
    for user in FOLLOWERS:
        book.seen(user)
    book.set_opted_out(OPTED_OUT, True)
    try:
        pair.start_staff_app()
        yield pair, fake, shared
    finally:
        pair.stop_all()
        fake.stop()


def page_text(response: requests.Response) -> str:
    return html.unescape(response.text)


def csrf_of(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', session.get(url).text).group(1)


def button(page: str, action: str) -> Dict[str, str]:
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.DOTALL)
    assert form, f"no {action} button on the page"
    return dict(re.findall(r'name="(version|entry)" value="([^"]+)"', form.group(0)))


def published(shared: Path) -> list:
    path = shared / "published.json"
    return json.loads(path.read_text("utf-8"))["announcements"] if path.exists() else []


def counts(session: requests.Session, url: str, timeout: float = 60) -> Tuple[int, int, int]:
    """(sent, failed, pending) on the announcement's page once sending has finished."""
    deadline = time.monotonic() + timeout
    while True:
        page = page_text(session.get(url))
        found = re.search(r'class="sent">(\d+)<.*?class="failed">(\d+)<.*?class="pending">(\d+)<', page, re.DOTALL)
        if found and "đang gửi…" not in page:
            return tuple(int(n) for n in found.groups())  # type: ignore[return-value]
        assert time.monotonic() < deadline, page[-2000:]
        time.sleep(0.3)


def test_an_announcement_is_invisible_until_a_second_account_approves_it_then_reaches_followers(setup):
    servers, fake, shared = setup
    base = servers.staff_url
    an, binh = staff_client.login(base, "an"), staff_client.login(base, "binh")
    tables = PolicyTables.load(Path(servers.extra_env["CONTENT_DIR"]))

    unknown = an.post(base + "/announcements/new", data={"csrf": csrf_of(an, base + "/announcements"),
                                                           "text": "Mức mới {{facts.no_such}}", "do": "save"})
    assert unknown.status_code == 422 and "facts.no_such" in page_text(unknown)

    created = an.post(base + "/announcements/new", allow_redirects=False,
                      data={"csrf": csrf_of(an, base + "/announcements"), "text": TEXT, "expires": "31/12/2099",
                            "do": "save", "confirm_warnings": "1"})
    assert created.status_code == 303, page_text(created)[-1500:]
    url = base + created.headers["Location"].split("?")[0]
    number = int(url.rsplit("/", 1)[1])

    # Pending: nothing published, the list says nothing is shown; its author cannot approve it.
    assert published(shared) == []
    listing = page_text(an.get(base + "/announcements"))
    assert "Hiện không có thông báo nào được hiển thị" in listing and "chờ duyệt" in listing
    page_an = an.get(url).text
    assert f'action="/announcements/{number}/approve"' not in page_an
    refused = an.post(url + "/approve", data={"csrf": csrf_of(an, url), **button(page_an, url[len(base):] + "/reject")})
    assert refused.status_code == 403 and "không thể tự duyệt" in page_text(refused)
    assert published(shared) == []

    approved = binh.post(url + "/approve", allow_redirects=False,
                         data={"csrf": csrf_of(binh, url), **button(binh.get(url).text, url[len(base):] + "/approve")})
    assert approved.status_code == 303
    shown = published(shared)
    assert [a["id"] for a in shown] == [number] and shown[0]["expires"] == "2099-12-31"
    assert tables.figure("facts", "poor_rate").spoken() in shown[0]["text"]

    # No page and no file holds the phone number typed into the text.
    for text in (page_text(an.get(url)), page_text(an.get(base + "/announcements")), json.dumps(shown)):
        assert "0912345678" not in text and "345678" not in text

    # Zalo: the quota runs out after two messages; the rest is pending, not failed.
    fake.promotion_quota = 2
    sent = an.post(url + "/send", allow_redirects=False,
                   data={"csrf": csrf_of(an, url), **button(an.get(url).text, url[len(base):] + "/send")})
    assert sent.status_code == 303
    assert counts(an, url) == (2, 0, 2)
    page = page_text(an.get(url))
    assert "hết hạn mức" in page and "Gửi tiếp qua Zalo" in page
    fake.promotion_quota = 10
    an.post(url + "/send", data={"csrf": csrf_of(an, url), **button(an.get(url).text, url[len(base):] + "/send")})
    assert counts(an, url) == (4, 0, 0)
    reached = sorted(m["user_id"] for m in fake.promotions)
    assert reached == sorted(u for u in FOLLOWERS if u != OPTED_OUT)
    assert all("0912345678" not in m["text"] and tables.figure("facts", "poor_rate").spoken() in m["text"]
               for m in fake.promotions)
    history = page_text(an.get(url))
    assert history.count("kết quả gửi Zalo") == 2 and "duyệt" in history

    # Withdrawn: no longer published.
    withdrawn = binh.post(url + "/withdraw", allow_redirects=False,
                          data={"csrf": csrf_of(binh, url), **button(binh.get(url).text, url[len(base):] + "/withdraw")})
    assert withdrawn.status_code == 303 and published(shared) == []


def test_approving_a_figure_change_prepares_an_announcement_draft(setup):
    servers, _, shared = setup
    base, figure = servers.staff_url, "/figures/facts/poor_rate"
    an, binh = staff_client.login(base, "an"), staff_client.login(base, "binh")
    proposed = an.post(base + figure + "/propose", allow_redirects=False, data={
        "csrf": csrf_of(an, base + figure), "value": "6,0", "from": "01/03/2027", "source": "Quyết định thử nghiệm",
        "status": "confirmed", "do": "save", "confirm_warnings": "1"})
    assert proposed.status_code == 303, page_text(proposed)[-1500:]
    page = binh.get(base + figure).text
    approved = binh.post(base + figure + "/approve", allow_redirects=False,
                         data={"csrf": csrf_of(binh, base + figure), **button(page, figure + "/approve")})
    assert approved.status_code == 303
    listing = page_text(binh.get(base + "/announcements"))
    assert "bản nháp" in listing and "soạn từ số liệu facts.poor_rate từ 01/03/2027" in listing
    assert "01/03/2027" in listing and "6%/năm" in listing  # the coming value, quoted from the tables
    assert all("01/03/2027" not in a["text"] for a in published(shared))  # a draft is never shown
