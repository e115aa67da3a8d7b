"""What a long letter raises, and about which programme: facets read from cue words.

A citizen's letter ("Năm 2019 tôi vay 30 triệu nuôi bò, năm ngoái lũ cuốn hết chuồng
trại, nay đến hạn mà chưa trả được…") embeds as its story: the FAQ entry nearest to the
whole text is often another story. This component reads two facets instead: the matters
the letter raises (a fee asked, money not received, a disaster, debt it cannot repay…)
and the programmes it concerns (the lexicon's household tiers and purposes, kinds of
people, and the few programme words listed in ``content/settings/letter_matters.yml``).
The answerer then searches each matter's short question for that programme.

Input: the message text. Output: a :class:`Reading`. No retrieval, no model: it can be
tested and replaced on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Pattern, Tuple

import yaml

from vntext.normalise import fold
from knowledge.eligibility import LISTED_TIERS, persons_named, programmes_named
from knowledge.message_parts import asked_parts
from knowledge.paths import settings_file

SETTINGS_PATH = settings_file("letter_matters.yml")
MAX_MATTERS = 2


@dataclass(frozen=True)
class Matter:
    """One kind of thing a letter raises, and the short question that states it."""

    name: str
    query: str
    cues: Tuple[Pattern[str], ...]
    needs_programme: bool = False  # a figure or a condition: no answer without the programme
    entries: Tuple[str, ...] = ()  # FAQ ids, most specific first, the general one last
    topics: Tuple[str, ...] = ()  # or: the named programme's entry in these topics
    domain: str = "policy"  # "black_credit": read only in a letter about an informal loan; "any": in both
    requires: Tuple[Pattern[str], ...] = ()  # one of these must also be in the letter ("đến hạn", "khoản vay")
    unless: Tuple[Pattern[str], ...] = ()  # none of these may be ("quỹ tín dụng": not a policy loan's fee)
    alone: bool = False  # answered alone: the other matters are a borrower's, this one a lender's

    def raised_in(self, folded: str, whole: str = "") -> int:
        """Where the matter is first raised in the folded text, or -1; ``whole`` is the whole
        letter, where its ``requires`` and ``unless`` words are looked for."""
        whole = whole or folded
        if (self.requires and not any(p.search(whole) for p in self.requires)) or any(p.search(whole) for p in self.unless):
            return -1
        found = [m.start() for cue in self.cues for m in [cue.search(folded)] if m is not None]
        return min(found) if found else -1


@dataclass
class Reading:
    """The facets of a letter: its matters (asked ones first) and its programmes."""

    matters: List[Matter] = field(default_factory=list)
    programmes: List[str] = field(default_factory=list)
    asked: bool = False  # the first matter is raised in a sentence that asks
    # The letter asks something in words of its own ("đảo nợ như vậy có sai không?") and no
    # matter found is raised there: what the story tells is then a guess at the question.
    asks_other: bool = False

    def __bool__(self) -> bool:
        return bool(self.matters)


@lru_cache(maxsize=4)
def _question_frame(path: Path = SETTINGS_PATH) -> Tuple[frozenset, int]:
    """The words that frame a question without saying what it is about, and how many other
    words make a question one of its own (settings file, ``question_frame``)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")).get("question_frame") or {}
    return frozenset(str(raw.get("words") or "").split()), int(raw.get("own_words", 3))


def own_words_needed() -> int:
    """How many words beyond the frame make a question one of its own."""
    return _question_frame()[1]


def own_question_words(text: str) -> List[str]:
    """The words of the letter's question sentences beyond the frame ("phải làm sao",
    "có được không", "tôi", "trường hợp này"): empty when it asks nothing, or nothing but
    "what should I do?"."""
    frame, _ = _question_frame()
    words = " ".join(fold(part.question) for part in asked_parts(text, min_words=0))
    return [w for w in re.findall(r"[a-z]+", words) if w not in frame]


@lru_cache(maxsize=4)
def _load(path: Path = SETTINGS_PATH) -> Tuple[Tuple[Matter, ...], Dict[str, Tuple[Pattern[str], ...]]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    matters = tuple(Matter(str(m["name"]), str(m["query"]), tuple(re.compile(c) for c in m["cues"]),
                           bool(m.get("needs_programme", False)), tuple(m.get("entries") or ()),
                           tuple(m.get("topics") or ()), str(m.get("domain") or "policy"),
                           tuple(re.compile(c) for c in m.get("requires") or ()),
                           tuple(re.compile(c) for c in m.get("unless") or ()),
                           bool(m.get("alone", False))) for m in raw["matters"])
    programmes = {str(k): tuple(re.compile(c) for c in v) for k, v in (raw.get("programmes") or {}).items()}
    return matters, programmes


def programmes_of(text: str) -> List[str]:
    """The programmes a letter concerns, most specific first: kinds of people, then
    purposes (the lexicon's and the settings file's programme words), then household
    tiers ("hộ cận nghèo có con học đại học" is about the student loan); each once."""
    folded = fold(text)
    _, cues = _load()
    extra = [name for name, patterns in cues.items() if any(p.search(folded) for p in patterns)]
    named = programmes_named(text)
    tiers = [p for p in named if p in LISTED_TIERS]
    purposes = [p for p in named if p not in LISTED_TIERS]
    return list(dict.fromkeys([*persons_named(text), *purposes, *extra, *tiers]))


def read_letter(text: str, domain: str = "policy", overview: bool = True) -> Reading:
    """The matters a letter raises and the programmes it concerns.

    Matters raised in a sentence that asks come first, in the order asked; the others
    follow in the order of the settings file (problems before figures). ``domain`` is
    "black_credit" for a letter about a loan shark's or an app's loan. With ``overview``, a
    letter about one or two programmes that raises nothing known gets the fallback matter."""
    matters = tuple(m for m in _load()[0] if m.domain in (domain, "any"))
    folded = fold(text)
    asked_text = " | ".join(fold(part.question) for part in asked_parts(text, min_words=0))
    asked = sorted((m for m in matters if m.raised_in(asked_text, folded) >= 0),
                   key=lambda m: m.raised_in(asked_text, folded))
    told = [m for m in matters if m not in asked and m.raised_in(folded) >= 0]
    programmes = programmes_of(text)
    chosen = [m for m in (asked or told) if programmes or not m.needs_programme][:MAX_MATTERS]
    chosen = chosen[:1] if chosen and chosen[0].alone else chosen
    if overview and not chosen and domain == "policy" and 0 < len(programmes) < 3:
        chosen = [m for m in _load()[0] if m.domain == "fallback"][:1]  # the programme's conditions
    first_asked = bool(asked) and bool(chosen) and chosen[0] in asked
    asks_other = bool(chosen) and not first_asked and len(own_question_words(text)) >= own_words_needed()
    return Reading(chosen, programmes, asked=first_asked, asks_other=asks_other)
