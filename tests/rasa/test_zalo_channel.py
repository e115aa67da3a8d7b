"""The Zalo channel's set-up and webhook decisions, without servers (Rasa environment)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any, List

import pytest
from rasa.shared.exceptions import RasaException

from bot.channels.zalo import ZaloOAInput
from bot.stores import shared_state
from bot.channels.zalo_client import TokenPair, TokenStore

CREDENTIALS = {"app_id": "app", "oa_secret_key": "oa-secret", "app_secret": "app-secret",
               "access_token": "access-env", "refresh_token": "refresh-env"}


@pytest.fixture
def token_file(tmp_path, monkeypatch):
    path = tmp_path / "zalo_tokens.json"
    monkeypatch.setenv("ZALO_TOKEN_FILE", str(path))
    monkeypatch.setattr(shared_state, "_SHARED", shared_state.SQLiteState(tmp_path / "channel_state.db"))
    return path


@pytest.mark.parametrize("empty", ["app_id", "oa_secret_key", "app_secret", "refresh_token"])
def test_a_missing_credential_stops_the_start_naming_its_variable(empty, token_file):
    credentials = dict(CREDENTIALS, **{empty: ""})
    with pytest.raises(RasaException) as raised:
        ZaloOAInput.from_credentials(credentials)
    assert f"ZALO_{empty.upper()}" in str(raised.value)


def test_the_saved_token_pair_wins_over_the_configured_one_it_came_from(token_file):
    TokenStore(token_file, TokenPair("access-env", "refresh-env")).save(TokenPair("access-2", "refresh-2"))
    channel = ZaloOAInput.from_credentials(CREDENTIALS)
    assert channel.client.tokens.pair.access_token == "access-2"


def signed(event: dict) -> tuple:
    body = json.dumps(event).encode()
    digest = hashlib.sha256(b"app" + body + event["timestamp"].encode() + b"oa-secret").hexdigest()
    return body, f"mac={digest}"


def test_only_signed_fresh_citizen_events_start_an_answer(token_file):
    channel = ZaloOAInput.from_credentials(CREDENTIALS)
    started: List[Any] = []

    async def on_new_message(message: Any) -> None:
        started.append(message)

    async def scenario() -> List[tuple]:
        now = str(int(time.time() * 1000))
        text = {"event_name": "user_send_text", "timestamp": now, "sender": {"id": "u1"},
                "message": {"msg_id": "m1", "text": "xin chào"}}
        oa_echo = {"event_name": "oa_send_text", "timestamp": now, "sender": {"id": "oa"},
                   "recipient": {"id": "u1"}, "message": {"msg_id": "m2", "text": "trả lời"}}
        old = dict(text, timestamp=str(int(time.time() * 1000) - 400_000))
        results = [
            channel.accept(b"not json", "x", on_new_message),
            channel.accept(signed(text)[0], "mac=" + "0" * 64, on_new_message),
            channel.accept(*signed(old), on_new_message),
            channel.accept(*signed(oa_echo), on_new_message),
        ]
        channel.handle = lambda event, on_new: asyncio.sleep(0)  # answering is tested end to end
        results += [channel.accept(*signed(text), on_new_message), channel.accept(*signed(text), on_new_message)]
        await asyncio.gather(*channel._tasks)
        await asyncio.sleep(0)  # done callbacks run on the next loop turn
        return results

    assert asyncio.run(scenario()) == [(400, "not a JSON object"), (401, "bad signature"), (401, "stale"),
                                      (200, "ignored"), (200, "accepted"), (200, "duplicate")]
    assert not channel._tasks, "finished background tasks are let go"
