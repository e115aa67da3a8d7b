"""One running bot (action server + Rasa) shared by the end-to-end tests."""

from __future__ import annotations

from typing import Iterator

import pytest

from knowledge.tables import PolicyTables
from tests.integration.servers import BotServers


@pytest.fixture(scope="session")
def bot(tmp_path_factory) -> Iterator[BotServers]:
    servers = BotServers(tmp_path_factory.mktemp("bot"))
    try:
        servers.start_actions()
        servers.start_rasa()
        yield servers
    finally:
        servers.stop_all()


@pytest.fixture(scope="session")
def tables() -> PolicyTables:
    return PolicyTables.load()
