"""The web chat widget against the real servers: its HTTP endpoints, then a real browser.

The browser test (``tests/browser/widget.test.mjs``) runs in Debian's headless Chromium
driven by playwright-core; ``tests/browser/setup.sh`` installs both (idempotent). Its
screenshots are written to ``$TEST_OUTPUT/browser/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import requests

from bot.channels.privacy import notice_text
from tests.integration import staff_client

ROOT = Path(__file__).resolve().parents[2]
BROWSER_DIR = ROOT / "tests" / "browser"
QUESTION = "Lãi suất cho vay hộ nghèo là bao nhiêu?"
ANNOUNCEMENT = "Thông báo: lãi suất cho vay hộ nghèo hiện nay là {{facts.poor_rate}}. Anh/chị hỏi thêm tại đây."


def web_sender() -> str:
    return "web-" + uuid.uuid4().hex


def base(bot) -> str:
    return f"http://127.0.0.1:{bot.rasa_port}"


def feedback_events(bot, sender):
    tracker = requests.get(f"{base(bot)}/conversations/{sender}/tracker", params={"token": bot.api_token}, timeout=10)
    assert tracker.status_code == 200
    return [e for e in tracker.json()["events"] if e.get("event") == "slot" and e.get("name") == "answer_feedback"]


def test_the_page_and_widget_files_are_served_with_their_types_and_cache_headers(bot):
    page = requests.get(f"{base(bot)}/webhooks/web/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert 'src="widget.js"' in page.text
    bare = requests.get(f"{base(bot)}/webhooks/web", timeout=10, allow_redirects=False)
    assert bare.status_code == 301 and bare.headers["Location"].endswith("web/")
    for name, kind in (("widget.js", "text/javascript"), ("widget.css", "text/css")):
        first = requests.get(f"{base(bot)}/webhooks/web/{name}", timeout=10)
        assert first.status_code == 200 and first.headers["Content-Type"].startswith(kind)
        assert "max-age=" in first.headers["Cache-Control"] and first.headers["X-Content-Type-Options"] == "nosniff"
        again = requests.get(f"{base(bot)}/webhooks/web/{name}", headers={"If-None-Match": first.headers["ETag"]},
                             timeout=10)
        assert again.status_code == 304


def test_history_of_a_new_conversation_is_empty_with_the_welcome(bot):
    history = requests.get(f"{base(bot)}/webhooks/web/history", params={"sender": web_sender()}, timeout=10)
    assert history.status_code == 200 and history.headers["Cache-Control"] == "no-store"
    data = history.json()
    assert data["turns"] == []
    assert data["welcome"]["text"] and data["welcome"]["buttons"]


def test_history_and_feedback_refuse_other_conversations_ids(bot):
    # Another channel's conversation (a Zalo user's id, a REST test's) is not readable here.
    sender = "test-" + uuid.uuid4().hex[:10]
    bot.say(sender, "xin chào")
    assert requests.get(f"{base(bot)}/webhooks/web/history", params={"sender": sender}, timeout=10).status_code == 400
    refused = requests.post(f"{base(bot)}/webhooks/web/feedback",
                            json={"sender": sender, "rating": "up", "bot_text": "Xin chào"}, timeout=10)
    assert refused.status_code == 400
    assert feedback_events(bot, sender) == []


def test_feedback_is_validated_and_stored_with_the_conversation(bot, tables):
    sender = web_sender()
    replies = bot.say(sender, QUESTION)
    # the answer, without the first turn's personal-data notice (bot/channels/privacy.py), which is not stored
    answer = "\n\n".join(r["text"] for r in replies if r.get("text") and r["text"] != notice_text())
    url = f"{base(bot)}/webhooks/web/feedback"
    assert requests.post(url, json={"sender": sender, "rating": "meh", "bot_text": answer}, timeout=10).status_code == 400
    assert requests.post(url, data=b"\xff not json", timeout=10).status_code == 400
    made_up = requests.post(url, json={"sender": sender, "rating": "down", "bot_text": "Lãi suất 0%"}, timeout=10)
    assert made_up.status_code == 404
    unknown = requests.post(url, json={"sender": web_sender(), "rating": "down", "bot_text": answer}, timeout=10)
    assert unknown.status_code == 404
    stored = requests.post(url, json={"sender": sender, "rating": "down", "bot_text": answer}, timeout=10)
    assert stored.status_code == 200, stored.text
    events = feedback_events(bot, sender)
    assert [e["value"]["rating"] for e in events] == ["down"]
    assert events[0]["value"]["bot_text"] == answer.strip()
    # The conversation goes on as before (the rating does not steer it), and a reload
    # shows the rating on the answer it rates.
    follow_up = "\n".join(r.get("text", "") for r in bot.say(sender, "còn hộ cận nghèo thì sao?"))
    assert tables.figure("ho_can_ngheo", "rate").text in follow_up
    turns = requests.get(f"{base(bot)}/webhooks/web/history", params={"sender": sender}, timeout=10).json()["turns"]
    assert [t["user"] for t in turns] == [QUESTION, "còn hộ cận nghèo thì sao?"]
    assert turns[0]["rating"] == "down" and turns[1]["rating"] is None


def test_the_widget_endpoints_answer_cross_origin_requests(bot):
    origin = {"Origin": "https://xa-minh-hoa.gov.vn"}
    preflight = requests.options(f"{base(bot)}/webhooks/rest/webhook", timeout=10, headers={
        **origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers.get("Access-Control-Allow-Origin") in ("*", origin["Origin"])
    reply = requests.post(bot.rest_url, json={"sender": web_sender(), "message": "xin chào"}, headers=origin, timeout=30)
    assert reply.headers.get("Access-Control-Allow-Origin") in ("*", origin["Origin"])
    history = requests.get(f"{base(bot)}/webhooks/web/history", params={"sender": web_sender()}, headers=origin,
                           timeout=10)
    assert history.headers.get("Access-Control-Allow-Origin") in ("*", origin["Origin"])


def approved_announcement(bot, base_dir: Path) -> str:
    """An announcement written by «an» and approved by «binh» in a staff app publishing where this Rasa reads.

    Checks on the way that it is invisible to the widget until the approval. Returns the text shown.
    """
    pair = staff_client.servers_on_a_copy(base_dir)
    pair.extra_env["ANNOUNCEMENTS_DIR"] = str(Path(bot.env()["TRACKER_DB"]).parent / "announcements")
    try:
        pair.start_staff_app()
        staff, page = pair.staff_url, "/announcements"
        an, binh = staff_client.login(staff, "an"), staff_client.login(staff, "binh")
        csrf = re.search(r'name="csrf" value="([^"]+)"', an.get(staff + page).text).group(1)
        created = an.post(staff + page + "/new", allow_redirects=False, data={
            "csrf": csrf, "text": ANNOUNCEMENT, "expires": "31/12/2099", "do": "save"})
        assert created.status_code == 303, created.text[-1000:]
        url = staff + created.headers["Location"].split("?")[0]
        current = requests.get(f"{base(bot)}/webhooks/web/announcement", timeout=10).json()["announcement"]
        assert current is None  # written, not approved: invisible
        history = requests.get(f"{base(bot)}/webhooks/web/history", params={"sender": web_sender()}, timeout=10)
        assert history.json()["announcement"] is None
        detail = binh.get(url).text
        form = re.search(r'<form method="post" action="[^"]*/approve".*?</form>', detail, re.DOTALL).group(0)
        version = re.search(r'name="version" value="(\d+)"', form).group(1)
        token = re.search(r'name="csrf" value="([^"]+)"', detail).group(1)
        assert binh.post(url + "/approve", data={"csrf": token, "version": version},
                         allow_redirects=False).status_code == 303
    finally:
        pair.stop_all()
    current = requests.get(f"{base(bot)}/webhooks/web/announcement", timeout=10).json()["announcement"]
    assert current and "{{" not in current["text"] and current["expires"] == "2099-12-31"
    return current["text"]


def test_the_widget_in_headless_chromium(bot, tables, tmp_path):
    """Asks, sees the answer and its Nguồn footer, rates, uses quick replies, reloads, XSS, embed; the announcement."""
    subprocess.run(["bash", str(BROWSER_DIR / "setup.sh")], check=True, timeout=900)
    output = Path(os.environ.get("TEST_OUTPUT", ROOT / "test-output"))
    shown = approved_announcement(bot, tmp_path)
    assert tables.figure("facts", "poor_rate").spoken() in shown
    env = dict(os.environ, RASA_API_TOKEN=bot.api_token, TEST_OUTPUT=str(output),
               EXPECT_ANSWER=tables.figure("ho_ngheo", "rate").text, EXPECT_ANNOUNCEMENT=shown)
    run = subprocess.run([shutil.which("node") or "node", str(BROWSER_DIR / "widget.test.mjs"), base(bot)],
                         cwd=BROWSER_DIR, env=env, capture_output=True, text=True, timeout=600)
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 failed" in run.stdout
    for name in ("widget.png", "widget-mobile.png", "widget-announcement.png"):
        assert (output / "browser" / name).stat().st_size > 10_000, name
