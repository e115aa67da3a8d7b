"""One running bot (action server + Rasa) shared by the end-to-end tests."""

from __future__ import annotations

from typing import Iterator

import pytest

from knowledge.tables import PolicyTables
from evaluation.servers import BotServers, running_bot


@pytest.fixture(scope="session")
def bot(tmp_path_factory) -> Iterator[BotServers]:
    with running_bot(tmp_path_factory.mktemp("bot")) as servers:
        yield servers


@pytest.fixture(scope="session")
def tables() -> PolicyTables:
    return PolicyTables.load()
