"""The SQLite lock store serialises one conversation across Rasa processes."""

from __future__ import annotations

import asyncio
import multiprocessing
from pathlib import Path

from bot.stores.lock_store import SQLiteLockStore


def test_tickets_are_shared_between_stores_on_one_file(tmp_path):
    first, second = SQLiteLockStore(str(tmp_path / "locks.db")), SQLiteLockStore(str(tmp_path / "locks.db"))
    ticket_a = first.issue_ticket("citizen")
    ticket_b = second.issue_ticket("citizen")
    assert ticket_b == ticket_a + 1
    lock = second.get_lock("citizen")
    assert lock is not None and not lock.is_locked(ticket_a) and lock.is_locked(ticket_b)
    first.cleanup("citizen", ticket_a)
    assert not second.get_lock("citizen").is_locked(ticket_b)
    second.cleanup("citizen", ticket_b)
    assert first.get_lock("citizen") is None


def _increment_under_lock(db: str, counter: str, times: int) -> None:
    store = SQLiteLockStore(db)

    async def run() -> None:
        for _ in range(times):
            async with store.lock("citizen", wait_time_in_seconds=0.005):
                value = int(Path(counter).read_text())
                await asyncio.sleep(0.01)  # another process would interleave here without the lock
                Path(counter).write_text(str(value + 1))

    asyncio.run(run())


def test_two_processes_never_handle_one_conversation_at_once(tmp_path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_increment_under_lock, args=(str(tmp_path / "locks.db"), str(counter), 25))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    assert counter.read_text() == "50"


def test_a_waiting_message_rechecks_the_lock_every_few_milliseconds(tmp_path, monkeypatch):
    import rasa.core.lock_store as rasa_lock_store

    from bot.stores.lock_store import POLL_SECONDS

    waits = []
    real_sleep = asyncio.sleep

    async def recording_sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(rasa_lock_store.asyncio, "sleep", recording_sleep)
    first, second = SQLiteLockStore(str(tmp_path / "locks.db")), SQLiteLockStore(str(tmp_path / "locks.db"))

    async def two_messages() -> None:
        async def hold() -> None:
            async with first.lock("citizen"):
                for _ in range(5):
                    await real_sleep(0)

        async def wait() -> None:
            await real_sleep(0)  # the first message takes the lock first
            async with second.lock("citizen"):
                pass

        await asyncio.gather(hold(), wait())

    asyncio.run(two_messages())
    assert waits and max(waits) == POLL_SECONDS  # Rasa's own default would be a whole second
