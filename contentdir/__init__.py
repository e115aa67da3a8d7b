"""Where the content lives, and how the served copy and the repository's copy meet.

The content is what a province reads and edits, not code: the FAQ (``faq/*.yml``), the
documents (``documents/*.md``), the figure tables (``facts.yml``, ``programmes.yml``) and
the province's settings (``settings/*.yml``). It exists twice:

- the repository's copy, ``content/``: what the project ships and tests;
- the served copy, ``CONTENT_DIR``: what the servers answer from and the staff app
  edits. ``make start`` sets it to ``.cache/content`` (scripts/env.sh), which git
  ignores, so a staff edit never shows in ``git status`` and a ``git pull`` never
  conflicts with one. Unset (tests, tools, a developer's shell) it is ``content/``.

``python -m contentdir sync`` (run by ``make start``) creates the served copy from the
repository's on first start and later takes in what an upgrade changed in the
repository, file by file, unless the staff changed that file too: then the staff's
version stays and the command says so. ``python -m contentdir export`` writes the
served copy back into ``content/`` for a commit; ``status`` tells which files differ
and why. Beside the content, a content directory holds the search index built from it
(``index/``) and the staff's edit history (``history/``); neither is ever copied.

The lowest layer (tests/unit/test_layers.py): imported by the Rasa side (the privacy
notice reads the province settings) and by ``knowledge``; it imports neither.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

PROJECT_DIR = Path(__file__).resolve().parents[1]
REPOSITORY_CONTENT = PROJECT_DIR / "content"
# Folders of a content directory that are not content: the built index, the edit history.
NOT_CONTENT = frozenset({"index", "history"})
# In the served copy: the repository's files as last taken in (what ``sync`` compares with).
SYNC_RECORD = ".synced.json"


def content_dir() -> Path:
    """``CONTENT_DIR`` if set, else the repository's ``content/``."""
    return Path(os.environ.get("CONTENT_DIR") or REPOSITORY_CONTENT).resolve()


# Read once at import: one process serves one content directory.
CONTENT_DIR = content_dir()
SETTINGS_DIR = CONTENT_DIR / "settings"


def content_files(root: Path) -> Dict[str, Path]:
    """Relative path (with "/") -> file, for every content file under ``root``.

    Not the index or the history, nor hidden files (locks, a save's temporary file).
    """
    found: Dict[str, Path] = {}
    if not root.is_dir():
        return found
    for folder, subfolders, files in os.walk(root):
        relative = Path(folder).relative_to(root)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".")
                               and not (relative == Path(".") and d in NOT_CONTENT))
        for name in sorted(files):
            if not name.startswith(".") and not name.endswith((".tmp", "~")):
                found[(relative / name).as_posix()] = Path(folder) / name
    return found


def _digest(path: Optional[Path]) -> Optional[str]:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None and path.is_file() else None


def _digests(root: Path) -> Dict[str, str]:
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in content_files(root).items()}


def _read_record(served: Path) -> Optional[Dict[str, str]]:
    try:
        return dict(json.loads((served / SYNC_RECORD).read_text(encoding="utf-8"))["repository"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_record(served: Path, repository: Dict[str, str]) -> None:
    temporary = served / f"{SYNC_RECORD}.{os.getpid()}"
    temporary.write_text(json.dumps({"repository": dict(sorted(repository.items())),
                                     "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, indent=1), encoding="utf-8")
    os.replace(temporary, served / SYNC_RECORD)


def _copy(source: Optional[Path], target: Path) -> None:
    """Put ``source`` at ``target`` (atomically: a server may be reading it), or delete ``target``."""
    if source is None:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copy2(source, temporary)
    os.replace(temporary, target)


@dataclass
class Comparison:
    """Each content file by where it changed since the last sync (paths relative to the content folder)."""

    staff: List[str] = field(default_factory=list)  # changed in the served copy only
    repository: List[str] = field(default_factory=list)  # changed in the repository only (sync takes it in)
    both: List[str] = field(default_factory=list)  # changed on both sides, differently
    same: int = 0


def compare(served: Path, repository: Path = REPOSITORY_CONTENT) -> Comparison:
    """Where the served copy and the repository's copy differ, and which side moved."""
    base = _read_record(served) or {}
    ours, theirs = _digests(served), _digests(repository)
    result = Comparison()
    for name in sorted(set(base) | set(ours) | set(theirs)):
        mine, upstream, last = ours.get(name), theirs.get(name), base.get(name)
        if mine == upstream:
            result.same += 1
        elif upstream == last:
            result.staff.append(name)
        elif mine == last:
            result.repository.append(name)
        else:
            result.both.append(name)
    return result


@dataclass
class SyncReport:
    created: bool = False
    taken: List[str] = field(default_factory=list)  # repository changes copied into the served copy
    kept: List[str] = field(default_factory=list)  # changed on both sides: the staff's version stays


def sync(served: Path, repository: Path = REPOSITORY_CONTENT) -> SyncReport:
    """Create the served copy, or take in the repository's changes the staff did not also make."""
    report = SyncReport()
    if served.resolve() == repository.resolve():
        return report
    theirs = content_files(repository)
    if _read_record(served) is None and not content_files(served):
        served.mkdir(parents=True, exist_ok=True)
        for name, path in theirs.items():
            _copy(path, served / name)
        _write_record(served, _digests(repository))
        report.created = True
        return report
    comparison = compare(served, repository)
    for name in comparison.repository:
        _copy(theirs.get(name), served / name)
        report.taken.append(name)
    report.kept = comparison.both
    record = _digests(repository)
    for name in comparison.both:  # still to merge: compared with the old version again next time
        previous = (_read_record(served) or {}).get(name)
        if previous is None:
            record.pop(name, None)
        else:
            record[name] = previous
    _write_record(served, record)
    return report


def export(served: Path, repository: Path = REPOSITORY_CONTENT, dry_run: bool = False) -> Comparison:
    """Write the served copy's files into the repository's copy (for a commit); the changed files by side."""
    comparison = compare(served, repository)
    if served.resolve() == repository.resolve() or dry_run:
        return comparison
    ours = content_files(served)
    for name in [*comparison.staff, *comparison.both]:
        _copy(ours.get(name), repository / name)
    _write_record(served, _digests(served))
    return comparison
