"""Hostile uploads and imports read safely: every refusal is a Vietnamese message, never a 500.

The outside review of issue 15 (item 7) sent the staff app a CSV cell over Python's
field limit, an xlsx whose one far cell (XFD1048576) made openpyxl build a million
rows, YAML front matter that is a list or a 321-byte alias bomb, and control characters
that then broke the xlsx export for everyone. The readers here bound each of these.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any, List, Optional

import yaml

# A sheet of FAQ entries or figure values: a few thousand rows, a dozen columns.
MAX_SHEET_ROWS = 5000
MAX_SHEET_COLUMNS = 40
MAX_CELL_CHARS = 100_000
# Control characters (but tab, line feed, carriage return): XML 1.0, hence xlsx, cannot hold them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UploadError(ValueError):
    """Why an upload cannot be read, in Vietnamese."""


def strip_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def csv_rows(text: str) -> List[List[str]]:
    """The rows of a CSV text; a huge cell or a broken quote is a message, not a 500."""
    try:
        rows = []
        for row in csv.reader(io.StringIO(text, newline="")):
            if len(rows) >= MAX_SHEET_ROWS:
                raise UploadError(f"Bảng tính có quá nhiều dòng (tối đa {MAX_SHEET_ROWS}).")
            rows.append(row[:MAX_SHEET_COLUMNS])
        return rows
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise UploadError(f"Có một ô quá dài (tối đa {csv.field_size_limit():,} ký tự)".replace(",", ".")
                              + ": hãy rút ngắn nội dung ô đó.") from None
        raise UploadError("Không đọc được tệp CSV (có thể thiếu dấu ngoặc kép đóng một ô).") from None


def xlsx_rows(content: bytes, sheet_name: str) -> List[List[Any]]:
    """The cell values of a workbook's sheet, refusing a sheet far larger than any real one.

    openpyxl pads every row to the sheet's declared width and fills the gaps up to its
    declared height, so the dimension is checked first and rows and columns are bounded
    while reading (a sheet that hides its size is still read only that far).
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise UploadError("Không đọc được tệp .xlsx (tệp hỏng hoặc không phải bảng tính Excel).") from None
    try:
        sheet = book[sheet_name] if sheet_name in book.sheetnames else book.worksheets[0]
        try:
            max_row, max_column = sheet.max_row, sheet.max_column
        except Exception:  # a dimension openpyxl cannot read: bounded reading below still holds
            max_row = max_column = None
        if (max_row or 0) > MAX_SHEET_ROWS + 1 or (max_column or 0) > MAX_SHEET_COLUMNS:
            raise UploadError(f"Bảng tính quá lớn: tối đa {MAX_SHEET_ROWS} dòng và {MAX_SHEET_COLUMNS} cột "
                              "(có thể có một ô ở rất xa bị gõ nhầm; hãy xóa các dòng, cột thừa).")
        rows: List[List[Any]] = []
        try:
            for row in sheet.iter_rows(min_row=1, max_row=MAX_SHEET_ROWS + 1, max_col=MAX_SHEET_COLUMNS,
                                       values_only=True):
                rows.append(list(row))
        except Exception:
            raise UploadError("Không đọc được tệp .xlsx (tệp hỏng hoặc không phải bảng tính Excel).") from None
        if len(rows) > MAX_SHEET_ROWS:
            raise UploadError(f"Bảng tính có quá nhiều dòng (tối đa {MAX_SHEET_ROWS}).")
        return rows
    finally:
        book.close()


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that refuses anchors and aliases: front matter never needs them."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(f"không dùng tham chiếu YAML (*{event.anchor})")
        return super().compose_node(parent, index)


def front_matter_problem(front: Optional[str]) -> Optional[str]:
    """What is wrong with a document's front matter text (``None``: a mapping, fine)."""
    if front is None:
        return None
    try:
        data = yaml.load(front, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader without aliases
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0] if str(error) else "lỗi cú pháp"
        return f"Phần thông tin đầu tệp viết chưa đúng cú pháp: {first}"
    if data is not None and not isinstance(data, dict):
        return ("Phần thông tin đầu tệp phải gồm các dòng «tên: giá trị» (title: …, number: …, date: …, "
                "issuer: …), không phải một danh sách hay một dòng chữ.")
    return None

