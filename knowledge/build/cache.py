"""Embeddings and BM25 terms of texts already indexed, so a rebuild only does what changed.

A full build embeds ~1,300 texts (about a minute on two cores); after a staff member
edits one FAQ entry only its few new texts are new. Vectors are keyed by the model,
its backend, the prompt ("query"/"passage") and the text's hash; BM25 terms by the
analyser's code and lexicon and the text's hash. A change of model or analyser makes
new keys, so a stale value is never reused. One SQLite file: safe for two builds at once.
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Sequence

import numpy as np

_CHUNK = 500  # keys per SELECT (below SQLite's variable limit)


def digest(*parts: str) -> str:
    """Stable key of some strings (namespace and text)."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def files_digest(paths: Iterable[Path], extra: str = "") -> str:
    """Short hash of some files' contents (what an analyser's output depends on)."""
    hasher = hashlib.sha256(extra.encode())
    for path in paths:
        hasher.update(path.read_bytes() if path.exists() else b"-")
    return hasher.hexdigest()[:16]


class BuildCache:
    """Vectors and term lists by (namespace, text), stored in one SQLite file."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with closing(self._connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS terms (key TEXT PRIMARY KEY, terms TEXT NOT NULL)")
        self.hits = 0
        self.misses = 0

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(str(self.path), timeout=60)

    def _lookup(self, table: str, column: str, keys: Sequence[str]) -> Dict[str, bytes]:
        found: Dict[str, bytes] = {}
        with closing(self._connect()) as db:
            unique = list(dict.fromkeys(keys))
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start:start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(db.execute(f"SELECT key, {column} FROM {table} WHERE key IN ({marks})", chunk))
        return found

    def _store(self, table: str, rows: List[tuple]) -> None:
        with closing(self._connect()) as db, db:
            db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", rows)

    def vectors(self, namespace: str, texts: Sequence[str], encode: Callable[[List[str]], np.ndarray],
                dimension: Callable[[], int]) -> np.ndarray:
        """Vectors of ``texts``; only texts never seen under ``namespace`` are encoded."""
        keys = [digest(namespace, text) for text in texts]
        found = {key: np.frombuffer(blob, dtype=np.float32) for key, blob in self._lookup("vectors", "vector", keys).items()}
        missing = list(dict.fromkeys(text for key, text in zip(keys, texts) if key not in found))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            encoded = encode(missing)
            rows = [(digest(namespace, text), vector.astype(np.float32).tobytes()) for text, vector in zip(missing, encoded)]
            self._store("vectors", rows)
            found.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in rows)
        if not texts:
            return np.zeros((0, dimension()), np.float32)
        return np.stack([found[key] for key in keys]).astype(np.float32)

    def terms(self, namespace: str, texts: Sequence[str], analyze: Callable[[str], Sequence[str]]) -> List[List[str]]:
        """BM25 terms of ``texts``; only new texts are analysed."""
        keys = [digest(namespace, text) for text in texts]
        found = {key: value.decode("utf-8").split("\n") if value else []
                 for key, value in self._lookup("terms", "terms", keys).items()}
        rows = []
        for key, text in zip(keys, texts):
            if key not in found:
                found[key] = list(analyze(text))
                rows.append((key, "\n".join(found[key]).encode("utf-8")))
        if rows:
            self._store("terms", rows)
        return [found[key] for key in keys]
