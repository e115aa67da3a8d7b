"""Abuse limits on the running bot: per-sender rate limit, request size, closed HTTP API."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from bot.channels.guard import RATE_LIMIT_REPLY
from evaluation.servers import BotServers, new_sender, texts


def test_a_flooding_sender_is_slowed_down_politely_and_others_are_not(bot: BotServers):
    flooder = new_sender("flood")
    # One budget per sender, whichever Rasa worker process receives the message.
    allowance = int(bot.env()["RATE_LIMIT_BURST"])
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: texts(bot.say(flooder, "xin chào")), range(allowance + 25)))
    limited = [r for r in replies if r == RATE_LIMIT_REPLY]
    assert len(limited) >= 10, f"{len(limited)} of {len(replies)} messages limited"
    assert "Xin chào" in texts(bot.say(new_sender("calm"), "xin chào")), "another citizen is answered"


def test_an_oversized_request_is_refused_without_a_server_error(bot: BotServers):
    body = json.dumps({"sender": new_sender("big"), "message": "vay " * 200_000})
    response = requests.post(bot.rest_url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413


def test_a_long_message_under_the_size_limit_is_cut_and_answered(bot: BotServers, tables):
    message = "xin hỏi " * 1500 + "lãi suất cho vay hộ nghèo là bao nhiêu"
    reply = texts(bot.say(new_sender("long"), message))
    assert "chỉ đọc" in reply


def test_rasa_http_api_needs_the_token(bot: BotServers):
    base = f"http://127.0.0.1:{bot.rasa_port}"
    who = new_sender("api")
    bot.say(who, "xin chào")
    assert requests.get(f"{base}/conversations/{who}/tracker", timeout=10).status_code in (401, 403)
    assert requests.post(f"{base}/model/parse", json={"text": "xin chào"}, timeout=10).status_code in (401, 403)
    allowed = requests.get(f"{base}/conversations/{who}/tracker", params={"token": bot.api_token}, timeout=10)
    assert allowed.status_code == 200 and allowed.json()["sender_id"] == who


def test_rest_clients_cannot_post_into_a_zalo_conversation(bot: BotServers):
    body = {"sender": "zalo_1234567890", "message": "xin chào"}
    assert requests.post(bot.rest_url, json=body, timeout=30).status_code == 400
