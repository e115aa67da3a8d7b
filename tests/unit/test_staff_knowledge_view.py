"""The staff tools hold the embedding model and index only while they are used (issue 18)."""

from __future__ import annotations

import time

import pytest

from knowledge.paths import current_index_dir
from staff.app import KnowledgeView
from staff.config import StaffConfig
from knowledge.tables import PolicyTables


@pytest.fixture(scope="module")
def config() -> StaffConfig:
    config = StaffConfig()
    if current_index_dir(config.index_dir) is None:
        pytest.skip("no knowledge index built (set-up builds it)")
    return config


def test_loaded_on_first_use_and_released_when_idle(config: StaffConfig) -> None:
    view = KnowledgeView(config, PolicyTables.load(config.content_dir), idle_seconds=0.3)
    assert not view.loaded  # nothing held before a page needs it
    hits = view.run(lambda retriever, checker: (retriever.search("lãi suất vay hộ nghèo"), checker))
    assert hits[0] and hits[1] is not None
    assert view.loaded
    deadline = time.monotonic() + 10
    while view.loaded and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not view.loaded  # released by its timer
    assert view.run(lambda retriever, _: retriever is not None)  # and loaded again when needed


def test_not_released_while_in_use(config: StaffConfig) -> None:
    view = KnowledgeView(config, PolicyTables.load(config.content_dir), idle_seconds=60)
    view.run(lambda retriever, _: retriever)
    assert not view.release_if_idle()  # used less than a minute ago
    assert view.loaded
    kept = KnowledgeView(config, PolicyTables.load(config.content_dir), idle_seconds=0)
    kept.run(lambda retriever, _: retriever)
    assert kept._release_timer is None and kept.loaded  # 0: kept loaded
