"""The policy figures: facts.yml and programmes.yml, and rendering of {{placeholders}}.

FAQ answers never type a figure; they write ``{{ho_ngheo.rate}}`` or
``{{facts.civil_interest_cap}}`` and this module renders it from the one table, adding
a warning when the figure is unconfirmed and collecting the figure's source so the
answer's source line names where every number came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from knowledge.corpus import load_yaml
from knowledge.paths import CONTENT_DIR

KNOWLEDGE_DIR = CONTENT_DIR
PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z0-9_]+)\.([a-z0-9_]+)\s*\}\}")
FIGURE_FIELDS = ("rate", "cap", "term", "collateral", "overdue")
TEXT_FIELDS = ("name", "short_name", "where", "channel")
UNCONFIRMED_NOTE = "chưa được xác nhận — đề nghị kiểm tra lại tại Điểm giao dịch xã"
# A number followed by a unit is a policy figure; answers take figures from placeholders.
LITERAL_FIGURE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:%|phần trăm|triệu|tỷ|nghìn|tháng|năm\b|ngày làm việc)(?:\s*/\s*(?:năm|tháng)\b)?",
    re.IGNORECASE,
)
# Numbers that are not figures: placeholders, document numbers, articles.
_NOT_FIGURES = (re.compile(r"\{\{[^}]*\}\}"), re.compile(r"\b\d+/\d+|\bĐiều \d+|\d+-[A-Z]+/[A-Z]+|\bsố \d+"))


EFFECTIVE_PREFIX = " (áp dụng từ "


def undated(citation: str) -> str:
    """A citation without the "(áp dụng từ …)" a figure adds to its source."""
    position = citation.rfind(EFFECTIVE_PREFIX)
    return citation[:position] if position >= 0 and citation.endswith(")") else citation


def split_citations(source: str) -> List[str]:
    """Split "A, Điều 3 (x; y); B" at the semicolons outside parentheses."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(source):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth == 0:
            parts.append(source[start:position])
            start = position + 1
    return parts + [source[start:]]


@dataclass(frozen=True)
class Figure:
    """One figure as the bot may say it, with where it comes from."""

    text: str
    source: str
    effective: Optional[str]
    confirmed: bool

    def spoken(self) -> str:
        """The figure in a sentence; unconfirmed ones carry their warning inline."""
        if self.confirmed or "xác nhận" in self.text:
            return self.text  # a text that already says it is unconfirmed needs no second warning
        return f"{self.text} ({UNCONFIRMED_NOTE})"

    def citation(self) -> str:
        """Source with the date the figure took effect, e.g. for the "Nguồn:" line."""
        if not self.source or self.source.lower().startswith("chưa"):
            return ""  # "Chưa có văn bản xác nhận" is a status, not a source
        if self.effective:
            return f"{self.source}{EFFECTIVE_PREFIX}{format_date(self.effective)})"
        return self.source


@dataclass
class Rendered:
    """Text with placeholders filled in, plus the figures it used."""

    text: str
    figures: List[Figure] = field(default_factory=list)

    @property
    def has_unconfirmed(self) -> bool:
        return any(not f.confirmed for f in self.figures)


def format_date(value: Any) -> str:
    """ISO date → Vietnamese dd/mm/yyyy; other values unchanged."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    return f"{match.group(3)}/{match.group(2)}/{match.group(1)}" if match else text


def typed_figures(text: str) -> List[str]:
    """Figures typed literally in an answer ("7%/năm", "100 triệu"), which must be placeholders."""
    for pattern in _NOT_FIGURES:
        text = pattern.sub("", text)
    return [match.group(0) for match in LITERAL_FIGURE.finditer(text)]


def _figure(raw: Mapping[str, Any]) -> Figure:
    return Figure(
        text=str(raw.get("text", "")).strip(),
        source=str(raw.get("source") or "").strip(),
        effective=str(raw["effective"]) if raw.get("effective") else None,
        confirmed=str(raw.get("status", "unconfirmed")).strip() == "confirmed",
    )


class PolicyTables:
    """Facts and programmes, loaded from YAML."""

    def __init__(self, facts: Dict[str, Any], programmes: List[Dict[str, Any]]):
        self.facts = facts
        self.programmes = {p["id"]: p for p in programmes}

    @classmethod
    def load(cls, directory: Path = KNOWLEDGE_DIR) -> "PolicyTables":
        facts = load_yaml((directory / "facts.yml").read_text(encoding="utf-8"))["facts"]
        programmes = load_yaml((directory / "programmes.yml").read_text(encoding="utf-8"))
        return cls(facts, programmes["programmes"])

    def figure(self, group: str, key: str) -> Figure:
        """The figure a placeholder names; KeyError when it does not exist."""
        if group == "facts":
            return _figure(self.facts[key])
        programme = self.programmes[group]
        if key in FIGURE_FIELDS:
            return _figure(programme[key])
        if key in TEXT_FIELDS:
            return Figure(str(programme[key]).strip(), "", None, True)
        raise KeyError(f"{group}.{key}")

    def render(self, text: str) -> Rendered:
        """Fill every ``{{group.key}}``; raises KeyError on an unknown one."""
        figures: List[Figure] = []

        def substitute(match: "re.Match[str]") -> str:
            figure = self.figure(match.group(1), match.group(2))
            if figure.source:
                figures.append(figure)
            return figure.spoken()

        return Rendered(PLACEHOLDER_RE.sub(substitute, text), figures)

    def placeholders(self, text: str) -> List[str]:
        """Placeholders used in a text, for validation."""
        return [f"{g}.{k}" for g, k in PLACEHOLDER_RE.findall(text)]
