"""Where the knowledge code finds the content, its search index and the build cache.

The content directory comes from ``contentdir`` (``CONTENT_DIR``: the served copy under
``make start``, else the repository's ``content/``); the index built from it lives in its
``index/`` folder unless ``KNOWLEDGE_INDEX_DIR`` names another, so a test or a staff
rehearsal can copy the content into a temporary folder, edit there and run the real
servers on the copy. Read once at import: one process serves one knowledge base.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from contentdir import CONTENT_DIR, PROJECT_DIR, REPOSITORY_CONTENT, SETTINGS_DIR

__all__ = ["CODE_DIR", "PROJECT_DIR", "CONTENT_DIR", "SETTINGS_DIR", "INDEX_DIR", "BUILD_CACHE_PATH", "CURRENT_LINK",
           "current_index_dir", "settings_file"]

CODE_DIR = Path(__file__).resolve().parent
INDEX_DIR = Path(os.environ["KNOWLEDGE_INDEX_DIR"]) if os.environ.get("KNOWLEDGE_INDEX_DIR") else CONTENT_DIR / "index"
# Embeddings and BM25 terms of indexed texts, shared by every copy (keyed by content hash);
# ``KNOWLEDGE_BUILD_CACHE`` names another file (an empty one measures a full build).
BUILD_CACHE_PATH = Path(os.environ.get("KNOWLEDGE_BUILD_CACHE") or PROJECT_DIR / ".cache" / "index-build-cache.sqlite")
# The index folder's link to the build in use; a build swaps it atomically (knowledge/build/index.py).
CURRENT_LINK = "current"


def current_index_dir(index_dir: Path = INDEX_DIR) -> Optional[Path]:
    """The folder the ``current`` link points to, or None before the first build."""
    link = index_dir / CURRENT_LINK
    return link.resolve() if link.exists() else None


def settings_file(name: str) -> Path:
    """A settings file of the served content, or the repository's when the served copy has
    none yet (a setting an upgrade added, before ``python -m contentdir sync`` took it in:
    the servers keep answering with the shipped default instead of failing)."""
    served = SETTINGS_DIR / name
    return served if served.exists() else REPOSITORY_CONTENT / "settings" / name
