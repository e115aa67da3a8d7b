"""The message guard every channel uses: cleaning, cutting, masking, rate limit, deadline."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest

from bot.stores import shared_state
from bot.channels.guard import (
    BUSY_REPLY,
    CUT_NOTICE,
    EMPTY_REPLY,
    PERSONAL_DATA_NOTICE,
    RATE_LIMIT_REPLY,
    MessageGuard,
    RateLimiter,
    answer,
    clean_text,
)
from bot.channels.rest import parse_body
from vntext.pii import mask_personal_data


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def own_state(tmp_path, monkeypatch):
    """Rate-limit buckets in this test's own file, not the machine's."""
    monkeypatch.setattr(shared_state, "_SHARED", shared_state.SQLiteState(tmp_path / "channel_state.db"))


def guard(per_minute: float = 60, burst: int = 5) -> MessageGuard:
    return MessageGuard(RateLimiter(per_minute, burst, FakeClock()))


@pytest.mark.parametrize("raw, expected", [
    ("  xin\u200b chào \u202e ", "xin chào"),
    ("lãi\x00 suất\x07\x1b[31m", "lãi suất[31m"),
    ("Lai sua\u0301t", "Lai suát"),  # NFD → NFC
    ("một\r\n\r\n\r\nhai", "một\nhai"),
    ("vay \ud800 vốn", "vay vốn"),
    (b"vay \xff v\xc3\xb4n", "vay \ufffd vôn"),
    (None, ""),
])
def test_clean_text_keeps_words_and_drops_invisible_and_broken_characters(raw, expected):
    assert clean_text(raw) == expected


def test_long_messages_are_cut_at_a_word_with_a_note():
    screened = guard().screen("vay vốn " * 2000, "a")
    assert len(screened.text) <= 1000 and not screened.text.endswith("vố")
    assert screened.notices == [CUT_NOTICE.format(limit=1000)]
    assert screened.reply_instead is None


def test_empty_after_cleaning_gets_a_prompt_without_asking_rasa():
    assert guard().screen(" \u200b\t\n", "a").reply_instead == EMPTY_REPLY


def test_rasa_commands_are_read_as_words():
    assert guard().screen("/restart", "a").text == "restart"
    assert guard().screen('/inform{"household_tier":"ho_ngheo"}', "a").text.startswith("inform")


def test_personal_numbers_are_masked_with_a_warning():
    screened = guard().screen("cccd 001203001234 sdt 0912 345 678, vay hộ nghèo được không", "a")
    assert "001203001234" not in screened.text and "0912" not in screened.text
    assert "vay hộ nghèo" in screened.text
    assert PERSONAL_DATA_NOTICE in screened.notices


@pytest.mark.parametrize("text, kinds", [
    ("số tài khoản 1903 5678 9012 ạ", ["bank_account"]),
    ("thẻ 9704 0512 3456 7890", ["bank_account"]),
    ("email: an.nguyen@gmail.com", ["email"]),
    ("gọi +84 912 345 678 nhé", ["phone"]),
    ("số cũ 01689123456", ["phone"]),
    ("cmnd 212345678", ["id_number"]),
    ("vay 150.000.000 đồng", []),
    ("vay 5000000đ sau 7 ngày trả 15000000 đồng", []),
    ("năm 2024 vay 50 triệu lãi 3%", []),
])
def test_masking_finds_personal_numbers_but_not_money(text, kinds):
    assert mask_personal_data(text).kinds == kinds


def test_a_flooding_sender_gets_a_polite_reply():
    g = guard(burst=2)
    assert [g.screen("xin chào", "a").reply_instead for _ in range(3)] == [None, None, RATE_LIMIT_REPLY]


class Collector:
    def __init__(self) -> None:
        self.messages: List[Dict[str, Any]] = []


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


def test_answer_puts_notices_first_then_rasa_replies():
    async def rasa(text: str, collector: Collector) -> None:
        collector.messages.append({"recipient_id": "a", "text": f"trả lời: {text}"})

    screened = guard().screen("x" * 1500, "a")
    replies = run(answer(screened, "a", rasa, Collector()))
    assert replies[0]["text"].startswith("Tin nhắn") and replies[-1]["text"].startswith("trả lời: x")


@pytest.mark.parametrize("behaviour", ["slow", "silent", "broken"])
def test_a_slow_silent_or_failing_rasa_still_gets_a_busy_reply(behaviour):
    async def rasa(text: str, collector: Collector) -> None:
        if behaviour == "slow":
            await asyncio.sleep(5)
        if behaviour == "broken":
            raise RuntimeError("action server down")

    replies = run(answer(guard().screen("lãi suất hộ nghèo", "a"), "a", rasa, Collector(), deadline=0.2))
    assert [r["text"] for r in replies] == [BUSY_REPLY]


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"sender": "a", "message": "\xff\xfe"}',
                                  b'{"sender": "a", "message": "vay\x00 v\xe1\xbb\x91n"}'])
def test_request_bodies_parse_or_are_refused_without_an_exception(body):
    data = parse_body(body)
    assert data is None or isinstance(data, dict)


def test_metadata_keeps_known_keys_cut_and_masked():
    from bot.channels.guard import metadata_too_large, screen_metadata

    kept = screen_metadata({"source": "xã A 0912345678 " + "y" * 300, "cccd": "001203012345", "x": {"a": 1}})
    assert set(kept) == {"source"} and len(kept["source"]) <= 100
    assert "0912345678" not in kept["source"]
    assert screen_metadata({"phone": "0912345678"}) is None and screen_metadata("text") is None
    assert metadata_too_large({"source": "x" * 100_000}) and not metadata_too_large({"source": "web"})
    assert not metadata_too_large(None)


def test_sender_ids_are_cleaned_like_text():
    from bot.channels.guard import clean_sender

    assert clean_sender("abc\ud800def") == "abcdef"
    assert clean_sender("\ud800\x00 ") is None and clean_sender(True) is None and clean_sender(None) is None
    assert clean_sender(12345) == "12345" and len(clean_sender("a" * 500)) == 128
