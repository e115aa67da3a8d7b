"""What a borrower caught by a loan shark should know, after the answer to the story.

A letter about a loan shark ("con tôi vay 10 triệu, bị cắt phế còn 8 triệu, giờ họ đòi 18
triệu và tạt sơn vào nhà…") is answered by the entry of the matter it raises (threats,
interest paid, a relative's debt). A lawyer's reply says more: the lawful cap, what is
still owed, the criminal threshold, that relatives owe nothing they did not sign, where to
report, free legal help, a legal loan instead. This component adds those points the answer
has not said and the letter gives reason for, from ``content/settings/black_credit_points.yml``
(figures are placeholders rendered from the tables).

Input: the tables, the letter, the answer's text. Output: the lines and their sources, or
None for a short message (its own short answer is enough).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Pattern, Tuple

import yaml

from vntext.normalise import fold
from knowledge.paths import settings_file
from knowledge.tables import PolicyTables, split_citations

SETTINGS_PATH = settings_file("black_credit_points.yml")


@dataclass(frozen=True)
class Point:
    name: str
    text: str
    when: Tuple[Pattern[str], ...]  # the letter gives reason for it (none: always)
    covered_if: Tuple[Pattern[str], ...]  # the answer says it already
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class Points:
    text: str
    sources: List[str]
    names: List[str]


@lru_cache(maxsize=4)
def _load(path: Path = SETTINGS_PATH) -> Tuple[str, int, Tuple[Point, ...], frozenset]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    points = tuple(Point(str(p["name"]), str(p["text"]), tuple(re.compile(c) for c in p.get("when") or ()),
                         tuple(re.compile(c) for c in p.get("covered_if") or ()), tuple(p.get("sources") or ()))
                   for p in raw["points"])
    return str(raw["heading"]), int(raw.get("min_words", 40)), points, frozenset(raw.get("skip_entries") or ())


def points_for(tables: PolicyTables, letter: str, answer_text: str, entry_id: str = "") -> Optional[Points]:
    """The points ``answer_text`` (of entry ``entry_id``) does not say and ``letter`` gives
    reason for, as one block."""
    heading, min_words, points, skip = _load()
    if len(letter.split()) < min_words or entry_id in skip:
        return None
    told, said = fold(letter), fold(answer_text)
    lines: List[str] = []
    sources: List[str] = []
    names: List[str] = []
    for point in points:
        if point.when and not any(p.search(told) for p in point.when):
            continue
        if any(p.search(said) for p in point.covered_if):
            continue
        rendered = tables.render(point.text)
        lines.append(f"- {rendered.text}")
        names.append(point.name)
        sources += [*point.sources, *(part for f in rendered.figures for part in split_citations(f.citation()))]
    if not lines:
        return None
    return Points("\n".join([heading, *lines]), sources, names)
