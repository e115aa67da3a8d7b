"""Dated figures: the value in force on a day, rules that follow their base, history sentences."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from knowledge import clock
from knowledge.tables import PolicyTables

TABLES = PolicyTables.load()
BEFORE_CUT, CUT, TODAY, NEW_STANDARD = date(2025, 11, 30), date(2025, 12, 1), date(2026, 12, 7), date(2027, 1, 2)


def synthetic(history_of_base, rule_history=None) -> PolicyTables:
    facts = {
        "base": {"unit": "%/năm", "history": history_of_base},
        "derived": {"unit": "%/năm", "text": "{rate}, bằng 120% mức gốc",
                    "history": rule_history or [{"rule": {"percent": 120, "of": "facts.base"}, "status": "confirmed",
                                                 "source": "Quy định tỷ lệ"}]},
    }
    return PolicyTables(facts, [])


BASE = [
    {"from": "2015-06-05", "to": "2025-11-30", "value": 6.6, "source": "QĐ cũ", "status": "confirmed"},
    {"from": "2025-12-01", "value": 6.24, "source": "QĐ mới", "status": "confirmed"},
]


# -- acceptance figures of issue 13 (the law as published; policy_facts.md) ------------------------
@pytest.mark.parametrize("programme, on, expected", [
    ("ho_ngheo", TODAY, 6.24), ("ho_ngheo", BEFORE_CUT, 6.6),
    ("ho_can_ngheo", TODAY, 7.488), ("ho_can_ngheo", BEFORE_CUT, 7.92),
    ("ho_moi_thoat_ngheo", TODAY, 7.8), ("ho_moi_thoat_ngheo", BEFORE_CUT, 8.25),
    ("nuoc_sach", TODAY, 8.4), ("nuoc_sach", BEFORE_CUT, 9.0),
    ("vung_kho_khan", TODAY, 7.8), ("hssv", TODAY, 6.24), ("chap_hanh_xong_an_tu", TODAY, 6.24),
])
def test_rates_in_force(programme, on, expected):
    assert TABLES.value(programme, "rate", on) == pytest.approx(expected)


def test_the_poor_rate_reads_with_its_month_rate_source_and_date():
    figure = TABLES.figure("ho_ngheo", "rate", TODAY)
    assert figure.text == "6,24%/năm (0,52%/tháng)"
    assert "2553/QĐ-TTg" in figure.citation() and "01/12/2025" in figure.citation()
    assert TABLES.figure("ho_can_ngheo", "rate", TODAY).text.startswith("7,488%/năm (0,624%/tháng)")


def test_every_value_a_decision_states_is_what_the_rule_gives():
    checked = 0
    for group, key in TABLES.figure_keys():
        for value in TABLES.values(group, key):
            for stated in value.fields.get("stated") or []:
                on = clock.parse_day(stated["day"])
                assert TABLES.value(group, key, on) == pytest.approx(float(stated["value"])), (group, key, on)
                checked += 1
    assert checked >= 10


def test_poverty_line_switches_on_1_january_2027():
    assert TABLES.value("facts", "poverty_line_rural", TODAY) == 1_500_000
    assert TABLES.value("facts", "poverty_line_rural", date(2026, 12, 31)) == 1_500_000
    assert TABLES.value("facts", "poverty_line_rural", date(2027, 1, 1)) == 2_200_000
    assert TABLES.value("facts", "poverty_line_urban", NEW_STANDARD) == 2_800_000
    coming = TABLES.render("{{facts.poverty_line_rural}}. {{facts.poverty_line_rural.change}}", on=TODAY)
    assert "1,5 triệu" in coming.text and "01/01/2027" in coming.text and "2,2 triệu" in coming.text
    after = TABLES.render("{{facts.poverty_line_rural}}. {{facts.poverty_line_rural.change}}", on=NEW_STANDARD)
    assert after.text.startswith("2,2 triệu") and "31/12/2026" in after.text
    assert after.history and "1,5 triệu" in after.history[0]


# -- the mechanism, on small tables ---------------------------------------------------------------
def test_value_in_force_at_the_boundaries():
    tables = synthetic(BASE)
    assert tables.value("facts", "base", date(2025, 11, 30)) == 6.6
    assert tables.value("facts", "base", date(2025, 12, 1)) == 6.24


def test_a_rule_follows_its_base_on_each_day():
    tables = synthetic(BASE)
    assert tables.value("facts", "derived", date(2025, 11, 30)) == pytest.approx(7.92)
    assert tables.value("facts", "derived", date(2025, 12, 1)) == pytest.approx(7.488)
    figure = tables.figure("facts", "derived", date(2026, 1, 1))
    assert figure.text == "7,488%/năm (0,624%/tháng), bằng 120% mức gốc"
    assert figure.source.endswith("QĐ mới") and figure.effective == "2025-12-01"


def test_pending_rejected_and_withdrawn_values_are_never_in_force():
    for state in ("pending", "rejected", "withdrawn"):
        tables = synthetic(BASE + [{"from": "2026-06-01", "value": 5.0, "source": "đề xuất", "status": "confirmed",
                                    "state": state}])
        assert tables.value("facts", "base", date(2026, 7, 1)) == 6.24, state
    approved = synthetic(BASE + [{"from": "2026-06-01", "value": 5.0, "source": "QĐ", "status": "confirmed",
                                  "state": "approved"}])
    assert approved.value("facts", "base", date(2026, 7, 1)) == 5.0
    assert approved.value("facts", "derived", date(2026, 7, 1)) == pytest.approx(6.0)


def test_a_future_value_takes_effect_by_itself_when_the_day_comes():
    day = {"today": date(2027, 2, 28)}
    tables = synthetic(BASE + [{"from": "2027-03-01", "value": 6.0, "source": "QĐ", "status": "confirmed"}])
    tables.clock = lambda: day["today"]
    assert tables.render("{{facts.base}}").text.startswith("6,24%")
    assert "01/03/2027" in tables.render("{{facts.base.next}}").text
    day["today"] = date(2027, 3, 1)
    assert tables.render("{{facts.base}}").text.startswith("6%/năm (0,5%/tháng)")
    assert tables.render("{{facts.derived}}").text.startswith("7,2%/năm")


def test_a_figure_not_yet_in_force_says_from_when():
    tables = PolicyTables({"law": {"text": "luật mới", "effective": "2026-01-01", "source": "Luật", "status": "confirmed"}}, [])
    assert "áp dụng từ 01/01/2026" in tables.figure("facts", "law", date(2025, 12, 1)).spoken()
    assert "áp dụng từ" not in tables.figure("facts", "law", date(2026, 1, 1)).spoken()


def test_history_sentence_lists_every_value_with_dates():
    text = TABLES.render("{{facts.poor_rate.history}}", on=TODAY).text
    assert text.index("6,24%") < text.index("6,6%") < text.index("7,2%")
    assert "đến 30/11/2025" in text and "đang áp dụng" in text


def test_a_rule_loop_is_refused():
    facts = {"a": {"rule": {"percent": 100, "of": "facts.b"}, "status": "confirmed"},
             "b": {"rule": {"percent": 100, "of": "facts.a"}, "status": "confirmed"}}
    with pytest.raises(ValueError):
        PolicyTables(facts, []).figure("facts", "a", TODAY)


def test_clock_reads_policy_today(monkeypatch):
    monkeypatch.setenv(clock.ENV_VAR, "2027-01-02")
    assert clock.today() == date(2027, 1, 2)
    monkeypatch.delenv(clock.ENV_VAR)
    assert clock.today() >= date(2026, 12, 7)


def test_tables_reload_after_a_saved_change(tmp_path: Path):
    source = Path(TABLES.directory)
    for name in ("facts.yml", "programmes.yml"):
        shutil.copy(source / name, tmp_path / name)
    tables = PolicyTables.load(tmp_path, clock=lambda: TODAY)
    assert not tables.refresh()
    path = tmp_path / "facts.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: 6.24,", "value: 6.1,"), encoding="utf-8")
    import os
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert tables.refresh()
    assert tables.value("ho_ngheo", "rate") == pytest.approx(6.1)
    assert tables.value("ho_can_ngheo", "rate") == pytest.approx(7.32)
