"""Uploading a document (``<content>/documents/<id>.md``): checked, saved, its old text kept.

A document is Markdown with YAML front matter (at least ``title``) and one ``## ``
heading per citable section, as knowledge/corpus.py reads it; the checks below say in
Vietnamese what is missing before anything is written. Replacing a document needs an
explicit choice and keeps the previous text in the history.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from knowledge.corpus import _FRONT_MATTER_RE, Document, chunk_document, parse_document
from staff.files import atomic_write, content_lock, slugify
from staff.history import History
from staff.uploads import front_matter_problem, strip_control_characters

DOCUMENT_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,99}$")
MAX_BYTES = 2 * 1024 * 1024
MAX_PASSAGE_WORDS = 400  # what tests/unit/test_faq_and_tables.py allows
TEMPLATE = """---
id: ten-van-ban-khong-dau
title: "Tên đầy đủ của văn bản"
number: "12/2025/QĐ-TTg"
date: "2025-06-01"
issuer: "Cơ quan ban hành"
kind: quyet_dinh
summary_of_original: false
---
## Điều 1. Tên điều hoặc mục

Nội dung điều 1.

## Điều 2. Tên điều hoặc mục

Nội dung điều 2.
"""


class DocumentError(ValueError):
    """Why a document cannot be saved, in Vietnamese, one reason per line."""


@dataclass
class DocumentInfo:
    id: str
    file: str
    title: str
    number: str
    issuer: str
    sections: int


def clean_document_text(raw: bytes) -> str:
    """Uploaded bytes as NFC text with Unix line ends; refuses what is not UTF-8 text."""
    if len(raw) > MAX_BYTES:
        raise DocumentError("Tệp quá lớn (tối đa 2 MB).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError("Tệp phải là văn bản UTF-8 (lưu tệp .md hoặc .txt với mã hóa UTF-8).") from None
    return strip_control_characters(unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")))


class DocumentStore:
    """The documents of one content folder."""

    def __init__(self, content_dir: Path, history: History):
        self.directory = content_dir / "documents"
        self.history = history
        self.lock_path = history.directory / ".content.lock"

    def documents(self) -> List[DocumentInfo]:
        infos = []
        for path in sorted(self.directory.glob("*.md")):
            document = parse_document(path.read_text(encoding="utf-8"), path.stem)
            infos.append(DocumentInfo(document.id, path.name, document.title, document.number or "",
                                      document.issuer or "", len(chunk_document(document))))
        return infos

    def text(self, document_id: str) -> Optional[str]:
        path = self._path(document_id)
        return path.read_text(encoding="utf-8") if path and path.exists() else None

    def _path(self, document_id: str) -> Optional[Path]:
        return self.directory / f"{document_id}.md" if DOCUMENT_ID_RE.match(document_id) else None

    def check(self, text: str, file_name: str) -> Tuple[Optional[Document], List[str]]:
        """The parsed document and what is wrong with it (empty list: it can be saved)."""
        fallback_id = slugify(Path(file_name).stem, words=12)
        if not text.startswith("---"):
            return None, ["Thiếu phần thông tin đầu tệp: tệp phải bắt đầu bằng dòng «---», rồi các dòng "
                          "title: …, number: …, date: …, issuer: …, rồi một dòng «---» (xem mẫu)."]
        # A list, a bare string or an alias bomb as front matter: a message, before any parsing.
        front = _FRONT_MATTER_RE.match(text)
        problem = front_matter_problem(front.group(1) if front else None)
        if problem:
            return None, [problem]
        try:
            document = parse_document(text, fallback_id)
        except yaml.YAMLError as error:
            return None, [f"Phần thông tin đầu tệp viết chưa đúng cú pháp: {str(error).splitlines()[0]}"]
        problems = []
        if not document.meta:
            problems.append("Phần thông tin đầu tệp phải kết thúc bằng một dòng «---».")
        if not document.meta.get("title"):
            problems.append("Thiếu tên văn bản (dòng «title: …» ở đầu tệp).")
        if not DOCUMENT_ID_RE.match(document.id):
            problems.append(f"Mã tài liệu «{document.id}» chỉ được gồm chữ thường không dấu, số và dấu gạch ngang "
                            "(dòng «id: …» ở đầu tệp, hoặc tên tệp).")
        passages = chunk_document(document)
        if not any(p.heading for p in passages):
            problems.append("Chưa có mục nào: mỗi điều, khoản hoặc mục trích dẫn được phải bắt đầu bằng một dòng "
                            "«## Tên mục» để bot ghi nguồn đúng chỗ.")
        for passage in passages:
            words = len(passage.text.split())
            if words > MAX_PASSAGE_WORDS:
                problems.append(f"Mục «{passage.heading or 'đầu văn bản'}» có một đoạn dài {words} từ, không có chỗ "
                                "ngắt câu: hãy chia thành các đoạn ngắn hơn (để trống một dòng giữa các đoạn).")
        return document, problems

    def save(self, text: str, file_name: str, user: str, replace: bool) -> Document:
        """Check and write a document; raises DocumentError with every reason it cannot be saved."""
        document, problems = self.check(text, file_name)
        if problems or document is None:
            raise DocumentError("\n".join(problems))
        with content_lock(self.lock_path):
            path = self._path(document.id)
            assert path is not None  # the id was checked above
            clash = [info.file for info in self.documents() if info.id == document.id and info.file != path.name]
            if clash:
                raise DocumentError(f"Tệp {clash[0]} đã dùng mã «{document.id}»; hãy chọn mã khác.")
            before = path.read_text(encoding="utf-8") if path.exists() else None
            if before is not None and not replace:
                raise DocumentError(f"Đã có tài liệu «{document.id}». Nếu muốn thay bằng bản mới, đánh dấu "
                                    "«Thay thế tài liệu đã có» (bản cũ được giữ trong lịch sử).")
            atomic_write(path, text)
            self.history.record("documents", document.id, before, text, user, "replace" if before else "add")
        return document

    def restore(self, document_id: str, number: int, user: str) -> Document:
        """Put back an earlier text of a document (itself recorded as a new version)."""
        version = self.history.version("documents", document_id, number)
        if version is None:
            raise DocumentError("Không tìm thấy phiên bản này trong lịch sử.")
        with content_lock(self.lock_path):
            path = self._path(document_id)
            if path is None:
                raise DocumentError("Mã tài liệu không hợp lệ.")
            before = path.read_text(encoding="utf-8") if path.exists() else None
            atomic_write(path, version.content)
            self.history.record("documents", document_id, before, version.content, user, "restore",
                                note=f"khôi phục phiên bản {number}")
        return parse_document(version.content, document_id)
