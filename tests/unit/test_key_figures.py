"""The key-figures line: what the answer did not say, from the table, hedged when unconfirmed."""

from __future__ import annotations

import pytest

from knowledge.key_figures import key_figures
from knowledge.tables import UNCONFIRMED_NOTE, PolicyTables


@pytest.fixture(scope="module")
def tables() -> PolicyTables:
    return PolicyTables.load()


def test_the_figures_an_answer_gave_are_not_repeated(tables):
    cap = tables.figure("ho_ngheo", "cap").text
    line, figures = key_figures(tables, "ho_ngheo", f"Hộ nghèo được vay {cap}.")
    assert line.startswith("Tóm tắt vay hộ nghèo:")
    assert tables.figure("ho_ngheo", "rate").text.split(" ")[0] in line
    assert "mức vay" not in line and "thế chấp" not in line  # the answer said both
    assert figures and all(f.source for f in figures)


def test_an_unconfirmed_figure_is_hedged(tables):
    figure = tables.figure("ho_can_ngheo", "cap")
    assert not figure.confirmed
    line, _ = key_figures(tables, "ho_can_ngheo", "Có, hộ cận nghèo được vay.")
    assert UNCONFIRMED_NOTE in line


def test_nothing_is_said_of_what_the_table_does_not_know(tables):
    found = key_figures(tables, "vung_kho_khan", "")
    assert found is not None
    assert "chưa có thông tin" not in found[0]


def test_an_unknown_programme_has_no_line(tables):
    assert key_figures(tables, "khong_co", "") is None
