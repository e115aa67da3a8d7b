"""Safe writes of content files: one writer at a time, and no half-written file ever visible.

Two staff members saving at the same moment (two threads of the app, or the app and an
import run from another process) take turns through one lock per content folder: a
thread lock inside the process and an ``flock`` between processes. Each file is
written to a temporary name and renamed over the old one, which is atomic, so the
index builder and readers never see a partial file.
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator

from vntext.normalise import fold

_THREAD_LOCKS: Dict[Path, threading.Lock] = {}
_GUARD = threading.Lock()


@contextmanager
def content_lock(lock_path: Path) -> Iterator[None]:
    """Exclusive lock for a read-modify-write of the content guarded by ``lock_path``."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with _GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(lock_path.resolve(), threading.Lock())
    with thread_lock, open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def slugify(text: str, words: int = 7) -> str:
    """A file-safe id from Vietnamese text: "Lãi suất hộ nghèo?" → "lai-suat-ho-ngheo"."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(text).replace("đ", "d"))[:words])[:60].strip("-")
