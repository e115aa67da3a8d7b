"""The texts the bot answers from: FAQ entries and document passages.

FAQ entries live in ``content/faq/*.yml``; documents in ``content/documents/*.md``
as YAML front matter (title, number, date, issuer…, and ``history_note`` when some of
the document's figures are no longer in force) plus a body split by ``## ``
headings. A heading is a citable section or article, so a passage is one section
(long sections are split by paragraph) and its citation is "document, heading".
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import yaml

from knowledge.paths import CONTENT_DIR

KNOWLEDGE_DIR = CONTENT_DIR
FAQ_DIR = KNOWLEDGE_DIR / "faq"
DOCUMENTS_DIR = KNOWLEDGE_DIR / "documents"
MAX_PASSAGE_WORDS = 220
# libyaml when available: the same objects as yaml.safe_load, ten times faster (rebuilds read every file).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml."""
    return yaml.load(text, Loader=_LOADER)


@dataclass
class FaqEntry:
    """One question with its paraphrases and a sourced answer."""

    id: str
    question: str
    paraphrases: List[str]
    answer: str
    sources: List[str]
    topic: str = ""
    programmes: List[str] = field(default_factory=list)
    tags: List[str] = field(default_factory=list)
    reviewed: str = ""
    retired: bool = False

    @property
    def questions(self) -> List[str]:
        """The question and all its paraphrases: every way we know it is asked."""
        return [self.question, *self.paraphrases]

    @classmethod
    def from_dict(cls, raw: Dict[str, Any]) -> "FaqEntry":
        return cls(
            id=str(raw["id"]),
            question=str(raw["question"]).strip(),
            paraphrases=[str(p).strip() for p in raw.get("paraphrases") or []],
            answer=str(raw["answer"]).strip(),
            sources=[str(s).strip() for s in raw.get("sources") or []],
            topic=str(raw.get("topic") or ""),
            programmes=[str(p) for p in raw.get("programmes") or []],
            tags=[str(t) for t in raw.get("tags") or []],
            reviewed=str(raw.get("reviewed") or ""),
            retired=bool(raw.get("retired", False)),
        )


@dataclass
class Document:
    """A legal or guidance document with its metadata and raw Markdown body."""

    id: str
    title: str
    number: Optional[str]
    date: Optional[str]
    issuer: Optional[str]
    body: str
    meta: Dict[str, Any]

    @property
    def short_name(self) -> str:
        """How a citation names the document: its number when it has one."""
        kind = {
            "chi_thi": "Chỉ thị", "nghi_dinh": "Nghị định", "quyet_dinh": "Quyết định",
            "luat": "Luật", "thong_tu": "Thông tư",
        }.get(str(self.meta.get("kind", "")), "")
        if self.number and kind and kind.lower() not in str(self.number).lower():
            return f"{kind} {self.number}"
        return str(self.number or self.title)


@dataclass
class Passage:
    """One citable piece of a document."""

    id: str
    document_id: str
    document_title: str
    citation: str
    heading: str
    text: str
    summary_of_original: bool = False
    # The document's front-matter ``history_note``: which of its figures are no longer in
    # force and what replaced them; said with any passage quoted from the document.
    history_note: str = ""


def load_faq(directory: Path = FAQ_DIR, include_retired: bool = False) -> List[FaqEntry]:
    """All FAQ entries, in file order; ids must be unique across files."""
    entries: List[FaqEntry] = []
    seen: Dict[str, Path] = {}
    for path in sorted(directory.glob("*.yml")):
        for raw in load_yaml(path.read_text(encoding="utf-8")) or []:
            entry = FaqEntry.from_dict(raw)
            if entry.id in seen:
                raise ValueError(f"FAQ id {entry.id!r} in both {seen[entry.id].name} and {path.name}")
            seen[entry.id] = path
            if include_retired or not entry.retired:
                entries.append(entry)
    return entries


_FRONT_MATTER_RE = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


def parse_document(text: str, fallback_id: str) -> Document:
    """Split front matter from body; a file without front matter is its own title."""
    match = _FRONT_MATTER_RE.match(text)
    meta: Dict[str, Any] = load_yaml(match.group(1)) if match else {}
    body = text[match.end():] if match else text
    return Document(
        id=str(meta.get("id") or fallback_id),
        title=str(meta.get("title") or fallback_id),
        number=str(meta["number"]) if meta.get("number") else None,
        date=str(meta["date"]) if meta.get("date") else None,
        issuer=str(meta["issuer"]) if meta.get("issuer") else None,
        body=body,
        meta=meta,
    )


def load_documents(directory: Path = DOCUMENTS_DIR) -> List[Document]:
    return [
        parse_document(path.read_text(encoding="utf-8"), path.stem)
        for path in sorted(directory.glob("*.md"))
    ]


def _clean_heading(heading: str) -> str:
    return re.sub(r"[*_#]+", "", heading).strip().rstrip(".:")


def _split_long(text: str, limit: int) -> List[str]:
    """Split a section into pieces of at most ~limit words at paragraph/sentence ends."""
    units = [u.strip() for u in re.split(r"\n\s*\n|(?<=[.;:])\s+(?=[-–•A-ZĐÂĂÊÔƠƯ])", text) if u.strip()]
    pieces: List[str] = []
    current: List[str] = []
    for unit in units:
        if current and len(" ".join(current + [unit]).split()) > limit:
            pieces.append("\n".join(current))
            current = []
        current.append(unit)
    if current:
        pieces.append("\n".join(current))
    return pieces


def chunk_document(document: Document, max_words: int = MAX_PASSAGE_WORDS) -> List[Passage]:
    """One passage per ``## `` section (split further when long)."""
    sections = re.split(r"^##\s+", document.body, flags=re.MULTILINE)
    passages: List[Passage] = []
    for position, section in enumerate(sections):
        if not section.strip():
            continue
        if position == 0:
            heading, body = "", section
        else:
            heading, _, body = section.partition("\n")
        heading = _clean_heading(heading)
        body = re.sub(r"\*\*|__", "", body).strip()
        if not body:
            continue
        citation = f"{document.short_name}, {heading}" if heading else document.short_name
        for part_number, part in enumerate(_split_long(body, max_words)):
            passages.append(
                Passage(
                    id=f"{document.id}#{len(passages)}",
                    document_id=document.id,
                    document_title=document.title,
                    citation=citation,
                    heading=heading if part_number == 0 else f"{heading} (tiếp)",
                    text=part,
                    summary_of_original=bool(document.meta.get("summary_of_original")),
                    history_note=str(document.meta.get("history_note") or "").strip(),
                )
            )
    return passages


def file_fingerprint(paths: Iterable[Path]) -> str:
    """Hash of the named files' paths and contents (what an index was built from)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
