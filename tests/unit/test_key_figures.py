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


def test_the_line_says_where_to_apply_unless_the_answer_did(tables):
    where = tables.programmes["nha_o_xa_hoi"]["where"]
    line, _ = key_figures(tables, "nha_o_xa_hoi", "Có, người thu nhập thấp ở đô thị được vay mua nhà ở xã hội.")
    assert line.endswith(f"nơi làm thủ tục: {where}.")
    line, _ = key_figures(tables, "ho_ngheo", "Có. Anh/chị đăng ký với Tổ trưởng Tổ TK&VV ở thôn.")
    assert "nơi làm thủ tục" not in line
