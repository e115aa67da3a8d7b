"""Issue 15: the holes an outside review found, each checked against the running servers."""

from __future__ import annotations

import html
import io
import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
import requests

from bot.channels.guard import BUSY_REPLY
from tests.integration import staff_client
from evaluation.servers import ACTIONS_PYTHON, ROOT, BotServers, new_sender, running_bot, texts


def tracker_events(bot: BotServers, sender: str) -> list:
    response = requests.get(f"http://127.0.0.1:{bot.rasa_port}/conversations/{sender}/tracker",
                            params={"token": bot.api_token}, timeout=30)
    response.raise_for_status()
    return response.json()["events"]


# ---------------------------------------------------------------- item 3: REST metadata, sender ids

def test_rest_metadata_keeps_only_known_keys_cut_and_masked(bot: BotServers):
    sender = new_sender("meta")
    body = {"sender": sender, "message": "xin chào",
            "metadata": {"source": "xa-thanh-xa SĐT 0912345678 " + "x" * 500,
                         "phone": "0912345678", "cccd": "001203012345", "nested": {"a": 1}}}
    response = requests.post(bot.rest_url, json=body, timeout=60)
    assert response.status_code == 200, response.text
    stored = [e.get("metadata") for e in tracker_events(bot, sender) if e.get("event") == "user"]
    assert stored, "the message was stored"
    flat = json.dumps(stored, ensure_ascii=False)
    assert "0912345678" not in flat and "001203012345" not in flat, flat
    for metadata in stored:
        assert set(metadata or {}) <= {"source", "model_id", "assistant_id"}, metadata  # Rasa adds the last two
        assert len((metadata or {}).get("source", "")) <= 100
    assert any((m or {}).get("source", "").startswith("xa-thanh-xa") for m in stored)


def test_a_huge_metadata_gets_a_vietnamese_4xx_not_a_busy_reply(bot: BotServers):
    body = {"sender": new_sender("bigmeta"), "message": "xin chào", "metadata": {"source": "x" * 100_000}}
    response = requests.post(bot.rest_url, json=body, timeout=60)
    assert 400 <= response.status_code < 500, response.status_code
    assert "quá lớn" in response.json()["error"]
    many = {"sender": new_sender("bigmeta"), "message": "xin chào",
            "metadata": {f"k{i}": "0912345678" for i in range(5000)}}
    response = requests.post(bot.rest_url, json=many, timeout=60)
    assert response.status_code == 413 and BUSY_REPLY not in response.text


def test_a_lone_surrogate_in_a_sender_id_is_cleaned_without_a_traceback(bot: BotServers):
    log = bot.workdir / "rasa.log"
    before = log.stat().st_size
    suffix = new_sender("surr")
    raw = b'{"sender": "' + suffix.encode() + b'\\ud800", "message": "xin ch\\u00e0o"}'
    response = requests.post(bot.rest_url, data=raw, headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 200, response.text
    reply = texts(response.json())
    assert BUSY_REPLY not in reply and "Xin chào" in reply, reply
    assert tracker_events(bot, suffix), "stored under the cleaned id"
    with log.open("rb") as handle:
        handle.seek(before)
        assert b"Traceback" not in handle.read()
    only_surrogate = b'{"sender": "\\ud800\\udfff\\u0000", "message": "xin ch\\u00e0o"}'
    response = requests.post(bot.rest_url, data=only_surrogate, timeout=60)
    assert response.status_code == 400


# ---------------------------------------------------------------- item 4: local secrets and file modes

def test_started_bot_keeps_its_token_off_the_command_line_and_its_stores_private(tmp_path):
    """Started with a permissive umask: the files must be private by themselves."""
    workdir = tmp_path / "bot"
    workdir.mkdir()
    old = os.umask(0o022)
    try:
        with running_bot(workdir) as servers:
            texts(servers.say(new_sender("modes"), "xin chào"))
            for name, process in servers.processes.items():
                cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
                assert servers.api_token.encode() not in cmdline, f"token on the command line of {name}"
                for child in _children(process.pid):
                    assert servers.api_token.encode() not in Path(f"/proc/{child}/cmdline").read_bytes()
            assert _ps_args_without(servers.api_token)
            stores = ["conversations.db", "locks.db", "channel_state.db", "rasa_api_token"]
            for name in stores:
                assert (workdir / name).exists(), name
            loose = {p.name: oct(p.stat().st_mode & 0o777) for p in workdir.iterdir()
                     if p.is_file() and p.name.split("-")[0] in stores and p.stat().st_mode & 0o077}
            assert not loose, loose
    finally:
        os.umask(old)


def _children(pid: int) -> list:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().split(") ", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def _ps_args_without(token: str) -> bool:
    output = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return token not in output


def test_env_sh_sets_a_private_umask_and_keeps_the_token_in_a_0600_file(tmp_path):
    script = ('source scripts/env.sh; umask; stat -c %a "$RASA_API_TOKEN_FILE" "$(dirname "$TRACKER_DB")"; '
              'echo "token=${RASA_API_TOKEN:-unset}"')
    env = {k: v for k, v in os.environ.items() if k not in ("RASA_API_TOKEN", "RASA_API_TOKEN_FILE")}
    env.update(TRACKER_DB=str(tmp_path / "cache" / "conversations.db"), LOG_DIR=str(tmp_path / "logs"),
               RASA_API_TOKEN="given-token-123")
    output = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True).stdout.split()
    assert output == ["0077", "600", "700", "token=unset"], output
    assert (tmp_path / "cache" / "rasa_api_token").read_text() == "given-token-123"
    (tmp_path / "cache" / "built-before.bin").write_text("x")
    (tmp_path / "cache" / "built-before.bin").chmod(0o644)
    subprocess.run(["bash", "-c", "source scripts/env.sh"], cwd=ROOT, env=env, check=True)
    readable = subprocess.run(["find", str(tmp_path / "cache"), "-perm", "/o+r"], capture_output=True, text=True,
                              check=True).stdout
    assert readable == "", readable


# ---------------------------------------------------------------- staff app (items 5 and 7)

@pytest.fixture(scope="module")
def staff(tmp_path_factory) -> Iterator[BotServers]:
    with staff_client.staff_app_on_a_copy(tmp_path_factory.mktemp("staff-security")) as pair:
        yield pair


def test_thirty_parallel_wrong_logins_get_at_most_the_limit_tried(staff: BotServers):
    page = requests.get(f"{staff.staff_url}/login", timeout=10)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    cookies = {"staff_login": page.cookies["staff_login"]}

    def guess(number: int) -> int:
        return requests.post(f"{staff.staff_url}/login", allow_redirects=False, cookies=cookies, timeout=60,
                             data={"csrf": token, "username": "binh", "password": f"sai-{number}-mat-khau"}).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(guess, range(30)))
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) <= 5, f"{statuses.count(401)} of 30 guesses were tried"
    # Locked now, even with the right password; another account is not.
    with pytest.raises(AssertionError):
        staff_client.login(staff.staff_url, "binh")
    staff_client.login(staff.staff_url, "an")


# ---------------------------------------------------------------- item 6: the action server

def _listening_addresses(port: int) -> set:
    """Local addresses with a TCP socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":
                found.add(address)
    return found


def test_the_action_server_listens_on_loopback_and_answers_only_rasa(bot: BotServers):
    assert _listening_addresses(bot.action_port) == {"0100007F"}, "127.0.0.1 only"
    assert requests.get(f"http://127.0.0.1:{bot.action_port}/health", timeout=10).status_code == 200
    body = {"next_action": "action_answer_question", "sender_id": "x", "version": "3.6.0",
            "tracker": {"sender_id": "x", "slots": {}, "latest_message": {"text": "xin chào"}, "events": []},
            "domain": {}}
    refused = requests.post(bot.action_url, json=body, timeout=30)
    assert refused.status_code == 401 and "X-Action-Token" in refused.json()["error"]
    wrong = requests.post(bot.action_url, json=body, headers={"X-Action-Token": "guess"}, timeout=30)
    assert wrong.status_code == 401
    assert requests.get(f"http://127.0.0.1:{bot.action_port}/actions", timeout=10).status_code == 401
    # Rasa sends the token: the bot still answers through its actions.
    assert "Xin chào" in texts(bot.say(new_sender("act"), "xin chào"))


def test_the_action_server_refuses_to_listen_beyond_loopback_without_a_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_TOKEN"}
    result = subprocess.run([str(ACTIONS_PYTHON), "-m", "actions.serve", "--actions", "actions", "--interface",
                             "0.0.0.0", "--port", "1"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and "ACTION_SERVER_TOKEN" in result.stderr


# ---------------------------------------------------------------- item 7: the smaller holes

def _csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', session.get(url, timeout=30).text).group(1)


def _copy_of(session: requests.Session) -> requests.Session:
    copy = requests.Session()
    copy.cookies.set("staff_session", session.cookies["staff_session"])
    return copy


def _signed_in(copy: requests.Session, staff: BotServers) -> bool:
    return copy.get(f"{staff.staff_url}/faq", allow_redirects=False, timeout=30).status_code == 200


def test_logout_ends_the_session_on_the_server(staff: BotServers):
    session = staff_client.login(staff.staff_url, "an")
    copy = _copy_of(session)
    assert _signed_in(copy, staff)
    session.post(f"{staff.staff_url}/logout", data={"csrf": _csrf(session, f"{staff.staff_url}/faq")}, timeout=30)
    assert not _signed_in(copy, staff), "a copied cookie still works after logout"
    assert copy.get(f"{staff.staff_url}/export/faq.csv", allow_redirects=False, timeout=30).status_code != 200
    assert _signed_in(staff_client.login(staff.staff_url, "an"), staff), "logging in again works"
    state = Path(staff.extra_env["STAFF_STATE_DIR"])
    assert (state / "revoked_sessions.json").exists()
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in [state, *state.iterdir()]}
    assert all(mode in ("0o600", "0o700") for mode in modes.values()), modes


def test_a_password_change_ends_the_old_sessions(staff: BotServers):
    copy = _copy_of(staff_client.login(staff.staff_url, "an"))
    assert _signed_in(copy, staff)
    subprocess.run([str(ACTIONS_PYTHON), "-m", "staff.accounts", "passwd", "an", "--password-stdin"],
                   input=staff_client.PASSWORD + "\n", text=True, cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, **staff.extra_env})
    assert not _signed_in(copy, staff)


def _post_file(session: requests.Session, staff: BotServers, path: str, form_page: str, name: str,
               content: bytes, **fields: str) -> requests.Response:
    data = {"csrf": _csrf(session, f"{staff.staff_url}{form_page}"), **fields}
    return session.post(f"{staff.staff_url}{path}", data=data, files={"file": (name, content)},
                        allow_redirects=False, timeout=120)


def _is_vietnamese_4xx(response: requests.Response, *words: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[-500:])
    body = html.unescape(response.text)
    for word in words:
        assert word in body, (word, body[-1500:])


def test_document_front_matter_that_is_a_list_or_an_alias_bomb_is_refused(staff: BotServers):
    session = staff_client.login(staff.staff_url, "an")
    listed = b"---\n- title: a\n- number: b\n---\n\n## Muc 1\n\nNoi dung.\n"
    _is_vietnamese_4xx(_post_file(session, staff, "/documents/upload", "/documents", "list.md", listed),
                       "tên: giá trị")
    bomb = ("---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
            "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
            "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ntitle: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n---\n\n## Muc\n\nNoi dung.\n")
    _is_vietnamese_4xx(_post_file(session, staff, "/documents/upload", "/documents", "bomb.md", bomb.encode()),
                       "tham chiếu YAML")


def test_a_huge_csv_cell_gets_a_message_not_a_500(staff: BotServers):
    session = staff_client.login(staff.staff_url, "an")
    sheet = ("Mã mục,Câu hỏi\r\n,\"" + "a" * 140_000 + "\"\r\n").encode("utf-8")
    _is_vietnamese_4xx(_post_file(session, staff, "/import", "/transfer", "faq.csv", sheet, dry_run="1"),
                       "quá dài")


def _far_cell_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["A1"] = "Mã mục"
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _peak_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1))


def test_an_xlsx_with_a_far_cell_is_refused_without_eating_memory(staff: BotServers):
    session = staff_client.login(staff.staff_url, "an")
    content = _far_cell_xlsx()
    assert len(content) < 10_000
    pid = staff.processes["staff"].pid
    before = _peak_rss_kb(pid)
    response = _post_file(session, staff, "/import", "/transfer", "faq.xlsx", content, dry_run="1")
    _is_vietnamese_4xx(response, "quá lớn")
    assert _peak_rss_kb(pid) - before < 50_000, "the far cell took more than 50 MB"
    figures = _post_file(session, staff, "/import/figures", "/figures/transfer", "so-lieu.xlsx", content, dry_run="1")
    _is_vietnamese_4xx(figures, "quá lớn")


def test_control_characters_do_not_break_the_xlsx_export(staff: BotServers):
    session = staff_client.login(staff.staff_url, "an")
    form = staff_client.edit_form(session, staff.staff_url, "lai-suat-ho-ngheo")
    form["answer"] = str(form["answer"]) + "\x01\x0b\x1f"
    form["confirm_warnings"] = "1"
    saved = session.post(f"{staff.staff_url}/faq/lai-suat-ho-ngheo/edit", data=form, allow_redirects=False,
                         timeout=120)
    assert saved.status_code == 303, html.unescape(saved.text)[-1500:]
    export = session.get(f"{staff.staff_url}/export/faq.xlsx", timeout=120)
    assert export.status_code == 200 and export.content[:2] == b"PK", export.status_code
    text = "".join(p.read_text("utf-8") for p in (Path(staff.extra_env["CONTENT_DIR"]) / "faq").glob("*.yml"))
    assert "\x01" not in text and "\\x01" not in text and "\\u0001" not in text


def test_an_upload_over_5_mb_is_told_the_file_is_too_large(staff: BotServers):
    session = staff_client.login(staff.staff_url, "an")
    response = _post_file(session, staff, "/documents/upload", "/documents", "big.md",
                          b"---\ntitle: a\n---\n\n## A\n\n" + b"x " * (3 * 1024 * 1024))
    _is_vietnamese_4xx(response, "Tệp quá lớn")
    assert "mã bảo vệ" not in html.unescape(response.text)
    much_larger = _post_file(session, staff, "/import", "/transfer", "faq.csv", b"a," * (4 * 1024 * 1024))
    _is_vietnamese_4xx(much_larger, "Tệp quá lớn")


def test_feedback_rates_only_a_whole_bot_message(bot: BotServers):
    sender = "web-" + os.urandom(16).hex()
    replies = bot.say(sender, "Lãi suất cho vay hộ nghèo là bao nhiêu?")
    answer = "\n\n".join(r["text"] for r in replies if r.get("text"))
    url = f"http://127.0.0.1:{bot.rasa_port}/webhooks/web/feedback"
    for fragment in ("a", answer[:20], answer.split("\n\n")[0][:-1]):
        response = requests.post(url, json={"sender": sender, "rating": "down", "bot_text": fragment}, timeout=30)
        assert response.status_code == 404, (fragment, response.text)
    stored = requests.post(url, json={"sender": sender, "rating": "down", "bot_text": answer}, timeout=30)
    assert stored.status_code == 200, stored.text
