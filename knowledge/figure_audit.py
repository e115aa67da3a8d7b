"""Which numbers a reply must not state as current on a day: superseded rates and lines.

A value that some rate or poverty line had on another day, and that no figure has on
this day, may appear in a reply only inside a sentence about history. Used by the
four-date test of every answer and by the real-question evaluation to flag outdated
figures mechanically.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Iterable, List, Set, Tuple

from knowledge.dated import number
from knowledge.tables import PolicyTables

AUDITED_UNITS = ("%/năm", "VND/người/tháng")


def spoken_forms(unit: str, value: float) -> List[str]:
    """How a value of this unit is written in an answer."""
    if unit.startswith("%/năm"):
        return [f"{number(value)}%", f"{number(value / 12, 4)}%/tháng"]
    if unit.startswith("VND/người/tháng"):
        return [f"{number(value / 1_000_000)} triệu"]
    return []


def audited_figures(tables: PolicyTables) -> List[Tuple[str, str, str]]:
    """(group, key, unit) of the figures whose numbers change over time: rates and poverty lines."""
    found = []
    for group, key in tables.figure_keys():
        history = tables.values(group, key)
        units = {str(v.fields.get("unit") or tables.raw(group, key).get("unit") or "") for v in history}
        if any(v.fields.get("rule") for v in history):
            units.add("%/năm")
        unit = next((u for u in units if u.startswith(AUDITED_UNITS)), "")
        if unit:
            found.append((group, key, unit))
    return found


def superseded_forms(tables: PolicyTables, day: date, also: Iterable[date] = ()) -> Set[str]:
    """Numbers that were some figure's value on another day and are no figure's value on ``day``."""
    measured = audited_figures(tables)
    days = set(also) | {day}
    for group, key, _ in measured:
        days.update(tables.change_days(group, key))
    current: Set[str] = set()
    ever: Set[str] = set()
    for group, key, unit in measured:
        today_value = tables.value(group, key, day)
        if today_value is not None:
            current.update(spoken_forms(unit, today_value))
        for other in days:
            value = tables.value(group, key, other)
            if value is not None and value != today_value:
                ever.update(spoken_forms(unit, value))
    return ever - current


def pattern(forms: Iterable[str]) -> "re.Pattern[str]":
    """A pattern finding any of the forms as a whole number (not inside 16,24% or 1.6,6)."""
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) or r"(?!x)x"
    return re.compile(r"(?<![\d,.])(?:" + alternatives + ")")


def history_removed(text: str, sentences: Iterable[str]) -> str:
    """The text without its sentences about past or coming values."""
    for sentence in sentences:
        text = text.replace(sentence, " ")
    return text
