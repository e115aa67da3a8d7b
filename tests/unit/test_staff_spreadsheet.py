"""Spreadsheet export and import: a round trip loses no Vietnamese text and changes nothing."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from knowledge.corpus import load_faq
from staff.faq_store import FaqStore
from staff.history import History
from staff.importer import apply_import, plan_import
from staff.spreadsheet import SheetRow, from_csv, from_xlsx, to_csv, to_xlsx
from staff.validation import EntryValidator
from knowledge.tables import PolicyTables
from tests.knowledge_copy import copy_content

TABLES = PolicyTables.load()


@pytest.fixture()
def store(tmp_path) -> FaqStore:
    root = copy_content(tmp_path / "knowledge")
    return FaqStore(root, History(root / "history"))


@pytest.mark.parametrize("export, read", [(to_xlsx, from_xlsx), (to_csv, from_csv)], ids=["xlsx", "csv"])
def test_export_then_import_gives_back_every_entry_exactly(store, export, read):
    entries = store.entries()
    rows = read(export(entries))
    assert [row.data["id"] for row in rows] == [item.data["id"] for item in entries]
    for row, item in zip(rows, entries):
        assert {**row.data, "retired": bool(row.data.get("retired"))} == {**item.data, "retired": item.retired}
        assert row.version == item.version
    plan = plan_import(rows, store, EntryValidator(TABLES))
    assert (plan.added, plan.changed, plan.problems) == ([], [], [])
    assert plan.unchanged == len(entries)


@pytest.mark.parametrize("export, read", [(to_xlsx, from_xlsx), (to_csv, from_csv)], ids=["xlsx", "csv"])
def test_an_edited_row_is_imported_in_nfc_and_tricky_text_survives(store, export, read):
    rows = read(export(store.entries()))
    row = rows[0]
    # Typed on a machine that produces decomposed (NFD) Vietnamese; starts like a formula.
    added = unicodedata.normalize("NFD", "= Người dân hỏi Tổ trưởng Tổ tiết kiệm và vay vốn, «xã» ạ.")
    row.data["answer"] = f"{row.data['answer']}\n{added}"
    rows = read(_export_rows(store, rows, export))
    plan = plan_import(rows, store, EntryValidator(TABLES))
    assert len(plan.changed) == 1 and not plan.errors
    apply_import(plan, store, "an")
    saved = {e.id: e.answer for e in load_faq(store.directory)}[row.data["id"]]
    expected = unicodedata.normalize("NFC", added)
    assert saved.endswith(expected) and unicodedata.is_normalized("NFC", saved)


def _export_rows(store: FaqStore, rows, export) -> bytes:
    """Write sheet rows back out as the staff member's edited file."""
    from staff.faq_store import StoredEntry

    class Edited(StoredEntry):
        def __init__(self, row: SheetRow):
            super().__init__(row.data, "")
            self._version = row.version

        @property
        def version(self) -> str:
            return self._version

    return export([Edited(row) for row in rows])


def test_a_row_edited_on_the_web_since_the_export_is_a_conflict(store):
    sheet = from_xlsx(to_xlsx(store.entries()))
    item = store.entries()[0]
    store.save({**item.data, "answer": item.data["answer"] + " Sửa trên web."}, "an", item.version, "edit")
    sheet[0].data["answer"] += " Sửa trong bảng tính."
    plan = plan_import(sheet, store, EntryValidator(TABLES))
    assert plan.errors and "sau khi tệp được xuất" in plan.errors[0][2].message
    assert not plan.changed


def test_an_import_with_one_invalid_row_saves_nothing(store, tmp_path):
    sheet = from_csv(to_csv(store.entries()))
    sheet[0].data["answer"] += " Thêm câu."
    sheet[1].data["sources"] = []
    plan = plan_import(sheet, store, EntryValidator(TABLES))
    assert [row for row, _, problem in plan.errors] == [sheet[1].number]
    before = Path(store.directory / "rates.yml").read_text(encoding="utf-8")
    assert plan.errors  # the app applies a plan only without errors
    assert Path(store.directory / "rates.yml").read_text(encoding="utf-8") == before
