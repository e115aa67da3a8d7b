"""Policy figures as a spreadsheet (.xlsx or CSV) and back, where new rows become proposals only.

Every entry of every figure's history is one row (pending, rejected and withdrawn ones
too), with who proposed and approved it. A row with an empty «Thứ tự» column is a new
value: the import checks it exactly as the figure page does and, after a dry run, adds it
as a *pending* proposal under the importing person's name, so a sheet can never approve
a value. Rows already in the history must come back unchanged. Cells are neutralised
against formulas the way the FAQ sheet does it (``spreadsheet.py``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from knowledge import dated
from staff.faq_store import clean_text
from staff.figure_store import (
    STATE_NAMES, STATUSES, FigureStore, Proposal, check_proposal, exists, figure_fields, figure_label, form_fields,
    own_entries, parse_date, parse_number,
)
from staff.importer import RowProblems
from staff.spreadsheet import SpreadsheetError, _cell_text, _guard, _unguard, xlsx_bytes
from staff.uploads import UploadError, csv_rows, xlsx_rows
from staff.validation import Problem
from knowledge.tables import PolicyTables, format_date

COLUMNS = (
    ("group", "Nhóm (facts hoặc mã chương trình)"),
    ("key", "Số liệu"),
    ("label", "Là gì (không sửa)"),
    ("index", "Thứ tự (để trống khi đề xuất mức mới)"),
    ("from", "Từ ngày"),
    ("to", "Đến ngày"),
    ("value", "Mức (số)"),
    ("rule", "Quy tắc (không sửa)"),
    ("text", "Cách bot nói"),
    ("source", "Nguồn"),
    ("status", "Xác nhận"),
    ("state", "Trạng thái duyệt (không sửa)"),
    ("proposed", "Người, lúc đề xuất (không sửa)"),
    ("decided", "Người, lúc duyệt / từ chối / thu hồi (không sửa)"),
    ("note", "Ghi chú"),
)
REQUIRED = ("group", "key", "index", "from", "value", "source")
# What a row may carry back unchanged or set for a new value.
EDITABLE = ("from", "to", "value", "text", "source", "status", "note")
SHEET_NAME = "Số liệu"
_STATUS_WORDS = {label.casefold(): status for status, label in STATUSES.items()} | {s: s for s in STATUSES}


@dataclass
class FigureImportPlan(RowProblems):
    """What a figures import would do; problems name the figure ("group.key")."""

    proposals: List[Tuple[int, Proposal]] = field(default_factory=list)
    unchanged: int = 0


def _who(entry: Mapping[str, Any], action: str) -> str:
    who = entry.get(f"{action}_by")
    return f"{who}, {entry.get(f'{action}_at') or ''}".strip(", ") if who else ""


def entry_cells(tables: PolicyTables, group: str, key: str, index: int, entry: Mapping[str, Any]) -> Dict[str, str]:
    """One history entry as the texts of one row."""
    value = entry.get("value")
    rule = entry.get("rule")
    state = dated.state_of(entry)
    decided = "; ".join(x for x in (_who(entry, "approved"), _who(entry, "rejected"), _who(entry, "withdrawn")) if x)
    return {
        "group": group, "key": key, "label": figure_label(tables, group, key), "index": str(index + 1),
        "from": _date_cell(entry.get("from", entry.get("effective"))), "to": _date_cell(entry.get("to")),
        "value": dated.number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else "",
        "rule": f"{rule.get('percent')}% của {rule.get('of')}" if rule else "",
        "text": str(entry.get("text") or ""), "source": str(entry.get("source") or ""),
        "status": STATUSES.get(str(entry.get("status")), str(entry.get("status") or "")),
        "state": STATE_NAMES.get(state, state), "proposed": _who(entry, "proposed"), "decided": decided,
        "note": str(entry.get("note") or ""),
    }


def _date_cell(value: Any) -> str:
    return format_date(value) if value else ""


def rows(tables: PolicyTables) -> List[List[str]]:
    found = []
    for group, key in figure_fields(tables):
        for index, entry in enumerate(own_entries(tables.raw(group, key))):
            cells = entry_cells(tables, group, key, index, entry)
            found.append([cells[name] for name, _ in COLUMNS])
    return found


def header() -> List[str]:
    return [label for _, label in COLUMNS]


def to_xlsx(tables: PolicyTables) -> bytes:
    return xlsx_bytes(SHEET_NAME, header(), rows(tables),
                      (16, 26, 40, 10, 12, 12, 14, 22, 40, 50, 14, 14, 24, 30, 30), freeze="E2")


def to_csv(tables: PolicyTables) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header())
    for row in rows(tables):
        writer.writerow([_guard(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def _records(table: List[List[str]]) -> List[Tuple[int, Dict[str, str]]]:
    if not table:
        raise SpreadsheetError("Tệp không có dòng nào.")
    names = {label.casefold(): name for name, label in COLUMNS} | {name: name for name, _ in COLUMNS}
    fields = [names.get(clean_text(cell).casefold()) for cell in table[0]]
    missing = [label for name, label in COLUMNS if name in REQUIRED and name not in fields]
    if missing:
        raise SpreadsheetError("Dòng đầu của tệp thiếu cột: " + ", ".join(f"«{m}»" for m in missing)
                               + ". Hãy dùng tệp xuất từ trang «Số liệu chính sách» làm mẫu.")
    found = []
    for number, row in enumerate(table[1:], start=2):
        values = {name: clean_text(cell) for name, cell in zip(fields, row) if name is not None}
        if any(values.values()):
            found.append((number, values))
    return found


def read_sheet(file_name: str, content: bytes) -> List[Tuple[int, Dict[str, str]]]:
    """(row number, cells by column) of an uploaded .xlsx or .csv figure sheet."""
    name = file_name.lower()
    if name.endswith(".xlsx"):
        try:
            table = [[_cell_text(value) for value in row] for row in xlsx_rows(content, SHEET_NAME)]
        except UploadError as error:
            raise SpreadsheetError(str(error)) from None
        return _records(table)
    if name.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SpreadsheetError("Tệp CSV phải được lưu với mã hóa UTF-8 (trong Excel: «CSV UTF-8»).") from None
        try:
            return _records([[_unguard(cell) for cell in row] for row in csv_rows(text)])
        except UploadError as error:
            raise SpreadsheetError(str(error)) from None
    raise SpreadsheetError("Chỉ nhận tệp .xlsx hoặc .csv.")


def _same(cells: Mapping[str, str], saved: Mapping[str, str]) -> bool:
    """A row equal to the saved entry (dates and numbers compared as dates and numbers)."""
    for name in EDITABLE:
        given, kept = cells.get(name, ""), saved.get(name, "")
        if name in ("from", "to"):
            if (parse_date(given) if given else None) != (parse_date(kept) if kept else None):
                return False
        elif name == "value":
            if (parse_number(given) if given else None) != (parse_number(kept) if kept else None):
                return False
        elif name == "status":
            if _STATUS_WORDS.get(given.casefold(), given) != _STATUS_WORDS.get(kept.casefold(), kept):
                return False
        elif name in cells and given != kept:
            return False
    return True


def plan_import(records: Sequence[Tuple[int, Dict[str, str]]], tables: PolicyTables,
                day: Optional[date] = None) -> FigureImportPlan:
    """Compare the sheet with the saved figures; check every new row as a proposal."""
    plan = FigureImportPlan()
    seen: Dict[Tuple[str, str, str], int] = {}
    for number, cells in records:
        group, key = cells.get("group", ""), cells.get("key", "")
        name = f"{group}.{key}"
        if not exists(tables, group, key):
            plan.problems.append((number, name, Problem("key", f"Không có số liệu «{name}» trong bảng.")))
            continue
        entries = own_entries(tables.raw(group, key))
        if cells.get("index"):
            index = parse_number(cells["index"])
            if index is None or not index.is_integer() or not 1 <= index <= len(entries):
                plan.problems.append((number, name, Problem("index", f"Không có mức thứ tự «{cells['index']}» trong "
                                                                     "lịch sử số liệu này.")))
            elif _same(cells, entry_cells(tables, group, key, int(index) - 1, entries[int(index) - 1])):
                plan.unchanged += 1
            else:
                plan.problems.append((number, name, Problem("index", (
                    "Dòng này là một mức đã có nên không sửa được. Để đề xuất mức mới, thêm một dòng mới và để trống "
                    "cột «Thứ tự»; để bỏ một mức đã duyệt, dùng nút «Hoàn tác» trên trang của số liệu."))))
            continue
        fields = form_fields({**cells, "status": _STATUS_WORDS.get(cells.get("status", "").casefold(),
                                                                    cells.get("status", ""))})
        duplicate = (group, key, fields["from"])
        if duplicate in seen:
            plan.problems.append((number, name, Problem("from", f"Trùng với đề xuất ở dòng {seen[duplicate]}.")))
            continue
        seen[duplicate] = number
        proposal, problems = check_proposal(tables, group, key, fields, day)
        plan.problems.extend((number, name, problem) for problem in problems)
        if proposal is not None:
            plan.proposals.append((number, proposal))
    return plan


def apply_import(plan: FigureImportPlan, store: FigureStore, user: str) -> int:
    """Add every proposal of a plan without errors as pending, in one turn of the content lock."""
    store.propose_many([proposal for _, proposal in plan.proposals], user)
    return len(plan.proposals)
