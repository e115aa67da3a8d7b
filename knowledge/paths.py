"""Where the knowledge content, its index and the build cache live.

The content (faq/, documents/, facts.yml, programmes.yml) and the index folder can be
moved with ``KNOWLEDGE_CONTENT_DIR`` and ``KNOWLEDGE_INDEX_DIR``, so a test or a staff
rehearsal can copy knowledge/ into a temporary folder, edit there and run the real
servers on the copy. Settings (knowledge/settings/) and code stay with the package.
Read once at import: one process serves one knowledge base.
"""

from __future__ import annotations

import os
from pathlib import Path

CODE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = CODE_DIR.parent
CONTENT_DIR = Path(os.environ.get("KNOWLEDGE_CONTENT_DIR") or CODE_DIR).resolve()
INDEX_DIR = Path(os.environ["KNOWLEDGE_INDEX_DIR"]) if os.environ.get("KNOWLEDGE_INDEX_DIR") else CONTENT_DIR / "index"
# Embeddings and BM25 terms of indexed texts, shared by every copy (keyed by content hash);
# ``KNOWLEDGE_BUILD_CACHE`` names another file (an empty one measures a full build).
BUILD_CACHE_PATH = Path(os.environ.get("KNOWLEDGE_BUILD_CACHE") or PROJECT_DIR / ".cache" / "index-build-cache.sqlite")
