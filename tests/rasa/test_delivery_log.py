"""Zalo re-deliveries are answered once even when they reach another Rasa process."""

from __future__ import annotations

import multiprocessing
from typing import Any, List

from bot.channels.delivery_log import DeliveryLog


def _claim(path: str, keys: List[str], results: Any) -> None:
    log = DeliveryLog(path)
    results.extend([k for k in keys if log.first_time(k)])


def test_each_delivery_is_first_exactly_once_across_processes(tmp_path):
    path = str(tmp_path / "deliveries.db")
    keys = [f"msg-{i}" for i in range(200)]
    with multiprocessing.Manager() as manager:
        results = manager.list()
        workers = [multiprocessing.Process(target=_claim, args=(path, keys, results)) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert sorted(results) == sorted(keys)


def test_a_repeated_key_is_not_first_again(tmp_path):
    log = DeliveryLog(tmp_path / "d.db")
    assert log.first_time("a") and not log.first_time("a") and log.first_time("b")
