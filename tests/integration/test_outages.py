"""Outages and restarts: the citizen always gets a reply and the conversation survives.

Each scenario runs its own servers (stopping the shared ones would break other tests):
- the action server dies mid-dialogue, then comes back: "hệ thống đang bận", then the
  advisor goes on from where it was;
- the action server hangs: an answer within the deadline, and the conversation is free
  again once Rasa gives up on the hung request;
- the knowledge index is missing: intents that do not need it are answered, the rest
  get "tạm thời gián đoạn";
- the Rasa server restarts mid-dialogue: the SQLite tracker store brings the advisor back.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from bot.channels.guard import BUSY_REPLY
from bot.channels.privacy import notice_text
from knowledge.answering import UNAVAILABLE_TEXT
from knowledge.eligibility import questions_to_ask
from evaluation.servers import BotServers, new_sender, texts

ADVISOR_START = "tôi có được vay vốn không"
TIER = "nhà tôi là hộ nghèo"
PURPOSE = "vay để chăn nuôi bò"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[BotServers]:
    bot = BotServers(tmp_path, extra_env={"ACTION_SERVER_TIMEOUT_SECONDS": "3"})
    try:
        yield bot
    finally:
        bot.stop_all()


def timed_say(bot: BotServers, sender: str, text: str):
    started = time.monotonic()
    replies = bot.say(sender, text)
    return texts(replies), time.monotonic() - started


def test_action_server_down_then_back_mid_dialogue(servers, tables):
    servers.start_actions()
    servers.start_rasa()
    who = new_sender("outage")
    servers.say(who, ADVISOR_START)

    servers.stop("actions")
    reply, seconds = timed_say(servers, who, TIER)
    print(f"reply with the action server down after {seconds:.2f} s")
    assert reply == BUSY_REPLY and seconds < 5.5

    servers.start_actions()
    servers.say(who, TIER)
    advice = texts(servers.say(who, PURPOSE))
    assert tables.programmes["ho_ngheo"]["name"] in advice, "the advisor continued where it was"
    assert tables.figure("ho_ngheo", "rate").text in advice


class HangingActionServer(ThreadingHTTPServer):
    """An action server that accepts requests and never answers in time."""

    def __init__(self, port: int, hang_seconds: float) -> None:
        hang = hang_seconds

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                time.sleep(hang)
                self.send_response(503)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", port), Handler)
        self.daemon_threads = True
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_hanging_action_server_gets_a_busy_reply_within_the_deadline(servers):
    hanging = HangingActionServer(servers.action_port, hang_seconds=30)
    try:
        servers.start_rasa()
        who = new_sender("slow")
        reply, seconds = timed_say(servers, who, "Lãi suất cho vay hộ nghèo là bao nhiêu?")
        print(f"reply with a hanging action server after {seconds:.2f} s")
        # a first message: the personal-data notice follows the reply (bot/channels/privacy.py)
        assert reply == f"{BUSY_REPLY}\n{notice_text()}" and seconds < 5.5
        time.sleep(3)  # Rasa gives up on the hung request (ACTION_SERVER_TIMEOUT_SECONDS)
        greeting, _ = timed_say(servers, who, "xin chào")
        assert "Xin chào" in greeting, "the conversation is usable again"
    finally:
        hanging.shutdown()


def test_missing_index_keeps_the_rest_of_the_bot_working(servers, tmp_path, tables):
    empty_index = tmp_path / "no-index"
    empty_index.mkdir()
    servers.extra_env["KNOWLEDGE_INDEX_DIR"] = str(empty_index)
    servers.start_actions()
    servers.start_rasa()
    who = new_sender("noindex")
    assert UNAVAILABLE_TEXT in texts(servers.say(who, "Lãi suất cho vay hộ nghèo là bao nhiêu?"))
    assert "Xin chào" in texts(servers.say(who, "xin chào"))
    advice = texts(servers.say(who, "nhà tôi hộ nghèo muốn vay nuôi bò"))
    assert tables.figure("ho_ngheo", "rate").text in advice, "the advisor needs only the tables"


def test_rasa_restart_mid_dialogue_continues_from_the_tracker_store(servers, tables):
    servers.start_actions()
    servers.start_rasa()
    who = new_sender("restart")
    assert questions_to_ask(tables, "ho_can_ngheo", "hoc_tap"), "the advisor has a condition to ask"
    asked = texts(servers.say(who, "nha toi can ngheo muon vay cho con di hoc co duoc khong"))
    assert "trúng tuyển" in asked

    servers.stop("rasa")
    servers.start_rasa()
    advice = texts(servers.say(who, "dạ có rồi"))
    assert tables.programmes["hssv"]["name"] in advice, "the form resumed where it was"
    assert tables.figure("hssv", "rate").text in advice


def _children(pid: int) -> list:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_stopping_rasa_while_its_workers_load_leaves_no_worker_behind(tmp_path):
    """A worker stopped before its model had loaded used to go on serving alone."""
    import os
    import signal
    import subprocess

    from evaluation.servers import RASA_BIN, ROOT, current_model

    bot = BotServers(tmp_path, extra_env={"SANIC_WORKERS": "2"})
    process = subprocess.Popen(
        [str(RASA_BIN / "python"), "-m", "bot.serve", "run", "--port", str(bot.rasa_port), "--model",
         str(current_model()), "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
        cwd=ROOT, env=bot.env(), stdout=(tmp_path / "rasa.log").open("ab"), stderr=subprocess.STDOUT)
    workers: list = []
    try:
        deadline = time.monotonic() + 120
        while len(_children(process.pid)) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        workers = _children(process.pid)
        assert len(workers) >= 2, (tmp_path / "rasa.log").read_text(errors="replace")[-2000:]
        os.kill(process.pid, signal.SIGTERM)  # as Ctrl-C, systemd or the tests stop it
        # A worker that already took over its signals stops gracefully once its model has
        # loaded (tens of seconds on a busy machine); the server waits for it.
        process.wait(timeout=180)
        deadline = time.monotonic() + 15
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "a Rasa worker outlived its server"
    finally:
        if process.poll() is None:
            process.kill()
        for worker in workers:
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
