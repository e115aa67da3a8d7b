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
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from knowledge import dated
from knowledge.clock import parse_day, today
from knowledge.corpus import load_yaml
from knowledge.paths import CONTENT_DIR

KNOWLEDGE_DIR = CONTENT_DIR
HISTORY_ASPECTS = ("since", "previous", "next", "change", "history")
# {{group.key}}, or {{group.key.aspect}} for a sentence about its history.
PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z0-9_]+)\.([a-z0-9_]+)(?:\.(" + "|".join(HISTORY_ASPECTS) + r"))?\s*\}\}")
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
    """One figure as the bot may say it on one day, with where it comes from."""

    text: str
    source: str
    effective: Optional[str]
    confirmed: bool
    value: Optional[float] = None
    not_yet: bool = False  # no value in force on the day asked: this is the first one to come
    hedge: str = ""  # the figure's own words for "unconfirmed" (the generic note sends people to the bank)

    def spoken(self) -> str:
        """The figure in a sentence; unconfirmed ones carry their warning inline."""
        text = self.text
        if self.not_yet and self.effective:
            text = f"{text} (áp dụng từ {format_date(self.effective)})"
        if self.confirmed or "xác nhận" in self.text:
            return text  # a text that already says it is unconfirmed needs no second warning
        return f"{text} ({self.hedge or UNCONFIRMED_NOTE})"

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
    history: List[str] = field(default_factory=list)  # sentences about past or coming values

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


class PolicyTables:
    """Facts and programmes, loaded from YAML; every figure is read for a day.

    ``clock`` gives the day an answer is for (the bot's today by default); each method
    also takes ``on`` to read the tables as they stand on another day (the staff preview,
    the tests on both sides of a change).
    """

    def __init__(self, facts: Dict[str, Any], programmes: List[Dict[str, Any]],
                 clock: Callable[[], date] = today, directory: Optional[Path] = None):
        self.facts = facts
        self.programmes = {p["id"]: p for p in programmes}
        self.clock = clock
        self.directory = directory
        self._stamp = self._files_stamp()
        # (group, key, day) -> Figure, for the facts and programmes dictionaries held in
        # _memo_of. Every advisor turn and key-figure answer worked the same figures out
        # again (4 % of the action server's time at 10 users, issue 18); a reload replaces
        # those dictionaries, which empties the memo.
        self._memo: Dict[Tuple[str, str, date], Figure] = {}
        self._memo_of: Tuple[Any, Any] = (self.facts, self.programmes)

    @classmethod
    def load(cls, directory: Path = KNOWLEDGE_DIR, clock: Callable[[], date] = today) -> "PolicyTables":
        facts, programmes = cls._read(directory)
        return cls(facts, programmes, clock=clock, directory=directory)

    @staticmethod
    def _read(directory: Path) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
        facts = load_yaml((directory / "facts.yml").read_text(encoding="utf-8"))["facts"]
        programmes = load_yaml((directory / "programmes.yml").read_text(encoding="utf-8"))["programmes"]
        return facts, programmes

    def _files_stamp(self) -> Tuple[float, ...]:
        if self.directory is None:
            return ()
        return tuple((self.directory / name).stat().st_mtime for name in ("facts.yml", "programmes.yml"))

    def refresh(self) -> bool:
        """Reload when a staff member saved a figure; True when something changed.

        A value approved for a future day needs no reload: figures are read for a day.
        """
        stamp = self._files_stamp()
        if self.directory is None or stamp == self._stamp:
            return False
        facts, programmes = self._read(self.directory)
        self.facts, self.programmes, self._stamp = facts, {p["id"]: p for p in programmes}, stamp
        return True

    # -- raw figures -------------------------------------------------------------------------
    def raw(self, group: str, key: str) -> Mapping[str, Any]:
        """The figure as written in YAML; KeyError when it does not exist."""
        if group == "facts":
            return self.facts[key]
        if key not in FIGURE_FIELDS:
            raise KeyError(f"{group}.{key}")
        return self.programmes[group][key]

    def figure_keys(self) -> List[Tuple[str, str]]:
        """Every dated figure: (group, key), facts first."""
        keys = [("facts", key) for key in self.facts]
        return keys + [(pid, f) for pid, programme in self.programmes.items() for f in FIGURE_FIELDS if f in programme]

    def values(self, group: str, key: str) -> List[dated.DatedValue]:
        """The figure's whole history, pending and withdrawn entries included."""
        return dated.values(self.raw(group, key))

    # -- a figure on a day -------------------------------------------------------------------
    def figure(self, group: str, key: str, on: Optional[date] = None) -> Figure:
        """The figure a placeholder names, as in force on ``on`` (default: today)."""
        if group != "facts" and key in TEXT_FIELDS:
            return Figure(str(self.programmes[group][key]).strip(), "", None, True)
        day = on or self.clock()
        if (self._memo_of[0] is not self.facts or self._memo_of[1] is not self.programmes
                or len(self._memo) > MEMO_SIZE):
            self._memo, self._memo_of = {}, (self.facts, self.programmes)
        found = self._memo.get((group, key, day))
        if found is None:
            found = self._memo[(group, key, day)] = self._figure(group, key, day, ())
        return found

    def value(self, group: str, key: str, on: Optional[date] = None) -> Optional[float]:
        """The figure's number on that day (None for a figure in words only)."""
        return self.figure(group, key, on).value

    def _figure(self, group: str, key: str, day: date, seen: Tuple[str, ...]) -> Figure:
        name = f"{group}.{key}"
        if name in seen:
            raise ValueError(f"figure rule loop: {' → '.join(seen + (name,))}")
        history = dated.values(self.raw(group, key))
        chosen, not_yet = dated.in_force(history, day), False
        if chosen is None:
            chosen, not_yet = dated.first_upcoming(history, day), True
        if chosen is None:
            return Figure(NO_VALUE, "", None, False)
        fields = chosen.fields
        value = _number(fields.get("value"))
        sources = [str(fields.get("source") or "").strip()]
        start = chosen.start
        confirmed = str(fields.get("status", "unconfirmed")).strip() == "confirmed"
        rule = fields.get("rule")
        if rule:
            base_group, base_key = str(rule["of"]).split(".")
            base = self._figure(base_group, base_key, day, seen + (name,))
            value = None if base.value is None else round(base.value * float(rule["percent"]) / 100,
                                                           int(rule.get("decimals", 3)))
            fields = {"unit": self.raw(base_group, base_key).get("unit"), **fields}
            base_start = parse_day(base.effective)
            # The document that made today's value is cited last, next to the date it applies from.
            base_is_newer = base_start is not None and (start is None or base_start > start)
            sources = _without_repeats(sources, [base.source]) if base_is_newer else _without_repeats([base.source], sources)
            start = base_start if base_is_newer else start
            confirmed = confirmed and base.confirmed
        text = dated.spoken_text(fields, value)
        if PLACEHOLDER_RE.search(text):
            text = self.render(text, on=day).text
        return Figure(
            text=text.strip(),
            source="; ".join(dict.fromkeys(s for s in sources if s)),
            effective=start.isoformat() if start else None,
            confirmed=confirmed,
            value=value,
            not_yet=not_yet,
            hedge=str(self.raw(group, key).get("hedge") or fields.get("hedge") or "").strip(),
        )

    def change_days(self, group: str, key: str) -> List[date]:
        """Days on which this figure, or a figure its rules use, changes."""
        days = set()
        for value in self.values(group, key):
            rule = value.fields.get("rule")
            if rule and value.approved:
                days.update(self.change_days(*str(rule["of"]).split(".")))
        return sorted(days | set(dated.change_days(self.values(group, key))))

    def previous(self, group: str, key: str, on: Optional[date] = None) -> Optional[Tuple[Figure, date]]:
        """The value before the one in force on ``on``, and the last day it applied."""
        current = self.figure(group, key, on)
        if not current.effective or current.not_yet:
            return None
        last_day = date.fromordinal(parse_day(current.effective).toordinal() - 1)
        before = self.figure(group, key, last_day)
        if before.not_yet or before.text == NO_VALUE or before.text == current.text:
            return None
        return before, last_day

    def upcoming(self, group: str, key: str, on: Optional[date] = None) -> Optional[Tuple[Figure, date]]:
        """The next approved change after ``on``: the new figure and its first day."""
        day = on or self.clock()
        current = self.figure(group, key, day)
        for change in self.change_days(group, key):
            if change > day:
                later = self.figure(group, key, change)
                if later.text != current.text:
                    return later, change
        return None

    def timeline(self, group: str, key: str, on: Optional[date] = None) -> List[Tuple[Figure, Optional[date]]]:
        """The value in force on ``on`` and every earlier one, newest first, each with its last day."""
        found: List[Tuple[Figure, Optional[date]]] = []
        current = self.figure(group, key, on)
        if current.text == NO_VALUE:
            return found
        found.append((current, None))
        while len(found) < 20:
            earlier = self.previous(group, key, found[-1][1] if len(found) > 1 else on)
            if earlier is None:
                break
            found.append(earlier)
        return found

    # -- sentences about change --------------------------------------------------------------
    def history_sentence(self, group: str, key: str, aspect: str, on: Optional[date] = None) -> str:
        """ "since", "previous", "next", "change" (next, else previous) or "history" of a figure."""
        day = on or self.clock()
        if aspect == "since":
            current = self.figure(group, key, day)
            return format_date(current.effective) if current.effective else ""
        if aspect == "change":
            return self.history_sentence(group, key, "next", day) or self.history_sentence(group, key, "previous", day)
        if aspect == "next":
            coming = self.upcoming(group, key, day)
            if coming is None:
                return ""
            figure, start = coming
            return f"Từ ngày {format_date(start)}{_is(figure)}{figure.spoken()}{_cited(figure)}."
        if aspect == "previous":
            before = self.previous(group, key, day)
            if before is None:
                return ""
            figure, last_day = before
            since = f"từ {format_date(figure.effective)} " if figure.effective else ""
            return (f"Trước ngày {format_date(date.fromordinal(last_day.toordinal() + 1))}{_is(figure)}"
                    f"{figure.spoken()} ({since}đến {format_date(last_day)}{_cited(figure, ', theo ')}).")
        if aspect == "history":
            parts = []
            for figure, last_day in self.timeline(group, key, day):
                since = f"từ {format_date(figure.effective)}" if figure.effective else "trước đó"
                until = f" đến {format_date(last_day)}" if last_day else " (đang áp dụng)"
                parts.append(f"{since}{until}: {figure.spoken()}{_cited(figure)}")
            return "Các mức qua từng thời kỳ: " + "; ".join(parts) + "." if parts else ""
        raise KeyError(aspect)

    # -- placeholders ------------------------------------------------------------------------
    def render(self, text: str, on: Optional[date] = None) -> Rendered:
        """Fill every ``{{group.key}}`` and ``{{group.key.aspect}}``; KeyError on an unknown one."""
        day = on or self.clock()
        figures: List[Figure] = []
        history: List[str] = []

        def substitute(match: "re.Match[str]") -> str:
            group, key, aspect = match.group(1), match.group(2), match.group(3)
            if aspect:
                sentence = self.history_sentence(group, key, aspect, day)
                if aspect != "since" and sentence:
                    history.append(sentence)
                return sentence
            figure = self.figure(group, key, day)
            if figure.source:
                figures.append(figure)
            return figure.spoken()

        rendered = PLACEHOLDER_RE.sub(substitute, text)
        return Rendered(re.sub(r"[ \t]+([.,;])", r"\1", re.sub(r"[ \t]{2,}", " ", rendered)).strip(),
                        figures, history)

    def placeholders(self, text: str) -> List[str]:
        """Placeholders used in a text, for validation."""
        return [f"{g}.{k}" for g, k in figure_names(text)]


def figure_names(text: str) -> List[Tuple[str, str]]:
    """(group, key) of every figure a text names, with or without a history aspect."""
    return [(group, key) for group, key, _ in PLACEHOLDER_RE.findall(text)]


NO_VALUE = "chưa có thông tin xác nhận"
MEMO_SIZE = 4096  # figures remembered per tables object (a few hundred figures a day)


_DOCUMENT_NUMBER = re.compile(r"\d+(?:/\d{4})?/[A-ZĐ][^\s,;()]*")


def _without_repeats(first: List[str], then: List[str]) -> List[str]:
    """``first`` + ``then``, leaving out a source whose document number an earlier one names."""
    kept: List[str] = []
    for source in first + then:
        numbers = set(_DOCUMENT_NUMBER.findall(source))
        if source and not (numbers and any(numbers & set(_DOCUMENT_NUMBER.findall(k)) for k in kept)):
            kept.append(source)
    return kept


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _is(figure: Figure) -> str:
    """ ", mức này là " before a number; ": " before a figure told in words (a definition)."""
    return ", mức này là " if figure.value is not None else ": "


def _cited(figure: Figure, joiner: str = " — ") -> str:
    source = undated(figure.citation())
    return f"{joiner}{source}" if source else ""
