"""Issue 15: the holes an outside review found, each checked against the running servers."""

from __future__ import annotations

import json

import requests

from bot.channels.guard import BUSY_REPLY
from tests.integration.servers import BotServers, new_sender, texts


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
