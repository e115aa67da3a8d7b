"""Staff tools end to end: the staff app and the real bot, both on a private copy of knowledge/.

One set of servers for the module (the staff app starts in seconds; Rasa, needed only
by the bot tests, is started when the first of them runs).
"""

from __future__ import annotations

import html
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests

from staff.app import create_app
from staff.config import StaffConfig
from tests.integration import staff_client
from evaluation.servers import BotServers

PUBLIC_PATHS = {"/login", "/health", "/static/staff.css"}
ENTRY = "lai-suat-ho-ngheo"  # "Lãi suất cho vay hộ nghèo là bao nhiêu?": an intent the bot answers from the FAQ


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[BotServers]:
    with staff_client.staff_app_on_a_copy(tmp_path_factory.mktemp("staff")) as pair:
        yield pair


@pytest.fixture(scope="module")
def bot(servers: BotServers) -> BotServers:
    """The action server and Rasa on the same copy (started once, on first use)."""
    if "rasa" not in servers.processes:
        servers.start_actions()
        servers.start_rasa()
    return servers


def content_dir(servers: BotServers) -> Path:
    return Path(servers.extra_env["CONTENT_DIR"])


def login(servers: BotServers, user: str = "an") -> requests.Session:
    return staff_client.login(servers.staff_url, user)


def edit_form(session: requests.Session, servers: BotServers, entry_id: str) -> Dict[str, object]:
    return staff_client.edit_form(session, servers.staff_url, entry_id)


def sample_path(path: str) -> str:
    """A concrete path for a route pattern: a number for an int parameter (else the router answers 404 first)."""
    return "/" + re.sub(r"<[^>]+>", "x", re.sub(r"<[^>:]+:int>", "1", path.lstrip("/")))


def test_every_admin_route_refuses_without_login(servers):
    app = create_app(StaffConfig(content_dir=content_dir(servers), state_dir=Path(servers.extra_env["STAFF_STATE_DIR"])),
                     name=f"routes_{uuid.uuid4().hex[:8]}")
    routes = [(sample_path(route.path), method, getattr(route.handler, "public", False))
              for route in app.router.routes for method in route.methods if method in ("GET", "POST")]
    assert {path for path, _, public in routes if public} == PUBLIC_PATHS
    guarded = [(path, method) for path, method, public in routes if not public]
    assert len(guarded) >= 20
    forged = {"staff_session": "eyJ1IjogImFuIn0.c2lnbmF0dXJl"}
    for path, method in guarded:
        for cookies in ({}, forged):
            response = requests.request(method, servers.staff_url + path, cookies=cookies, allow_redirects=False,
                                        data={"csrf": "x"}, timeout=30)
            if path.startswith("/api/"):
                assert response.status_code == 401, (method, path)
            else:
                assert response.status_code == 303, (method, path, response.status_code)
                assert response.headers["location"].startswith("/login"), (method, path)
    # Logged in, a change without the session's CSRF token is refused too.
    session = login(servers)
    for path, method in guarded:
        if method == "POST":
            assert session.post(servers.staff_url + path, data={"csrf": "wrong"}, allow_redirects=False,
                                timeout=30).status_code == 403, path


def test_an_edit_saved_in_the_app_is_what_the_bot_answers_then_an_older_version_is_restored(servers, bot):
    session = login(servers)
    form = edit_form(session, servers, ENTRY)
    original = str(form["answer"])
    marker = f"Ghi chú kiểm thử {uuid.uuid4().hex[:6]}: hỏi thêm cán bộ xã."
    saved = session.post(f"{servers.staff_url}/faq/{ENTRY}/edit", data={**form, "answer": f"{original} {marker}"},
                         allow_redirects=False)
    assert saved.status_code == 303, staff_client.form_errors(saved.text)
    started = time.monotonic()
    reply = ""
    while marker not in reply and time.monotonic() - started < 180:
        time.sleep(1)
        reply = "\n".join(m.get("text", "") for m in bot.say(f"staff-{uuid.uuid4().hex[:8]}", str(form["question"])))
    print(f"\nsave → bot answers the new text: {time.monotonic() - started:.1f} s")
    assert marker in reply

    history = session.get(f"{servers.staff_url}/faq/{ENTRY}/history").text
    oldest = min(int(n) for n in re.findall(r'name="number" value="(\d+)"', history))
    restored = session.post(f"{servers.staff_url}/faq/{ENTRY}/restore",
                            data={"csrf": form["csrf"], "number": oldest}, allow_redirects=False)
    assert restored.status_code == 303
    assert str(edit_form(session, servers, ENTRY)["answer"]) == original


def test_two_staff_saving_at_the_same_time_lose_nothing_and_the_same_entry_conflicts(servers):
    an, binh = login(servers, "an"), login(servers, "binh")
    ids = [m for m in re.findall(r'href="/faq/([a-z0-9-]+)/edit"', an.get(f"{servers.staff_url}/faq?topic=rates").text)
           if m != ENTRY][:2]
    forms = [edit_form(an, servers, ids[0]), edit_form(binh, servers, ids[1])]
    markers = ["Bổ sung của An.", "Bổ sung của Bình."]
    barrier = threading.Barrier(2)
    statuses: List[int] = [0, 0]

    def save(position: int, session: requests.Session) -> None:
        data = {**forms[position], "answer": f"{forms[position]['answer']} {markers[position]}"}
        barrier.wait()
        statuses[position] = session.post(f"{servers.staff_url}/faq/{ids[position]}/edit", data=data,
                                          allow_redirects=False).status_code

    threads = [threading.Thread(target=save, args=(n, s)) for n, s in enumerate((an, binh))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [303, 303]
    for position, entry_id in enumerate(ids):
        assert str(edit_form(an, servers, entry_id)["answer"]).endswith(markers[position])

    # Both open the same entry; the second save is refused with a clear message, not applied.
    first, second = edit_form(an, servers, ids[0]), edit_form(binh, servers, ids[0])
    assert an.post(f"{servers.staff_url}/faq/{ids[0]}/edit", data={**first, "answer": f"{first['answer']} A2."},
                   allow_redirects=False).status_code == 303
    conflict = binh.post(f"{servers.staff_url}/faq/{ids[0]}/edit", data={**second, "answer": f"{second['answer']} B2."},
                         allow_redirects=False)
    assert conflict.status_code == 409 and "người khác lưu" in conflict.text
    assert str(edit_form(an, servers, ids[0])["answer"]).endswith("A2.")


def test_spreadsheet_export_then_import_through_the_app_changes_nothing(servers):
    session = login(servers)
    token = re.search(r'name="csrf" value="([^"]+)"', session.get(f"{servers.staff_url}/transfer").text).group(1)
    for name in ("faq.xlsx", "faq.csv"):
        exported = session.get(f"{servers.staff_url}/export/{name}")
        assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
        result = session.post(f"{servers.staff_url}/import", data={"csrf": token},
                              files={"file": (name, exported.content)})
        assert result.status_code == 200, result.text[-2000:]
        assert "0 mục mới, 0 mục thay đổi" in html.unescape(result.text)


def test_review_queue_and_answer_check_for_commune_officers(servers, bot):
    bot.say(f"citizen-{uuid.uuid4().hex[:8]}", "asdkjh qwe zxc, số tôi 0912345678")  # the bot is unsure
    session = login(servers)
    queue = session.get(f"{servers.staff_url}/review").text
    assert "Bot chưa đủ chắc chắn" in queue
    assert "0912345678" not in queue and "[số điện thoại đã ẩn]" in queue
    assert "/faq/new?question=" in queue  # one click to a prefilled new entry

    check = html.unescape(session.get(f"{servers.staff_url}/check",
                                      params={"q": "Lãi suất cho vay hộ nghèo là bao nhiêu?"}).text)
    assert "ask_interest_rate" in check  # the intent, from the running Rasa
    assert "{{ho_ngheo.rate}}" in check and "Quyết định 750/QĐ-TTg" in check  # figure → its source document
