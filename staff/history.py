"""Every saved version of an FAQ entry or a document, with who saved it and when.

Kept in ``<content>/history/`` (one JSON-lines file per entry or document), not in
``.cache/``: a history cannot be rebuilt, so it must not sit among disposable build
artefacts; it travels with the content it describes (a copy of knowledge/ for a test
or a backup carries it); and it is not an index input (the builder reads only
``faq/*.yml`` and ``documents/*.md``). It is gitignored: it names staff members and
records what happened on one server, which is not source code.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")
ORIGINAL = "original"  # the content as it was before its first save through the staff tools


@dataclass
class Version:
    """One saved state; ``number`` counts from 1 (the oldest)."""

    number: int
    at: str
    user: str
    action: str
    content: Any  # an FAQ entry (dict) or a document's text
    note: str = ""


class History:
    """Append-only version log per FAQ entry ("faq") and per document ("documents")."""

    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, kind: str, key: str) -> Path:
        name = key if _SAFE_KEY.match(key) else "k-" + hashlib.sha256(key.encode()).hexdigest()[:24]
        return self.directory / kind / f"{name}.jsonl"

    def record(self, kind: str, key: str, before: Any, after: Any, user: str, action: str, note: str = "") -> None:
        """Log ``after``; the first time, also log ``before`` (the original) so it can be restored.

        Callers hold the content lock, so appends never interleave.
        """
        path = self._path(kind, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        count = len(self._lines(path))
        lines = []
        if count == 0 and before is not None:
            lines.append({"number": 1, "at": "", "user": "", "action": ORIGINAL, "content": before, "note": ""})
            count = 1
        lines.append({"number": count + 1, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "user": user,
                      "action": action, "content": after, "note": note})
        with open(path, "a", encoding="utf-8") as handle:
            for line in lines:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    @staticmethod
    def _lines(path: Path) -> List[str]:
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.exists() else []

    def versions(self, kind: str, key: str) -> List[Version]:
        """All versions, newest first."""
        return [Version(**json.loads(line)) for line in reversed(self._lines(self._path(kind, key)))]

    def version(self, kind: str, key: str, number: int) -> Optional[Version]:
        return next((v for v in self.versions(kind, key) if v.number == number), None)
