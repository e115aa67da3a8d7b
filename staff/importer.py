"""Importing an edited FAQ spreadsheet: what changes, whether it is valid, then one save for all.

Nothing is written unless every changed row passes validation, and an entry edited on
the web after the sheet was exported is reported as a conflict rather than
overwritten. All changes are saved in one turn of the content lock, so the index is
rebuilt once for the whole import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List, Optional, Tuple

from staff.faq_store import ID_RE, FaqStore, StoredEntry, entry_version, new_id, normalise
from staff.spreadsheet import SheetRow
from staff.validation import EntryValidator, Problem


@dataclass
class RowProblems:
    """Problems of a spreadsheet import: (row number, what the row is about, problem)."""

    problems: List[Tuple[int, str, Problem]] = field(default_factory=list)

    @property
    def errors(self) -> List[Tuple[int, str, Problem]]:
        return [p for p in self.problems if p[2].level == "error"]

    @property
    def warnings(self) -> List[Tuple[int, str, Problem]]:
        return [p for p in self.problems if p[2].level == "warning"]


@dataclass
class ImportPlan(RowProblems):
    """What an FAQ import would do; problems name the entry id."""

    added: List[Dict[str, Any]] = field(default_factory=list)
    changed: List[Tuple[Dict[str, Any], str]] = field(default_factory=list)
    unchanged: int = 0


def _same_content(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    """Equal apart from the review date (which a save sets anyway)."""
    return {**a, "reviewed": ""} == {**b, "reviewed": ""}


def plan_import(rows: List[SheetRow], store: FaqStore, validator: EntryValidator,
                today: Optional[str] = None) -> ImportPlan:
    """Compare the sheet with the saved entries and validate every new or changed row."""
    today = today or date.today().isoformat()
    saved = {item.data["id"]: item for item in store.entries()}
    others: List[StoredEntry] = list(saved.values())
    plan = ImportPlan()
    seen: Dict[str, int] = {}
    for row in rows:
        data = normalise(row.data)
        if not data["id"]:
            data["id"] = new_id(data["question"], [*saved, *seen])
        if data["id"] in seen:
            plan.problems.append((row.number, data["id"], Problem("id", f"Mã mục trùng với dòng {seen[data['id']]}.")))
            continue
        seen[data["id"]] = row.number
        current = saved.get(data["id"])
        if current is not None and _same_content(current.data, data):
            plan.unchanged += 1
            continue
        if current is None and not ID_RE.match(data["id"]):
            plan.problems.append((row.number, data["id"], Problem(
                "id", "Mã mục chỉ gồm chữ thường không dấu, số và dấu gạch ngang; để trống để tự tạo mã.")))
            continue
        if current is not None and row.version != current.version:
            plan.problems.append((row.number, data["id"], Problem(
                "id", "Mục này đã được sửa trên trang quản trị sau khi tệp được xuất. Hãy xuất tệp mới rồi sửa lại, "
                      "để không ghi đè thay đổi của người khác.")))
            continue
        data["reviewed"] = today
        for problem in validator.validate(data, others):
            plan.problems.append((row.number, data["id"], problem))
        others.append(StoredEntry(data, current.file if current else ""))
        if current is None:
            plan.added.append(data)
        else:
            plan.changed.append((data, entry_version(current.data)))
    return plan


def apply_import(plan: ImportPlan, store: FaqStore, user: str) -> int:
    """Save a plan without errors; returns how many entries were written."""
    changes = [(data, None) for data in plan.added] + list(plan.changed)
    if changes:
        store.save_many(changes, user, "import")
    return len(changes)
