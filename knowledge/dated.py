"""A policy figure as a history of dated values, and how a value reads in a sentence.

A figure in facts.yml or programmes.yml is either one value::

    cap: {text: "tối đa 100 triệu đồng/hộ", value: 100000000, source: "…", effective: 2019-03-01, status: confirmed}

or a history, whose entries inherit the figure's other keys (unit, text template)::

    rate:
      unit: "%/năm"
      history:
        - {from: 2015-06-05, to: 2025-11-30, value: 6.6, source: "Quyết định 750/QĐ-TTg năm 2015", status: confirmed}
        - {from: 2025-12-01, value: 6.24, source: "Quyết định 2553/QĐ-TTg", status: confirmed}

An entry may be defined by a rule instead of a value (``rule: {percent: 120, of: facts.poor_rate}``):
its value is computed from the base figure in force on the same day, so one change of the
base moves every figure defined from it. ``stated`` lists values a decision also states (``{day, value, source}``)
(tests check the rule gives them). Entries proposed through the staff app carry
``state: pending`` until a second staff member approves them (``approved``); a rolled-back
entry is ``withdrawn``. Only approved entries are ever in force; hand-written entries are
approved by default. Who proposed, approved or withdrew an entry, and when, stays in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Mapping, Optional

from knowledge.clock import parse_day

APPROVED, PENDING, REJECTED, WITHDRAWN = "approved", "pending", "rejected", "withdrawn"
# Template fields of a figure's text: "{rate}" → "6,24%/năm (0,52%/tháng)", "{value}" → "6,24".
_TEMPLATE_FIELD = re.compile(r"(?<!\{)\{(value|monthly|rate)\}(?!\})")


@dataclass(frozen=True)
class DatedValue:
    """One entry of a figure's history, with the figure's shared keys filled in."""

    index: int
    start: Optional[date]
    end: Optional[date]
    fields: Mapping[str, Any]

    @property
    def state(self) -> str:
        return state_of(self.fields)

    @property
    def approved(self) -> bool:
        return self.state == APPROVED

    def in_force(self, day: date) -> bool:
        return self.approved and (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


def state_of(entry: Mapping[str, Any]) -> str:
    """An entry's approval state; hand-written entries (no state) are approved."""
    return str(entry.get("state") or APPROVED)


def entries(raw: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The raw history entries of a figure (one for a single-value figure)."""
    if "history" in raw:
        shared = {k: v for k, v in raw.items() if k != "history"}
        return [{**shared, **entry} for entry in raw.get("history") or []]
    return [dict(raw)]


def values(raw: Mapping[str, Any]) -> List[DatedValue]:
    """Every entry of a figure as a dated value, in the order written."""
    found = []
    for index, entry in enumerate(entries(raw)):
        start = entry.get("from", entry.get("effective"))
        found.append(DatedValue(index, parse_day(start), parse_day(entry.get("to")), entry))
    return found


def in_force(history: List[DatedValue], day: date) -> Optional[DatedValue]:
    """The approved value in force on ``day``: the latest start wins, then the later entry."""
    current = [v for v in history if v.in_force(day)]
    return max(current, key=lambda v: (v.start or date.min, v.index)) if current else None


def first_upcoming(history: List[DatedValue], day: date) -> Optional[DatedValue]:
    """The earliest approved value that starts after ``day`` (for a figure not yet in force)."""
    later = [v for v in history if v.approved and v.start is not None and v.start > day]
    return min(later, key=lambda v: (v.start, v.index)) if later else None


def change_days(history: List[DatedValue]) -> List[date]:
    """Days on which an approved value of this history starts or stops applying."""
    days = set()
    for value in history:
        if value.approved:
            if value.start is not None:
                days.add(value.start)
            if value.end is not None:
                days.add(date.fromordinal(value.end.toordinal() + 1))
    return sorted(days)


def number(value: float, decimals: int = 3) -> str:
    """6.24 → "6,24", 9.0 → "9", 1500000 → "1.500.000": Vietnamese decimal comma."""
    rounded = round(float(value), decimals)
    if rounded == int(rounded):
        return f"{int(rounded):,}".replace(",", ".")
    whole, _, fraction = f"{rounded:.{decimals}f}".rstrip("0").partition(".")
    return f"{int(whole):,}".replace(",", ".") + "," + fraction


def rate_text(annual: float) -> str:
    """An annual rate as citizens read it: "6,24%/năm (0,52%/tháng)"."""
    return f"{number(annual)}%/năm ({number(annual / 12, 4)}%/tháng)"


def spoken_text(fields: Mapping[str, Any], value: Optional[float]) -> str:
    """The entry's text with its template fields filled; a rate without text reads as a rate."""
    template = str(fields.get("text") or "").strip()
    if not template and value is not None and str(fields.get("unit", "")).startswith("%/năm"):
        template = "{rate}"
    if value is None:
        return template

    def fill(match: "re.Match[str]") -> str:
        name = match.group(1)
        if name == "rate":
            return rate_text(value)
        return number(value / 12, 4) if name == "monthly" else number(value)

    return _TEMPLATE_FIELD.sub(fill, template)
