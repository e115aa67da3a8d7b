"""What a short question asks about: the rate, the amount, the term, collateral, papers,
where to go, or only whether one may borrow.

Retrieval ranks FAQ entries by the whole question; "Hộ vừa thoát nghèo muốn vay mở rộng
chăn nuôi thì được vay tới bao nhiêu?" shares most words with the rate entry of that
programme as with its amount entry. The aspect asked, read from cue words in
``content/settings/question_aspects.yml``, names the FAQ topics that answer it.

Input: the question. Output: the FAQ topics of the aspects it asks (empty: none known).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Pattern, Tuple

import yaml

from knowledge.paths import settings_file
from vntext.lexicon import load_lexicon
from vntext.normalise import fold

SETTINGS_PATH = settings_file("question_aspects.yml")


@lru_cache(maxsize=4)
def _aspects(path: Path = SETTINGS_PATH) -> Tuple[Tuple[str, bool, FrozenSet[str], Tuple[Pattern[str], ...]], ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple((str(a["name"]), bool(a.get("weak", False)), frozenset(a["topics"]),
                  tuple(re.compile(c) for c in a["cues"])) for a in raw["aspects"])


def asked_topics(question: str) -> FrozenSet[str]:
    """The FAQ topics that answer what ``question`` asks; a weak aspect counts only alone."""
    lexicon = load_lexicon()
    folded = fold(re.sub(r"\w+", lambda word: lexicon.expand(word.group(0)), question))  # "dc" → "được"
    found = [(weak, topics) for _, weak, topics, cues in _aspects() if any(c.search(folded) for c in cues)]
    strong = [topics for weak, topics in found if not weak]
    chosen = strong or [topics for _, topics in found]
    return frozenset().union(*chosen) if chosen else frozenset()
