"""The OA API client against the fake Zalo API on loopback: tokens, retries, errors."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path
from typing import Iterator, List

import pytest

from bot.channels.zalo_client import ClientSettings, TokenPair, TokenStore, ZaloApiError, ZaloClient
from tests.integration.fake_zalo import REFRESH_PATH, SEND_PATH, FakeZalo

APP_ID, APP_SECRET = "app-1", "app-secret"


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    server = FakeZalo(APP_ID, APP_SECRET, access_token="access-0", refresh_token="refresh-0").start()
    try:
        yield server
    finally:
        server.stop()


class Recorder:
    """Stands in for asyncio.sleep: remembers the backoff delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: List[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_client(fake: FakeZalo, token_file: Path, sleep: Recorder, access: str = "access-0",
                refresh: str = "refresh-0", attempts: int = 4) -> ZaloClient:
    settings = ClientSettings(APP_ID, APP_SECRET, api_base=fake.url, oauth_base=fake.url, timeout_seconds=5,
                              max_attempts=attempts, backoff_seconds=0.5, backoff_cap_seconds=1.5)
    return ZaloClient(settings, TokenStore(token_file, TokenPair(access, refresh)), sleep=sleep)


async def send_and_close(client: ZaloClient, *texts: str, user: str = "u1") -> List[str]:
    try:
        return list(await asyncio.gather(*(client.send_text(user, text) for text in texts)))
    finally:
        await client.close()


def test_a_text_is_sent_with_the_access_token(fake, tmp_path):
    ids = asyncio.run(send_and_close(make_client(fake, tmp_path / "t.json", Recorder()), "Xin chào"))
    assert ids[0] and fake.messages == [{"user_id": "u1", "text": "Xin chào", "access_token": "access-0"}]
    sent = json.loads(fake.requests[0]["body"])
    assert sent == {"recipient": {"user_id": "u1"}, "message": {"text": "Xin chào"}}
    assert fake.requests[0]["path"] == SEND_PATH


def test_an_expired_token_is_refreshed_once_saved_and_the_message_resent(fake, tmp_path):
    token_file = tmp_path / "tokens" / "zalo.json"
    fake.reject_token_once()
    asyncio.run(send_and_close(make_client(fake, token_file, Recorder()), "Câu trả lời"))
    assert len(fake.refreshes) == 1
    refresh = fake.refreshes[0]
    assert refresh["form"] == {"refresh_token": "refresh-0", "app_id": APP_ID, "grant_type": "refresh_token"}
    assert refresh["secret_key"] == APP_SECRET
    assert fake.messages == [{"user_id": "u1", "text": "Câu trả lời", "access_token": refresh["access_token"]}]
    saved = json.loads(token_file.read_text())
    assert (saved["access_token"], saved["refresh_token"]) == (refresh["access_token"], refresh["refresh_token"])
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert [p.name for p in token_file.parent.iterdir()] == ["zalo.json"], "no temporary file left behind"


def test_concurrent_sends_share_one_refresh(fake, tmp_path):
    fake.reject_token_once()
    asyncio.run(send_and_close(make_client(fake, tmp_path / "t.json", Recorder()), "một", "hai", "ba", "bốn"))
    assert len(fake.refreshes) == 1, "a single-use refresh token must be used once"
    assert sorted(m["text"] for m in fake.messages) == sorted(["một", "hai", "ba", "bốn"])


def test_a_restart_uses_the_saved_pair_not_the_spent_configured_one(fake, tmp_path):
    token_file = tmp_path / "t.json"
    fake.reject_token_once()
    asyncio.run(send_and_close(make_client(fake, token_file, Recorder()), "trước"))
    # Same configuration (the spent refresh-0) after a restart: the saved pair is used.
    asyncio.run(send_and_close(make_client(fake, token_file, Recorder()), "sau"))
    assert len(fake.refreshes) == 1 and fake.messages[-1]["access_token"] == fake.access_token
    # A new configured pair (the app was re-authorised) wins over the old file.
    store = TokenStore(token_file, TokenPair("access-new", "refresh-new"))
    assert store.pair == TokenPair("access-new", "refresh-new")


def test_an_empty_configured_access_token_is_refreshed_before_the_first_send(fake, tmp_path):
    asyncio.run(send_and_close(make_client(fake, tmp_path / "t.json", Recorder(), access=""), "xin chào"))
    assert len(fake.refreshes) == 1 and len(fake.messages) == 1
    assert [r["path"] for r in fake.requests] == [REFRESH_PATH, SEND_PATH]


def test_transient_failures_are_retried_with_growing_capped_backoff(fake, tmp_path):
    fake.queue((500, {}), (503, {}), (200, {"error": -32, "message": "Your application reached limit call api"}))
    sleep = Recorder()
    asyncio.run(send_and_close(make_client(fake, tmp_path / "t.json", sleep), "kiên nhẫn"))
    assert [m["text"] for m in fake.messages] == ["kiên nhẫn"]
    assert sleep.delays == [0.5, 1.0, 1.5]


def test_retries_stop_after_the_configured_attempts(fake, tmp_path):
    fake.queue(*[(500, {})] * 5)
    sleep = Recorder()
    with pytest.raises(ZaloApiError):
        asyncio.run(send_and_close(make_client(fake, tmp_path / "t.json", sleep, attempts=3), "không tới"))
    assert len(fake.requests) == 3 and len(sleep.delays) == 2 and not fake.messages


def test_an_unreachable_api_is_a_retried_failure_not_a_crash(tmp_path):
    settings = ClientSettings(APP_ID, APP_SECRET, api_base="http://127.0.0.1:9", oauth_base="http://127.0.0.1:9",
                              timeout_seconds=2, max_attempts=2)
    sleep = Recorder()
    client = ZaloClient(settings, TokenStore(tmp_path / "t.json", TokenPair("a", "r")), sleep=sleep)
    with pytest.raises(ZaloApiError):
        asyncio.run(send_and_close(client, "không tới"))
    assert len(sleep.delays) == 1


def test_a_final_error_is_not_retried(fake, tmp_path):
    fake.queue((200, {"error": -230, "message": "User has not interacted with the OA in the past 7 days"}))
    sleep = Recorder()
    with pytest.raises(ZaloApiError) as raised:
        asyncio.run(send_and_close(make_client(fake, tmp_path / "t.json", sleep), "quá hạn"))
    assert raised.value.code == -230 and sleep.delays == [] and len(fake.requests) == 1


def test_a_refused_refresh_is_reported_and_nothing_is_saved(fake, tmp_path):
    fake.reject_token_once()
    token_file = tmp_path / "t.json"
    with pytest.raises(ZaloApiError):
        asyncio.run(send_and_close(make_client(fake, token_file, Recorder(), refresh="refresh-spent"), "x"))
    assert not token_file.exists() and not fake.messages
