"""What one figure's change touches, and how each of those reads on a day with and without it.

A figure is used directly by FAQ answers (``{{facts.poor_rate}}``) and by the advisor
(rate, cap, term and collateral of every programme it offers); other figures are defined
from it (``rule: {percent: 120, of: facts.poor_rate}``) or name it in their sentence
(``facts.rate_ladder``), and whatever uses those changes too. The preview renders all of
them for the day a proposal takes effect twice: with the tables as approved now, and with
the proposal treated as approved, so staff see exactly what the approval changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import List, Optional, Sequence, Set, Tuple

from knowledge.answering import Answer, faq_answer
from staff.faq_store import StoredEntry
from knowledge.tables import PolicyTables, figure_names

# The lines the advisor shows for each programme it offers (knowledge/advisor.py, _option_text).
ADVISOR_FIELDS = (("Lãi suất", "rate"), ("Mức vay tối đa", "cap"), ("Thời hạn", "term"),
                  ("Tài sản bảo đảm", "collateral"))


@dataclass(frozen=True)
class Dependent:
    """A figure that changes when another one does, and why."""

    group: str
    key: str
    how: str

    @property
    def name(self) -> str:
        return f"{self.group}.{self.key}"


def dependents(tables: PolicyTables, group: str, key: str) -> List[Dependent]:
    """Figures defined from this one by a rule or naming it in their sentence, directly or through another."""
    start = f"{group}.{key}"
    found: dict = {}
    queue = [start]
    while queue:
        name = queue.pop(0)
        for g, k in tables.figure_keys():
            full = f"{g}.{k}"
            if full == start or full in found:
                continue
            for value in tables.values(g, k):
                rule = value.fields.get("rule")
                if rule and str(rule.get("of")) == name:
                    how = f"bằng {rule.get('percent')}% của {{{{{name}}}}}"
                elif name in {f"{a}.{b}" for a, b in figure_names(str(value.fields.get("text") or ""))}:
                    how = f"câu bot nói có {{{{{name}}}}}"
                else:
                    continue
                found[full] = Dependent(g, k, how)
                queue.append(full)
                break
    return list(found.values())


def affected_names(tables: PolicyTables, group: str, key: str) -> Set[str]:
    return {f"{group}.{key}"} | {d.name for d in dependents(tables, group, key)}


def faq_uses(entries: Sequence[StoredEntry], names: Set[str], direct: str) -> List[Tuple[StoredEntry, bool]]:
    """Entries in use whose answer names one of ``names``; True when it names ``direct`` itself."""
    found = []
    for item in entries:
        if item.retired:
            continue
        used = {f"{g}.{k}" for g, k in figure_names(item.data["answer"])}
        if used & names:
            found.append((item, direct in used))
    return found


def advisor_programmes(tables: PolicyTables, names: Set[str]) -> List[str]:
    """Programmes the advisor offers whose shown lines use one of ``names``."""
    fields = {f for _, f in ADVISOR_FIELDS}
    return [pid for pid, programme in tables.programmes.items()
            if programme.get("open") is True and any(f"{pid}.{f}" in names for f in fields)]


def on_day(tables: PolicyTables, day: date) -> PolicyTables:
    """The same tables read for ``day`` (answers rendered as the bot will say them that day)."""
    return PolicyTables(tables.facts, list(tables.programmes.values()), clock=lambda: day)


def advisor_lines(tables: PolicyTables, pid: str, day: date) -> List[str]:
    return [f"{label}: {tables.figure(pid, f, on=day).spoken()}" for label, f in ADVISOR_FIELDS
            if f in tables.programmes[pid]]


@dataclass
class Change:
    """One thing as it reads on the day without and with the proposal."""

    title: str
    link: str
    without: str
    with_it: str
    sources: str = ""

    @property
    def changed(self) -> bool:
        return self.without != self.with_it


@dataclass
class Preview:
    """Everything a proposal changes, read for ``day``."""

    day: date
    figure: Change
    figures: List[Change] = field(default_factory=list)
    answers: List[Change] = field(default_factory=list)
    advisor: List[Change] = field(default_factory=list)


def _answer(entry: StoredEntry, tables: PolicyTables) -> Tuple[str, str]:
    answer: Answer = faq_answer(entry.entry, tables)
    return answer.text, "; ".join(answer.sources)


def preview(now: PolicyTables, then: PolicyTables, group: str, key: str, day: date,
            entries: Sequence[StoredEntry], label: Optional[str] = None) -> Preview:
    """``now``: the tables as approved; ``then``: with the proposal approved; both read for ``day``."""
    without, with_it = on_day(now, day), on_day(then, day)
    names = affected_names(then, group, key) | affected_names(now, group, key)
    result = Preview(day, Change(label or f"{group}.{key}", f"/figures/{group}/{key}",
                                 without.figure(group, key).spoken(), with_it.figure(group, key).spoken()))
    for dependent in dependents(then, group, key):
        result.figures.append(Change(f"{{{{{dependent.name}}}}} ({dependent.how})",
                                     f"/figures/{dependent.group}/{dependent.key}",
                                     without.figure(dependent.group, dependent.key).spoken(),
                                     with_it.figure(dependent.group, dependent.key).spoken()))
    for item, _ in faq_uses(entries, names, f"{group}.{key}"):
        (before, _), (after, sources) = _answer(item, without), _answer(item, with_it)
        result.answers.append(Change(f"{item.data['id']}: {item.data['question']}", f"/faq/{item.data['id']}/edit",
                                     before, after, sources))
    for pid in advisor_programmes(then, names):
        result.advisor.append(Change(then.programmes[pid]["name"], f"/figures/{pid}/rate",
                                     "\n".join(advisor_lines(without, pid, day)),
                                     "\n".join(advisor_lines(with_it, pid, day))))
    return result
