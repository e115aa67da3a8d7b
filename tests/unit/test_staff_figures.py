"""Changing a policy figure through the staff tools: propose, a second person approves, reject, roll back.

Every test works on a private copy of the content; expected values are read from the
tables as they were before the change, never typed here.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime
from pathlib import Path

import pytest

from knowledge import dated
from knowledge.corpus import load_yaml
from staff import figure_sheet
from staff.figure_store import (
    FigureError, FigureStore, check_proposal, entry_version, form_fields, own_entries, parse_date, parse_number,
    rollback_target, stored_number,
)
from staff.history import History
from knowledge.tables import PolicyTables
from tests.knowledge_copy import copy_content

START = date(2027, 3, 1)
DAY_BEFORE, DAY_AFTER, LATER = date(2027, 2, 28), date(2027, 3, 2), date(2028, 6, 1)
TODAY = date(2026, 12, 7)


@pytest.fixture()
def root(tmp_path) -> Path:
    return copy_content(tmp_path / "knowledge")


def make_store(root: Path) -> FigureStore:
    return FigureStore(root, History(root / "history"))


def propose(store: FigureStore, group: str, key: str, user: str = "an", **fields: str) -> int:
    form = {"from": "01/03/2027", "source": "Quyết định thử nghiệm 1/2027/QĐ-TTg", "status": "confirmed", **fields}
    proposal, problems = check_proposal(store.tables(), group, key, form_fields(form), TODAY)
    assert proposal is not None, [p.message for p in problems]
    return store.propose(proposal, user)


def entry(store: FigureStore, group: str, key: str, index: int) -> dict:
    return own_entries(store.tables().raw(group, key))[index]


def approve(store: FigureStore, group: str, key: str, index: int, user: str = "binh") -> None:
    store.approve(group, key, index, entry_version(entry(store, group, key, index)), user)


def changed_lines(before: str, after: str) -> list:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]


def test_typed_numbers_and_dates_are_read_as_vietnamese_staff_write_them():
    assert parse_number("6,0") == parse_number("6.0") == 6.0
    assert parse_number("6,24%") == 6.24
    assert parse_number("1.500.000") == parse_number("1 500 000") == 1500000
    assert parse_number("1.500.000,5") == 1500000.5
    assert parse_number("sáu") is None and parse_number("6,") is None and parse_number("") is None
    assert stored_number("6,0") == 6.0 and isinstance(stored_number("100000000"), int)
    assert parse_date("01/03/2027") == parse_date("1/3/2027") == parse_date("2027-03-01") == START
    assert parse_date("31/02/2027") is None and parse_date("2027/03/01") is None


def test_a_proposal_is_one_appended_line_and_changes_nothing_until_approved(root):
    store = make_store(root)
    original = PolicyTables.load(root)
    text_before = (root / "facts.yml").read_text(encoding="utf-8")
    index = propose(store, "facts", "poor_rate", value="6,0")
    text_after = (root / "facts.yml").read_text(encoding="utf-8")
    diff = changed_lines(text_before, text_after)
    assert len(diff) == 1 and diff[0].startswith("+ ") and "state: pending" in diff[0] and "proposed_by" in diff[0]
    assert (root / "programmes.yml").read_text(encoding="utf-8") == (Path(original.directory) / "programmes.yml") \
        .read_text(encoding="utf-8")
    tables = store.tables()
    assert tables.values("facts", "poor_rate")[index].state == dated.PENDING
    for day in (DAY_BEFORE, START, LATER):  # pending is never in force, whatever the day
        assert tables.value("facts", "poor_rate", on=day) == original.value("facts", "poor_rate", on=day)
        assert tables.figure("ho_ngheo", "rate", on=day).text == original.figure("ho_ngheo", "rate", on=day).text


def test_the_proposer_cannot_approve_and_another_person_puts_it_in_force_from_its_day(root):
    store = make_store(root)
    original = PolicyTables.load(root)
    old_rate = original.value("facts", "poor_rate", on=DAY_BEFORE)
    index = propose(store, "facts", "poor_rate", value="6,0")
    unchanged = (root / "facts.yml").read_text(encoding="utf-8")
    with pytest.raises(FigureError, match="không thể tự duyệt"):
        approve(store, "facts", "poor_rate", index, user="an")
    assert (root / "facts.yml").read_text(encoding="utf-8") == unchanged

    approve(store, "facts", "poor_rate", index, user="binh")
    tables = store.tables()
    approved = entry(store, "facts", "poor_rate", index)
    assert approved["state"] == dated.APPROVED and approved["approved_by"] == "binh" and approved["proposed_by"] == "an"
    assert datetime.fromisoformat(approved["approved_at"]).tzinfo is not None
    assert tables.value("facts", "poor_rate", on=DAY_BEFORE) == old_rate
    assert tables.value("facts", "poor_rate", on=START) == tables.value("facts", "poor_rate", on=LATER) == 6.0
    # The value before it keeps no end date: the latest start wins.
    previous = own_entries(tables.raw("facts", "poor_rate"))[index - 1]
    assert "to" not in previous and previous == own_entries(original.raw("facts", "poor_rate"))[index - 1]
    # Figures defined by a rule follow the base from the same day.
    rule = next(v.fields["rule"] for v in tables.values("ho_can_ngheo", "rate") if v.fields.get("rule"))
    assert rule["of"] == "facts.poor_rate"
    assert tables.value("ho_can_ngheo", "rate", on=START) == pytest.approx(6.0 * rule["percent"] / 100)
    assert tables.value("ho_can_ngheo", "rate", on=DAY_BEFORE) == original.value("ho_can_ngheo", "rate", on=DAY_BEFORE)
    assert "6%/năm" in tables.render("{{ho_ngheo.rate}}", on=START).text
    assert tables.upcoming("facts", "poor_rate", on=DAY_BEFORE)[1] == START
    with pytest.raises(FigureError, match="không còn chờ duyệt"):
        approve(store, "facts", "poor_rate", index, user="chi")


def test_a_rejected_proposal_never_applies_and_the_proposer_may_take_back_their_own(root):
    store = make_store(root)
    original = PolicyTables.load(root)
    first = propose(store, "facts", "poor_rate", value="6,0")
    store.reject("facts", "poor_rate", first, entry_version(entry(store, "facts", "poor_rate", first)), "binh")
    second = propose(store, "facts", "poor_rate", value="5.9")
    store.reject("facts", "poor_rate", second, entry_version(entry(store, "facts", "poor_rate", second)), "an")
    rejected, taken_back = entry(store, "facts", "poor_rate", first), entry(store, "facts", "poor_rate", second)
    assert rejected["state"] == dated.REJECTED and rejected["rejected_by"] == "binh"
    assert taken_back["state"] == dated.WITHDRAWN and taken_back["withdrawn_by"] == "an"
    assert store.tables().value("facts", "poor_rate", on=LATER) == original.value("facts", "poor_rate", on=LATER)
    with pytest.raises(FigureError):
        approve(store, "facts", "poor_rate", first, user="chi")


def test_a_stale_button_acts_on_nothing(root):
    store = make_store(root)
    index = propose(store, "facts", "poor_rate", value="6,0")
    with pytest.raises(FigureError, match="tải lại trang"):
        store.approve("facts", "poor_rate", index, "000000000000", "binh")
    with pytest.raises(FigureError):
        store.approve("facts", "poor_rate", index + 5, entry_version(entry(store, "facts", "poor_rate", index)), "binh")


def test_a_rollback_withdraws_the_newest_approved_value_and_never_leaves_a_gap(root):
    store = make_store(root)
    original = PolicyTables.load(root)
    index = propose(store, "facts", "poor_rate", value="6,0")
    approve(store, "facts", "poor_rate", index)
    target = rollback_target(store.tables().values("facts", "poor_rate"))
    assert target.index == index
    store.rollback("facts", "poor_rate", index, entry_version(entry(store, "facts", "poor_rate", index)), "an")
    tables = store.tables()
    withdrawn = entry(store, "facts", "poor_rate", index)
    assert withdrawn["state"] == dated.WITHDRAWN and withdrawn["withdrawn_by"] == "an" and withdrawn["withdrawn_at"]
    for day in (DAY_BEFORE, START, LATER):
        assert tables.value("facts", "poor_rate", on=day) == original.value("facts", "poor_rate", on=day)
    # The value now newest ends nothing behind it: withdrawing it would leave days without a rate.
    newest = rollback_target(tables.values("facts", "poor_rate"))
    assert newest.index != index and newest.end is None
    with pytest.raises(FigureError, match="không còn mức nào"):
        store.rollback("facts", "poor_rate", newest.index, entry_version(entry(store, "facts", "poor_rate", newest.index)),
                       "an")
    assert store.tables().value("facts", "poor_rate", on=LATER) == original.value("facts", "poor_rate", on=LATER)


def test_a_one_value_figure_becomes_a_history_keeping_its_value_and_every_other_line(root):
    store = make_store(root)
    original = PolicyTables.load(root)
    text_before = (root / "programmes.yml").read_text(encoding="utf-8")
    old = original.figure("ho_ngheo", "cap", on=DAY_BEFORE)
    proposal, problems = check_proposal(original, "ho_ngheo", "cap", form_fields(
        {"value": "150000000", "from": "01/03/2027", "source": "Quyết định thử nghiệm"}), TODAY)
    assert proposal is None and any(p.field == "text" for p in problems)  # the old sentence states the old figure
    index = propose(store, "ho_ngheo", "cap", value="150000000", text="tối đa 150 triệu đồng/hộ")
    approve(store, "ho_ngheo", "cap", index)
    text_after = (root / "programmes.yml").read_text(encoding="utf-8")
    diff = changed_lines(text_before, text_after)
    removed = [line for line in diff if line.startswith("- ")]
    assert len(removed) == 1 and removed[0].lstrip("- ").startswith("cap:") and old.text in removed[0]
    assert len(diff) == 6  # the one-line figure became 5 lines: key, unit, history:, old value, new value
    tables = store.tables()
    assert tables.figure("ho_ngheo", "cap", on=DAY_BEFORE) == old
    assert tables.figure("ho_ngheo", "cap", on=START).text == "tối đa 150 triệu đồng/hộ"
    assert own_entries(tables.raw("ho_ngheo", "cap"))[0].get("state", dated.APPROVED) == dated.APPROVED
    # Everything else in both files loads exactly as before.
    before_doc, after_doc = load_yaml(text_before), load_yaml(text_after)
    for b, a in zip(before_doc["programmes"], after_doc["programmes"]):
        assert {k: v for k, v in b.items() if k != "cap" or b["id"] != "ho_ngheo"} == \
               {k: v for k, v in a.items() if k != "cap" or a["id"] != "ho_ngheo"}


def test_a_value_replacing_a_rule_stops_following_the_base_from_its_day_only(root):
    store = make_store(root)
    original = PolicyTables.load(root)
    proposal, problems = check_proposal(original, "ho_ngheo", "rate", form_fields(
        {"value": "6,1", "from": "01/03/2027", "source": "Quyết định thử nghiệm"}), TODAY)
    assert proposal is not None
    assert [p.level for p in problems] == ["warning"] and "không đổi theo {{facts.poor_rate}}" in problems[0].message
    index = store.propose(proposal, "an")
    approve(store, "ho_ngheo", "rate", index)
    base = propose(store, "facts", "poor_rate", value="5,5", **{"from": "01/01/2027"})
    approve(store, "facts", "poor_rate", base)
    tables = store.tables()
    assert tables.value("ho_ngheo", "rate", on=date(2027, 2, 1)) == 5.5  # still follows the base before its day
    assert tables.value("ho_ngheo", "rate", on=START) == 6.1  # its own value from its day, whatever the base
    assert tables.figure("ho_ngheo", "rate", on=START).text.startswith("6,1%/năm")  # said as a rate (unit kept)
    assert tables.value("ho_ngheo", "rate", on=date(2026, 12, 31)) == original.value("ho_ngheo", "rate",
                                                                                     on=date(2026, 12, 31))


def test_proposals_are_checked_with_messages_in_vietnamese(root):
    tables = PolicyTables.load(root)

    def problems(group: str = "facts", key: str = "poor_rate", **fields: str) -> dict:
        form = {"value": "6,0", "from": "01/03/2027", "source": "Quyết định thử nghiệm", **fields}
        proposal, found = check_proposal(tables, group, key, form_fields(form), TODAY)
        return {p.field: p.level for p in found}, proposal

    assert problems()[0] == {}
    assert problems(value="")[0] == {"value": "error"}
    assert problems(value="sáu phẩy không")[0] == {"value": "error"}
    assert problems(**{"from": ""})[0] == {"from": "error"}
    assert problems(**{"from": "2027-13-01"})[0] == {"from": "error"}
    assert problems(source="")[0] == {"source": "error"}
    assert problems(to="01/01/2027")[0] == {"to": "error"}
    assert problems(status="có lẽ")[0] == {"status": "error"}
    assert problems(text="{rate} theo {{facts.khong_co}}")[0] == {"text": "error"}
    assert problems(**{"from": "01/01/2025"})[0] == {"from": "warning"}  # nearly two years ago, and 6,24 starts later
    assert problems(value="62,4")[0] == {"value": "warning"}  # far from the current rate: a slip?
    current = tables.value("facts", "poor_rate", on=START)
    assert problems(value=str(current))[0] == {"value": "warning"}
    found, proposal = problems(**{"from": "01/06/2026"})  # within a year: no warning
    assert found == {} and proposal.start == date(2026, 6, 1)


def test_every_action_is_kept_in_the_history_with_who_and_when(root):
    store = make_store(root)
    original = dict(store.tables().raw("facts", "poor_rate"))
    index = propose(store, "facts", "poor_rate", value="6,0")
    approve(store, "facts", "poor_rate", index)
    store.rollback("facts", "poor_rate", index, entry_version(entry(store, "facts", "poor_rate", index)), "an")
    versions = store.history.versions("figures", "facts.poor_rate")
    assert [(v.action, v.user) for v in versions] == [("rollback", "an"), ("approve", "binh"), ("propose", "an"),
                                                      ("original", "")]
    assert all(v.at for v in versions[:-1])
    assert versions[-1].content == original  # the figure before the first change, to compare or restore by hand
    assert versions[0].content["history"][index]["state"] == dated.WITHDRAWN


def test_the_figure_sheet_round_trips_and_an_import_only_adds_pending_proposals(root):
    store = make_store(root)
    tables = store.tables()
    for name, content in (("so-lieu.xlsx", figure_sheet.to_xlsx(tables)), ("so-lieu.csv", figure_sheet.to_csv(tables))):
        records = figure_sheet.read_sheet(name, content)
        assert len(records) == sum(len(tables.values(g, k)) for g, k in figure_sheet.figure_fields(tables))
        plan = figure_sheet.plan_import(records, tables, TODAY)
        assert (plan.proposals, plan.problems, plan.unchanged) == ([], [], len(records)), plan.problems[:3]

    records = figure_sheet.read_sheet("so-lieu.csv", figure_sheet.to_csv(tables))
    number, row = next((n, r) for n, r in records if (r["group"], r["key"]) == ("facts", "poor_rate"))
    edited = (number, {**row, "value": "9,9"})  # an existing value typed over: refused, never changed in place
    typed_as_approved = (999, {**row, "index": "", "from": "01/03/2027", "to": "", "value": "6,0", "state": "đã duyệt",
                               "source": "Quyết định thử nghiệm", "text": ""})
    plan = figure_sheet.plan_import([edited, typed_as_approved], tables, TODAY)
    assert [(n, p.field, p.level) for n, _, p in plan.problems] == [(number, "index", "error")]
    assert [n for n, _ in plan.proposals] == [999]
    figure_sheet.apply_import(plan, store, "an")
    added = store.tables().values("facts", "poor_rate")[-1]
    assert added.state == dated.PENDING and added.fields["proposed_by"] == "an"
    assert store.tables().value("facts", "poor_rate", on=LATER) == tables.value("facts", "poor_rate", on=LATER)


def test_sheet_cells_that_look_like_formulas_are_neutralised(root):
    store = make_store(root)
    proposal, _ = check_proposal(store.tables(), "facts", "poor_rate", form_fields(
        {"value": "6,0", "from": "01/03/2027", "source": "=HYPERLINK(\"http://x\")"}), TODAY)
    store.propose(proposal, "an")
    exported = figure_sheet.to_csv(store.tables()).decode("utf-8-sig")
    assert "'=HYPERLINK" in exported and "\n=HYPERLINK" not in exported and ",=HYPERLINK" not in exported
    records = figure_sheet.read_sheet("so-lieu.csv", exported.encode("utf-8-sig"))
    assert any(r["source"].startswith("=HYPERLINK") for _, r in records)  # read back as typed
