"""The Rasa server fixes in bot/serve.py keep Rasa's behaviour."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from sqlalchemy.pool import SingletonThreadPool

from bot import serve

serve.apply()
DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet]
slots:
  answer_kind: {type: text, mappings: [{type: custom}]}
""")


def test_a_valid_action_answer_passes_with_the_schema_compiled_once():
    action = RemoteAction("action_answer_knowledge", None)
    result = {"events": [{"event": "slot", "name": "answer_kind", "value": "faq"}],
              "responses": [{"text": "Lãi suất 6,6%/năm"}]}
    assert action._validate_action_result(result)
    assert action._validate_action_result(result)
    assert serve._action_result_validator.cache_info().misses == 1


def test_an_invalid_action_answer_still_fails_with_rasas_message():
    action = RemoteAction("action_answer_knowledge", None)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "slot", "name": 3}], "responses": "not a list"})


def test_event_names_resolve_as_before():
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("slot") is SlotSet  # from the table the second time
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_sqlite_tracker_store_keeps_a_write_ahead_log_open(tmp_path):
    path = tmp_path / "conversations.db"
    writer = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    reader = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))  # as another Rasa worker
    assert isinstance(writer.engine.pool, SingletonThreadPool)

    async def converse() -> None:
        tracker = await writer.get_or_create_tracker("citizen")
        tracker.update(UserUttered("xin chào", {"name": "greet", "confidence": 1.0}))
        tracker.update(SlotSet("answer_kind", "faq"))
        tracker.update(ActionExecuted("action_listen"))
        await writer.save(tracker)
        again = await reader.retrieve("citizen")
        assert again is not None and again.get_slot("answer_kind") == "faq"

    asyncio.run(converse())
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_calls_to_an_endpoint_reuse_one_connection():
    """Rasa opened a new session and TCP connection per action call; now they are kept."""
    from aiohttp import BasicAuth, web
    from rasa.utils.endpoints import EndpointConfig

    peers, authorizations = [], []

    async def answer(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))
        authorizations.append(request.headers.get("Authorization"))
        return web.json_response({"ok": await request.json()})

    async def scenario() -> list:
        app = web.Application()
        app.router.add_post("/webhook", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook", headers={"X-Test": "1"},
                                  basic_auth={"username": "rasa", "password": "secret-1"})
        answers = [await endpoint.request(json={"n": n}, method="post", timeout=5) for n in range(3)]
        await runner.cleanup()
        return answers

    assert asyncio.new_event_loop().run_until_complete(scenario()) == [{"ok": {"n": n}} for n in range(3)]
    assert len(peers) == 3 and len(set(peers)) == 1, "one kept-alive connection for the three calls"
    assert set(authorizations) == {BasicAuth("rasa", "secret-1").encode()}, "the endpoint's credentials are sent"


SLOT = {"event": "slot", "name": "answer_kind", "value": "faq", "timestamp": None}
RESULTS = [
    {"events": [SLOT, SLOT], "responses": [{"text": "Lãi suất 6,6%/năm"}]},
    {"events": [SLOT, {"event": "followup", "name": "action_listen"}], "responses": []},
    {"events": [], "responses": []},
    {"responses": [{"text": "x"}]},
    {"events": [SLOT, {"event": "slot", "name": 3}], "responses": []},  # a bad event after a good one
    {"events": [SLOT, "not an event"], "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": SLOT, "responses": []},  # not a list
    {"events": [SLOT], "responses": "not a list"},  # bad outside the events
    "not an object",
]


@pytest.mark.parametrize("result", RESULTS)
def test_checking_events_one_by_one_gives_rasas_verdict(result):
    assert serve.action_result_is_valid(result) == serve._action_result_validator().is_valid(result)
    assert serve.action_result_is_valid(result) == serve._action_result_validator().is_valid(result)  # cached


def test_the_verdicts_cover_both_outcomes():
    assert {serve._action_result_validator().is_valid(r) for r in RESULTS} == {True, False}


def test_the_api_token_comes_from_a_private_file_not_the_command_line(tmp_path, monkeypatch):
    from bot.serve import api_token_from_file

    token_file = tmp_path / "rasa_api_token"
    token_file.write_text("s3cret\n")
    token_file.chmod(0o644)
    monkeypatch.setenv("RASA_API_TOKEN_FILE", str(token_file))
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    assert api_token_from_file(["run", "--enable-api"]) == ["run", "--enable-api", "--auth-token", "s3cret"]
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert api_token_from_file(["run"]) == ["run"]
    token_file.unlink()
    with pytest.raises(SystemExit):
        api_token_from_file(["run", "--enable-api"])
