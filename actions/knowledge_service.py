"""The action server's one connection to the knowledge base.

Loading the embedding model and the index, and underthesea's model on first use, take
about 2 s (13 s before the split model of issue 18). The serving process of the action
server does this in a background thread as soon as it starts (while Rasa is still
loading its own model), not on the first citizen's question: a Sanic worker when it
starts, or ``actions.serve`` itself when it serves in one process. Tests that import
the actions load nothing until asked. If the index or
model is missing, knowledge answers degrade to a polite "temporarily unavailable"
while every other action keeps working.

One query is embedded on one thread: concurrency comes from concurrent requests and
worker processes, and on 2 shared cores splitting a query over two threads only added
contention (20 ms a query against 32 ms with two, measured under load).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Dict, Optional

from knowledge.answering import Answerer
from knowledge.embedder import Embedder, load_settings
from knowledge.lexical import skip_unused_underthesea_modules
from knowledge.retriever import Retriever
from knowledge.tables import PolicyTables

# Before underthesea's first import (segmentation, on the first answer): its translation
# pipeline imports transformers and torch, ~600 MB of a server that needs neither (issue 18).
skip_unused_underthesea_modules()

logger = logging.getLogger(__name__)
REFRESH_SECONDS = 5.0
SERVING_THREADS = 1
WARM_UP_QUESTION = "Vay vốn hộ nghèo cần những giấy tờ gì?"

_lock = threading.Lock()
_answerer: Optional[Answerer] = None
_tables: Optional[PolicyTables] = None
_last_refresh = 0.0
_tables_checked = 0.0


def tables() -> PolicyTables:
    """The policy tables (programmes, facts), loaded once and reloaded within seconds of a
    staff member's approved change (the advisor and the calculators read them too)."""
    global _tables, _tables_checked
    if _tables is None:
        _tables = PolicyTables.load()
        _tables_checked = time.monotonic()
    elif time.monotonic() - _tables_checked > REFRESH_SECONDS:
        _tables_checked = time.monotonic()
        if _tables.refresh():
            logger.info("policy figures reloaded after a staff change")
    return _tables


def answerer() -> Optional[Answerer]:
    """The shared answerer, or None when the knowledge index cannot be loaded."""
    global _answerer, _last_refresh
    with _lock:
        if _answerer is None:
            try:
                settings = _serving_settings()
                _answerer = Answerer(Retriever(Embedder(settings), settings=settings), tables())
            except Exception:  # a missing index/model must not take the action server down
                logger.exception("knowledge base unavailable")
                return None
        elif time.monotonic() - _last_refresh > REFRESH_SECONDS:
            _last_refresh = time.monotonic()
            tables()
            if _answerer.retriever.refresh():
                logger.info("switched to rebuilt knowledge index %s", _answerer.retriever.index.folder.name)
        return _answerer


def _serving_settings() -> Dict[str, Any]:
    settings = load_settings()
    settings["embedding"] = {**settings["embedding"], "threads": SERVING_THREADS}
    return settings


def warm_up() -> None:
    """Load everything a knowledge answer needs by answering one question."""
    started = time.monotonic()
    loaded = answerer()
    if loaded is not None:
        loaded.answer(WARM_UP_QUESTION)
        logger.info("knowledge base warm in %.1f s", time.monotonic() - started)


def start_warm_up() -> None:
    """Warm up in a background thread (once per process)."""
    global _warm_up_started
    if not _warm_up_started:
        _warm_up_started = True
        threading.Thread(target=warm_up, name="knowledge-warm-up", daemon=True).start()


_warm_up_started = False
if os.environ.get("SANIC_WORKER_NAME"):  # set by Sanic in its serving worker processes only
    start_warm_up()
