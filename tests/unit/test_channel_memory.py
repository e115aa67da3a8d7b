"""The bounded, expiring memory channels keep between webhook calls."""

from __future__ import annotations

import pytest

from bot.channels.memory import ExpiringMap


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_their_ttl():
    clock = Clock()
    memory: ExpiringMap[int] = ExpiringMap(10, ttl_seconds=60, clock=clock)
    memory.set("a", 1)
    clock.now += 59
    assert memory.get("a") == 1
    clock.now += 2
    assert memory.get("a") is None and len(memory) == 0


def test_the_oldest_entries_go_first_when_full():
    memory: ExpiringMap[int] = ExpiringMap(3, ttl_seconds=60, clock=Clock())
    for i, key in enumerate("abcd"):
        memory.set(key, i)
    assert [memory.get(k) for k in "abcd"] == [None, 1, 2, 3] and len(memory) == 3


def test_add_if_absent_reports_the_first_sighting_only_until_expiry():
    clock = Clock()
    seen: ExpiringMap[bool] = ExpiringMap(10, ttl_seconds=5, clock=clock)
    assert seen.add_if_absent("msg-1", True)
    assert not seen.add_if_absent("msg-1", True)
    clock.now += 6
    assert seen.add_if_absent("msg-1", True)


def test_pop_forgets_and_returns():
    memory: ExpiringMap[str] = ExpiringMap(10, ttl_seconds=5, clock=Clock())
    memory.set("a", "x")
    assert memory.pop("a") == "x" and memory.get("a") is None and memory.pop("a") is None


@pytest.mark.parametrize("size, ttl", [(0, 1), (1, 0)])
def test_nonsense_bounds_are_refused(size, ttl):
    with pytest.raises(ValueError):
        ExpiringMap(size, ttl)
