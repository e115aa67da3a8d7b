"""Reading and saving FAQ entries in ``<content>/faq/*.yml`` without losing anyone's work.

Saving is a read-modify-write of one YAML file under the content lock, so two staff
members saving different entries at once both keep their change. Each entry has a
version (a hash of its content); an edit names the version it started from, and if the
entry changed in between the save is refused with a conflict message instead of
overwriting the other person's edit. Files are rewritten with ruamel.yaml in
round-trip mode: comments, quoting and layout of the untouched entries stay as they
were, so a one-entry edit is a one-entry diff.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from knowledge.corpus import FaqEntry, load_yaml
from staff.files import atomic_write, content_lock, slugify
from staff.history import History
from staff.uploads import strip_control_characters

# Field order of a new entry, as in the hand-written files.
FIELDS = ("id", "question", "paraphrases", "answer", "sources", "programmes", "topic", "tags", "reviewed")
BLOCK_LISTS = ("paraphrases", "sources")
FLOW_LISTS = ("programmes", "tags")
FILE_NAME_RE = re.compile(r"^[a-z0-9_-]+\.yml$")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class ConflictError(Exception):
    """The entry changed since the form was opened, or an id is taken (message in Vietnamese)."""


def clean_text(value: Any) -> str:
    """NFC, trimmed, Windows line ends removed: how every saved text is normalised."""
    text = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    # Control characters (typed, pasted or imported) are dropped: the xlsx export cannot hold them.
    return strip_control_characters(text).strip()


def normalise(data: Mapping[str, Any]) -> Dict[str, Any]:
    """A plain entry dict with every field present and every text normalised."""
    def texts(values: Any) -> List[str]:  # list items are one line each
        return [t for t in (" ".join(clean_text(v).split("\n")) for v in (values or [])) if t]

    entry = {
        "id": clean_text(data.get("id")),
        "question": clean_text(data.get("question")),
        "paraphrases": texts(data.get("paraphrases")),
        "answer": clean_text(data.get("answer")),
        "sources": texts(data.get("sources")),
        "programmes": texts(data.get("programmes")),
        "topic": clean_text(data.get("topic")),
        "tags": texts(data.get("tags")),
        "reviewed": clean_text(data.get("reviewed")),
    }
    if data.get("retired"):
        entry["retired"] = True
    return entry


def entry_version(data: Mapping[str, Any]) -> str:
    """Short hash of an entry's content: what the optimistic check compares."""
    canonical = json.dumps(normalise(data), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def new_id(question: str, taken: Iterable[str]) -> str:
    """A readable unique id from the question ("lai-suat-vay-ho-ngheo")."""
    base = slugify(question) or "muc"
    taken = set(taken)
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


@dataclass
class StoredEntry:
    """An entry as saved, with where it lives and its current version."""

    data: Dict[str, Any]
    file: str

    @property
    def entry(self) -> FaqEntry:
        return FaqEntry.from_dict(self.data)

    @property
    def version(self) -> str:
        return entry_version(self.data)

    @property
    def retired(self) -> bool:
        return bool(self.data.get("retired"))


def _round_trip_yaml() -> YAML:
    loader = YAML()
    loader.preserve_quotes = True
    loader.width = 4096
    loader.indent(mapping=2, sequence=4, offset=2)
    return loader


def _layout(text: str) -> str:
    """Top-level list at column 0 and a blank line between entries, as in the hand-written files."""
    lines = [line[2:] if line.startswith("  ") else line for line in text.splitlines()]
    out: List[str] = []
    for line in lines:
        if line.startswith("- ") and out and out[-1].strip() and not out[-1].lstrip().startswith("#"):
            out.append("")
        out.append(line)
    return "\n".join(out).rstrip("\n") + "\n"


def _styled(key: str, value: Any) -> Any:
    if key in BLOCK_LISTS:
        return CommentedSeq([DoubleQuotedScalarString(v) for v in value])
    if key in FLOW_LISTS:
        sequence = CommentedSeq(list(value))
        sequence.fa.set_flow_style()
        return sequence
    if key in ("question", "answer", "reviewed"):
        return DoubleQuotedScalarString(value)
    return value


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return str(node) if isinstance(node, str) else node


def _apply(target: CommentedMap, data: Dict[str, Any]) -> None:
    """Write ``data`` into an entry's map, keeping unchanged values (and their style) as they are."""
    fresh = not target
    for key in FIELDS:
        value = data[key]
        if key in target and normalise({key: _plain(target[key])}).get(key) == value:
            continue
        if key in target or fresh:
            target[key] = _styled(key, value)
        else:  # before the last key, which carries the blank line that separates entries
            target.insert(len(target) - 1, key, _styled(key, value))
    if data.get("retired"):
        if "retired" not in target:
            target.insert(1, "retired", True)  # right after the id, where a reader sees it first
        target["retired"] = True
    elif "retired" in target:
        del target["retired"]


class FaqStore:
    """The FAQ files of one content folder."""

    def __init__(self, content_dir: Path, history: History):
        self.directory = content_dir / "faq"
        self.history = history
        self.lock_path = history.directory / ".content.lock"

    # -- reading ------------------------------------------------------------------------
    def _files(self) -> List[Path]:
        return sorted(self.directory.glob("*.yml"))

    def entries(self, include_retired: bool = True) -> List[StoredEntry]:
        """Every entry in file order (reads see whole files: writes are atomic renames)."""
        stored = [StoredEntry(normalise(raw), name) for name, raws in self._read_all().items() for raw in raws]
        return [item for item in stored if include_retired or not item.retired]

    def _read_all(self) -> Dict[str, List[Dict[str, Any]]]:
        """Raw entries by file name (libyaml: ten times faster than the round-trip loader)."""
        return {path.name: load_yaml(path.read_text(encoding="utf-8")) or []
                for path in self._files()}

    def get(self, entry_id: str) -> Optional[StoredEntry]:
        return next((item for item in self.entries() if item.data["id"] == entry_id), None)

    def topic_files(self, entries: Optional[Sequence[StoredEntry]] = None) -> Dict[str, str]:
        """Each topic with the file most of its entries live in (where a new entry goes)."""
        counts: Dict[str, Dict[str, int]] = {}
        for item in self.entries() if entries is None else entries:
            files = counts.setdefault(item.data["topic"], {})
            files[item.file] = files.get(item.file, 0) + 1
        return {topic: max(files, key=files.get) for topic, files in sorted(counts.items()) if topic}

    # -- writing ------------------------------------------------------------------------
    def restore(self, entry_id: str, number: int, user: str) -> StoredEntry:
        """Make an earlier version current again (recorded as a new version, so it can be undone)."""
        version = self.history.version("faq", entry_id, number)
        if version is None:
            raise ConflictError("Không tìm thấy phiên bản này trong lịch sử.")
        current = self.get(entry_id)
        return self.save(version.content, user, current.version if current else None, "restore")

    def save(self, data: Mapping[str, Any], user: str, expected_version: Optional[str], action: str,
             file: Optional[str] = None) -> StoredEntry:
        """Add (``expected_version`` None) or replace one entry; see ``save_many``."""
        return self.save_many([(data, expected_version)], user, action, file)[0]

    def save_many(self, changes: Sequence[Tuple[Mapping[str, Any], Optional[str]]], user: str, action: str,
                  file: Optional[str] = None) -> List[StoredEntry]:
        """Save several entries in one turn of the lock; all are checked before any is written.

        Each change is (entry, version it was edited from); None means a new entry.
        Raises ConflictError, writing nothing, if any entry changed meanwhile or a new id is taken.
        """
        loader = _round_trip_yaml()
        with content_lock(self.lock_path):
            saved = self.entries()
            where = {item.data["id"]: item for item in saved}
            topic_files = self.topic_files(saved)
            planned = []
            for data, expected in changes:
                entry = normalise(data)
                found = where.get(entry["id"])
                before = found.data if found else None
                if expected is None and found:
                    raise ConflictError(f"Mã mục «{entry['id']}» đã được dùng cho một mục khác.")
                if expected is not None and before is None:
                    raise ConflictError(f"Không còn mục «{entry['id']}» trong tệp câu hỏi.")
                if found is not None and found.version != expected:
                    raise ConflictError(
                        f"Mục «{entry['id']}» vừa được người khác lưu sau khi anh/chị mở nó. Thay đổi của "
                        "anh/chị chưa được lưu: hãy mở lại mục này, xem nội dung mới rồi sửa lại."
                    )
                target_file = found.file if found else (file or topic_files.get(entry["topic"]) or f"{entry['topic']}.yml")
                if not FILE_NAME_RE.match(target_file):
                    raise ConflictError(f"Tên tệp «{target_file}» không hợp lệ.")
                planned.append((entry, before, target_file))
            # Only the files that change go through the (slow) round-trip loader.
            documents: Dict[str, CommentedSeq] = {}
            for name in dict.fromkeys(target_file for _, _, target_file in planned):
                path = self.directory / name
                documents[name] = (loader.load(path.read_text(encoding="utf-8")) if path.exists() else None) or CommentedSeq()
            nodes = {str(node["id"]): node for document in documents.values() for node in document}
            for entry, _, target_file in planned:
                node = nodes.get(entry["id"])
                if node is None:
                    node = nodes[entry["id"]] = CommentedMap()
                    documents[target_file].append(node)
                _apply(node, entry)
            for name, document in documents.items():
                self._write(loader, self.directory / name, document)
            for entry, before, _ in planned:
                self.history.record("faq", entry["id"], before, entry, user, action)
        return [StoredEntry(entry, target_file) for entry, _, target_file in planned]

    def _write(self, loader: YAML, path: Path, document: CommentedSeq) -> None:
        buffer = io.StringIO()
        loader.dump(document, buffer)
        text = _layout(buffer.getvalue())
        parsed = load_yaml(text) or []  # never write a file the bot could not load
        for raw in parsed:
            FaqEntry.from_dict(raw)
        atomic_write(path, text)
