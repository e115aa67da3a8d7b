"""The channels' shared state: one answer per key and one rate-limit budget across processes."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import socket
import sqlite3
import subprocess
import time
from typing import Any, Iterator, List

import pytest

from bot.stores import shared_state
from bot.channels.guard import RateLimiter
from bot.stores.shared_state import RedisState, SharedState, SQLiteState


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("REQUIRE_REDIS") == "1":  # make test: the Redis variants must run, not skip
            pytest.fail("redis-server is not installed (bash scripts/debian_packages.sh redis-server)")
        pytest.skip("redis-server is not installed (make test installs it)")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.time() + 10
    while True:
        try:
            RedisState(url).client.ping()
            break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(params=["sqlite", "redis"])
def location(request, tmp_path) -> str:
    """Where the state lives: a SQLite file path or a Redis URL (a fresh key prefix per test)."""
    if request.param == "sqlite":
        return str(tmp_path / "channel_state.db")
    return request.getfixturevalue("redis_url") + "#" + tmp_path.name


def open_state(location: str) -> SharedState:
    if location.startswith("redis://"):
        url, prefix = location.split("#")
        return RedisState(url, prefix=prefix + ":")
    return SQLiteState(location)


def _claim(location: str, keys: List[str], results: Any) -> None:
    state = open_state(location)
    results.extend([k for k in keys if state.add_if_absent(k, 60)])


def _take(location: str, count: int, results: Any) -> None:
    limiter = RateLimiter(per_minute=0.6, burst=30, state=open_state(location))
    results.extend([limiter.allow("flooder") for _ in range(count)])


def _in_two_processes(target: Any, *args: Any) -> List[Any]:
    context = multiprocessing.get_context("spawn")
    with multiprocessing.Manager() as manager:
        results = manager.list()
        workers = [context.Process(target=target, args=(*args, results)) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        assert [w.exitcode for w in workers] == [0, 0]
        return list(results)


def test_each_key_is_first_exactly_once_across_processes(location):
    keys = [f"msg-{i}" for i in range(200)]
    assert sorted(_in_two_processes(_claim, location, keys)) == sorted(keys)


def test_one_sender_has_one_budget_across_processes(location):
    """Two processes taking 50 each from a bucket of 30 get 30 in all, not 30 each."""
    taken = _in_two_processes(_take, location, 50)
    assert len(taken) == 100 and taken.count(True) == 30


def test_the_bucket_refills_with_time(location):
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now, state=open_state(location))
    now = 1000.0
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b"), "other senders are not affected"
    now += 1.0
    assert limiter.allow("a") and not limiter.allow("a")


def test_values_expire_and_can_be_replaced_or_deleted(location):
    state = open_state(location)
    state.put("k", "một", 60)
    assert state.get("k") == "một"
    state.put("k", "hai", 60)
    assert state.get("k") == "hai"
    state.delete("k")
    assert state.get("k") is None
    state.put("short", "x", 1)
    assert not state.add_if_absent("seen", 1) or not state.add_if_absent("seen", 1)
    time.sleep(1.3)
    assert state.get("short") is None
    assert state.add_if_absent("seen", 1), "an expired key is new again"


def test_expired_entries_are_swept_so_the_file_stays_small(tmp_path, monkeypatch):
    monkeypatch.setattr(shared_state, "SWEEP_EVERY_WRITES", 50)
    state = SQLiteState(tmp_path / "s.db")
    for i in range(40):
        state.put(f"old-{i}", "x", 0.01)
    time.sleep(0.05)
    for i in range(20):
        state.put(f"new-{i}", "x", 60)
    rows = sqlite3.connect(tmp_path / "s.db").execute("SELECT count(*) FROM state").fetchone()[0]
    assert rows == 20


def test_the_store_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(shared_state, "_SHARED", None)
    monkeypatch.delenv("CHANNEL_STATE_URL", raising=False)
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "conversations.db"))
    chosen = shared_state.shared_state()
    assert isinstance(chosen.inner, SQLiteState) and chosen.inner.path == tmp_path / "channel_state.db"
    monkeypatch.setattr(shared_state, "_SHARED", None)
    monkeypatch.setenv("CHANNEL_STATE_URL", "redis://127.0.0.1:1/0")
    assert isinstance(shared_state.shared_state().inner, RedisState)
    monkeypatch.setattr(shared_state, "_SHARED", None)


def test_an_unreachable_store_never_stops_an_answer(caplog):
    """Nothing listens on port 1: every operation fails inside, and the channels carry on."""
    state = shared_state.FailOpen(RedisState("redis://127.0.0.1:1/0"))
    limiter = RateLimiter(per_minute=1, burst=1, state=state)
    assert all(limiter.allow("a") for _ in range(5)), "the rate limit lets messages through"
    state.put("options:a", "[1]", 60)
    assert state.get("options:a") is None
    assert state.add_if_absent("msg-1", 60) and state.add_if_absent("msg-1", 60), "a delivery counts as new"
    state.delete("options:a")
    assert len([r for r in caplog.records if "channel state unavailable" in r.getMessage()]) == 1, "logged once"
