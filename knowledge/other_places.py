"""Where to ask about what the assistant does not answer.

An out-of-scope reply that only says "hỏi cơ quan phụ trách" leaves a citizen where they
started. This component names the right place for the subjects citizens most often bring
to a policy-credit bot (electricity bills, social insurance, school fees, land and family
disputes, commercial banks, instalment purchases, papers), from the staff-editable list in
``content/settings/other_places.yml``.

Input: the message. Output: the place, or None.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Pattern, Tuple

import yaml

from knowledge.paths import settings_file
from vntext.normalise import fold

SETTINGS_PATH = settings_file("other_places.yml")


@lru_cache(maxsize=4)
def _places(path: Path = SETTINGS_PATH) -> List[Tuple[Tuple[Pattern[str], ...], str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(tuple(re.compile(c) for c in item["cues"]), str(item["place"])) for item in raw["places"]]


def other_place(message: str) -> Optional[str]:
    """The place to ask about the message's subject, when it is one the list knows."""
    folded = fold(message)
    return next((place for cues, place in _places() if any(cue.search(folded) for cue in cues)), None)
