"""The action server's one connection to the knowledge base.

Loading the embedding model takes seconds, so it happens once per process, at import
of the actions package (the action server imports it at start), not on the first
citizen's question. If the index or model is missing, knowledge answers degrade to a
polite "temporarily unavailable" while every other action keeps working.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Optional

from knowledge.answering import Answerer
from knowledge.retriever import Retriever
from knowledge.tables import PolicyTables

logger = logging.getLogger(__name__)
REFRESH_SECONDS = 5.0

_lock = threading.Lock()
_answerer: Optional[Answerer] = None
_tables: Optional[PolicyTables] = None
_last_refresh = 0.0


def tables() -> PolicyTables:
    """The policy tables (programmes, facts), loaded once."""
    global _tables
    if _tables is None:
        _tables = PolicyTables.load()
    return _tables


def answerer() -> Optional[Answerer]:
    """The shared answerer, or None when the knowledge index cannot be loaded."""
    global _answerer, _last_refresh
    with _lock:
        if _answerer is None:
            try:
                _answerer = Answerer(Retriever(), tables())
            except Exception:  # a missing index/model must not take the action server down
                logger.exception("knowledge base unavailable")
                return None
        elif time.monotonic() - _last_refresh > REFRESH_SECONDS:
            _last_refresh = time.monotonic()
            if _answerer.retriever.refresh():
                logger.info("switched to rebuilt knowledge index %s", _answerer.retriever.index.folder.name)
        return _answerer


def warm_up() -> None:
    """Load the index and model and answer one question, so the first citizen does not wait.

    Run when the action server imports this package: loading and the first ONNX run take
    a few seconds, longer than the channel's answer deadline.
    """
    started = time.monotonic()
    ready = answerer()
    if ready is not None:
        ready.answer("lãi suất vay hộ nghèo")
    logger.info("knowledge base warmed up in %.1f s", time.monotonic() - started)
