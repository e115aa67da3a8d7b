"""Where the staff tools keep their state and find the other servers (all from the environment).

- ``STAFF_STATE_DIR`` (default ``.cache/staff``): accounts and the session secret.
  Server-side only and gitignored; nothing in the repository holds a password.
- The content the staff edit and its index come from ``knowledge.paths`` (``CONTENT_DIR``:
  the served copy, ``.cache/content`` under ``make start``, never the repository's
  ``content/``; ``KNOWLEDGE_INDEX_DIR``); the edit history lives with the content, in
  ``<content>/history``.
- ``RASA_URL`` (default http://localhost:5005) for the answer check's intent,
  and Rasa's API token from ``RASA_API_TOKEN_FILE`` (default ``.cache/rasa_api_token``,
  0600) or ``RASA_API_TOKEN``.
- ``TRACKER_DB`` (default ``.cache/conversations.db``) for the review queue and the statistics,
  or ``TRACKER_STORE_URL`` (a SQLAlchemy URL: the PostgreSQL tracker store of the scale-out).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.stores.private_files import read_token
from knowledge.paths import CONTENT_DIR, INDEX_DIR, PROJECT_DIR


def _path(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).resolve() if value else default


@dataclass(frozen=True)
class StaffConfig:
    """Paths and addresses the staff tools use; one object so tests can point it elsewhere."""

    content_dir: Path = CONTENT_DIR
    index_dir: Path = INDEX_DIR
    state_dir: Path = field(default_factory=lambda: _path("STAFF_STATE_DIR", PROJECT_DIR / ".cache" / "staff"))
    tracker_db: Path = field(default_factory=lambda: _path("TRACKER_DB", PROJECT_DIR / ".cache" / "conversations.db"))
    tracker_url: str = field(default_factory=lambda: os.environ.get("TRACKER_STORE_URL", "").strip())
    rasa_url: str = field(default_factory=lambda: os.environ.get("RASA_URL", "http://localhost:5005").rstrip("/"))
    rasa_token: str = field(default_factory=read_token)
    host: str = field(default_factory=lambda: os.environ.get("ADMIN_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(os.environ.get("ADMIN_PORT", "5080")))
    # Set STAFF_COOKIE_SECURE=1 behind HTTPS so the session cookie is never sent in clear.
    secure_cookies: bool = field(default_factory=lambda: os.environ.get("STAFF_COOKIE_SECURE", "") == "1")

    @property
    def tracker_store(self) -> str:
        """The tracker store the staff tools read: a SQLAlchemy URL, else the SQLite file's path."""
        return self.tracker_url or str(self.tracker_db)

    @property
    def history_dir(self) -> Path:
        return self.content_dir / "history"

    @property
    def faq_dir(self) -> Path:
        return self.content_dir / "faq"

    @property
    def documents_dir(self) -> Path:
        return self.content_dir / "documents"
