"""FAQ entries as a spreadsheet (.xlsx or CSV, the same columns) and back, without losing text.

Lists (ways of asking, sources, programmes, tags) are one item per line inside a
cell. The "Phiên bản" column carries each entry's version at export, so an import
can tell an entry edited in the sheet from one edited on the web since the export.
CSV is UTF-8 with a byte-order mark so Excel shows Vietnamese correctly; a cell that
would start with = + - @ gets a leading apostrophe (removed again on import) so
spreadsheet programs never run it as a formula. Every text is NFC on the way back in.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Dict, List, Sequence

from staff.faq_store import StoredEntry, clean_text
from staff.uploads import UploadError, csv_rows, strip_control_characters, xlsx_rows

# (entry field, column header); an import accepts either.
COLUMNS = (
    ("id", "Mã mục"),
    ("question", "Câu hỏi"),
    ("paraphrases", "Cách hỏi khác (mỗi dòng một câu)"),
    ("answer", "Câu trả lời"),
    ("sources", "Nguồn (mỗi dòng một nguồn)"),
    ("programmes", "Chương trình (mỗi dòng một mã)"),
    ("topic", "Chủ đề"),
    ("tags", "Từ khóa (mỗi dòng một từ)"),
    ("reviewed", "Ngày rà soát"),
    ("retired", "Ngừng dùng (x)"),
    ("version", "Phiên bản (không sửa)"),
)
LIST_FIELDS = ("paraphrases", "sources", "programmes", "tags")
YES = {"x", "có", "co", "yes", "true", "1"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME = "FAQ"


class SpreadsheetError(ValueError):
    """The file cannot be read as an FAQ sheet (message in Vietnamese)."""


@dataclass
class SheetRow:
    """One data row: its row number in the sheet (for messages), entry fields and version."""

    number: int
    data: Dict[str, Any]
    version: str


def entry_cells(item: StoredEntry) -> List[str]:
    """An entry as the texts of one row."""
    cells = []
    for field, _ in COLUMNS:
        if field == "version":
            cells.append(item.version)
        elif field == "retired":
            cells.append("x" if item.retired else "")
        elif field in LIST_FIELDS:
            cells.append("\n".join(item.data[field]))
        else:
            cells.append(str(item.data[field]))
    return cells


def header() -> List[str]:
    return [label for _, label in COLUMNS]


def to_xlsx(entries: Sequence[StoredEntry]) -> bytes:
    return xlsx_bytes(SHEET_NAME, header(), [entry_cells(item) for item in entries],
                      (28, 40, 45, 80, 40, 20, 14, 20, 12, 10, 14), freeze="B2")


def xlsx_bytes(title: str, head: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int],
               freeze: str) -> bytes:
    """One sheet of text cells (never formulas), wrapped, a bold header row, fixed widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(head))
    for row in rows:
        # XML cannot hold control characters: one in an answer must not break the export.
        sheet.append([strip_control_characters(cell) if isinstance(cell, str) else cell for cell in row])
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"  # text, never a formula, whatever it starts with
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = freeze
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _guard(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def to_csv(entries: Sequence[StoredEntry]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header())
    for item in entries:
        writer.writerow([_guard(cell) for cell in entry_cells(item)])
    return buffer.getvalue().encode("utf-8-sig")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_to_entries(rows: List[List[str]]) -> List[SheetRow]:
    if not rows:
        raise SpreadsheetError("Tệp không có dòng nào.")
    names = {label.casefold(): field for field, label in COLUMNS} | {field: field for field, _ in COLUMNS}
    fields = [names.get(clean_text(cell).casefold()) for cell in rows[0]]
    missing = [label for field, label in COLUMNS if field not in fields and field not in ("version", "retired")]
    if missing:
        raise SpreadsheetError("Dòng đầu của tệp thiếu cột: " + ", ".join(f"«{m}»" for m in missing)
                               + ". Hãy dùng tệp xuất từ trang quản trị làm mẫu.")
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        values: Dict[str, str] = {}
        for field, cell in zip(fields, row):
            if field is not None:
                values[field] = clean_text(cell)
        if not any(values.values()):
            continue  # blank line
        data: Dict[str, Any] = {field: values.get(field, "") for field, _ in COLUMNS if field not in LIST_FIELDS}
        for field in LIST_FIELDS:
            data[field] = [line.strip() for line in values.get(field, "").split("\n") if line.strip()]
        data["retired"] = values.get("retired", "").casefold() in YES
        version = str(data.pop("version", ""))
        parsed.append(SheetRow(number, data, version))
    return parsed


def from_xlsx(content: bytes) -> List[SheetRow]:
    try:
        rows = [[_cell_text(value) for value in row] for row in xlsx_rows(content, SHEET_NAME)]
    except UploadError as error:
        raise SpreadsheetError(str(error)) from None
    return _rows_to_entries(rows)


def from_csv(content: bytes) -> List[SheetRow]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError("Tệp CSV phải được lưu với mã hóa UTF-8 (trong Excel: «CSV UTF-8»).") from None
    try:
        rows = [[_unguard(cell) for cell in row] for row in csv_rows(text)]
    except UploadError as error:
        raise SpreadsheetError(str(error)) from None
    return _rows_to_entries(rows)


def read_sheet(file_name: str, content: bytes) -> List[SheetRow]:
    """Rows of an uploaded .xlsx or .csv file."""
    if file_name.lower().endswith(".xlsx"):
        return from_xlsx(content)
    if file_name.lower().endswith(".csv"):
        return from_csv(content)
    raise SpreadsheetError("Chỉ nhận tệp .xlsx hoặc .csv.")
