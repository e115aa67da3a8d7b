"""Issue 15: the holes an outside review found, each checked against the running servers."""

from __future__ import annotations

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
from tests.integration.servers import ROOT, BotServers, new_sender, running_bot, texts


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
            servers.start_staff_app()
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
            # The staff app read the token from the file: the answer check reaches Rasa's API.
            assert requests.get(f"{servers.staff_url}/health", timeout=10).status_code == 200
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


# ---------------------------------------------------------------- staff app (items 5 and 7)

@pytest.fixture(scope="module")
def staff(tmp_path_factory) -> Iterator[BotServers]:
    pair = staff_client.servers_on_a_copy(tmp_path_factory.mktemp("staff-security"))
    try:
        pair.start_staff_app()
        yield pair
    finally:
        pair.stop_all()


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
