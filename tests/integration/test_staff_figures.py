"""Changing a policy figure end to end: two staff accounts, the staff app and the real bot on a copy of knowledge/.

Account «an» proposes the poor-household rate 6,0 from 01/03/2027; until «binh» approves
it nothing changes, whatever the day; «an» cannot approve it; after approval the figure
and every figure defined from it change from that day only; a rollback by «an» brings
the old rate back. The second test does the same with the bot running (its clock fixed
after the date with POLICY_TODAY) and asks it through REST, without restarting it.
Expected values are read from the tables of the untouched copy, never typed here.
"""

from __future__ import annotations

import csv
import html
import io
import re
import time
from datetime import date
from pathlib import Path
from typing import Callable, Dict, Iterator

import pytest
import requests

from knowledge import dated
from knowledge.answering import faq_answer
from knowledge.corpus import load_faq
from staff.figure_effects import on_day
from knowledge.tables import PolicyTables
from tests.integration import staff_client
from evaluation.servers import BotServers, current_model, new_sender, texts

START, BEFORE, AFTER = date(2027, 3, 1), date(2027, 2, 28), date(2027, 3, 2)
NEW_RATE = "6,0"
FIGURE = "/figures/facts/poor_rate"
FAQ_ENTRY = "lai-suat-ho-ngheo"  # "Lãi suất cho vay hộ nghèo là bao nhiêu?": {{ho_ngheo.rate}}, 100% of facts.poor_rate
QUESTION = "lai suat vay ho ngheo bn"


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[BotServers]:
    with staff_client.staff_app_on_a_copy(tmp_path_factory.mktemp("figures")) as pair:
        yield pair


def content(servers: BotServers) -> Path:
    return Path(servers.extra_env["CONTENT_DIR"])


def text_of(response: requests.Response) -> str:
    return html.unescape(response.text)


def csrf(session: requests.Session, servers: BotServers) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', session.get(servers.staff_url + FIGURE).text).group(1)


def button_fields(page: str, action: str) -> Dict[str, str]:
    """entry and version of the first one-button form posting to ``action`` (as a browser would send them)."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.DOTALL)
    assert form, f"no {action} button on the page"
    return dict(re.findall(r'name="(entry|version)" value="([^"]+)"', form.group(0)))


def poor_answer(tables: PolicyTables, day: date) -> str:
    entry = next(e for e in load_faq(Path(tables.directory) / "faq") if e.id == FAQ_ENTRY)
    return faq_answer(entry, on_day(tables, day)).text


def without_history(tables: PolicyTables, day: date, reply: str) -> str:
    """The answer without its sentences about earlier or coming values ("Trước ngày …, mức này là …")."""
    entry = next(e for e in load_faq(Path(tables.directory) / "faq") if e.id == FAQ_ENTRY)
    for sentence in tables.render(entry.answer, on=day).history:
        reply = reply.replace(sentence, "")
    return reply


def near_poor_percent(tables: PolicyTables) -> float:
    rule = next(v.fields["rule"] for v in tables.values("ho_can_ngheo", "rate") if v.fields.get("rule"))
    assert rule["of"] == "facts.poor_rate"
    return float(rule["percent"])


def propose(session: requests.Session, servers: BotServers, do: str) -> requests.Response:
    return session.post(servers.staff_url + FIGURE + "/propose", allow_redirects=False, data={
        "csrf": csrf(session, servers), "value": NEW_RATE, "from": "01/03/2027", "status": "confirmed",
        "source": "Quyết định thử nghiệm 01/2027/QĐ-TTg", "note": "kiểm thử", "do": do})


def pending_index(tables: PolicyTables) -> int:
    return next(v.index for v in tables.values("facts", "poor_rate") if v.state == dated.PENDING)


def test_a_rate_change_needs_a_second_person_applies_from_its_day_and_rolls_back(servers):
    an, binh = staff_client.login(servers.staff_url, "an"), staff_client.login(servers.staff_url, "binh")
    original = PolicyTables.load(content(servers))
    old_rate = original.value("facts", "poor_rate", on=AFTER)
    assert original.value("facts", "poor_rate", on=BEFORE) == old_rate  # no change scheduled on the copy yet
    new_rate = float(NEW_RATE.replace(",", "."))
    assert new_rate != old_rate
    percent = near_poor_percent(original)
    old_text, new_text = dated.rate_text(old_rate), dated.rate_text(new_rate)
    near_new = dated.rate_text(new_rate * percent / 100)
    assert "6%/năm" in new_text and "7,2%/năm" in near_new  # what the issue asks for, computed from the tables

    # The preview shows the FAQ answer and the near-poor rate as they will read on 01/03/2027.
    shown = propose(an, servers, "preview")
    assert shown.status_code == 200, staff_client.form_errors(shown.text)
    preview = text_of(shown)
    assert "Xem trước" in preview and "01/03/2027" in preview and FAQ_ENTRY in preview
    assert new_text in preview and near_new in preview and old_text in preview
    assert "state: pending" not in (content(servers) / "facts.yml").read_text(encoding="utf-8")  # a preview saves nothing

    saved = propose(an, servers, "save")
    assert saved.status_code == 303, staff_client.form_errors(saved.text)
    tables = PolicyTables.load(content(servers))
    index = pending_index(tables)
    for day in (BEFORE, AFTER):  # pending: not in force, whatever the day, and not even announced
        assert tables.value("facts", "poor_rate", on=day) == old_rate
        assert old_text in poor_answer(tables, day) and new_text not in poor_answer(tables, day)

    # «an» sees no approve button and is refused if the request is sent anyway.
    page_an = an.get(servers.staff_url + FIGURE).text
    assert f'action="{FIGURE}/approve"' not in page_an and "không tự duyệt được" in html.unescape(page_an)
    fields = button_fields(page_an, FIGURE + "/reject")
    refused = an.post(servers.staff_url + FIGURE + "/approve", data={"csrf": csrf(an, servers), **fields},
                      allow_redirects=False)
    assert refused.status_code == 403 and "không thể tự duyệt" in text_of(refused)
    assert PolicyTables.load(content(servers)).values("facts", "poor_rate")[index].state == dated.PENDING

    page_binh = binh.get(servers.staff_url + FIGURE).text
    approved = binh.post(servers.staff_url + FIGURE + "/approve", allow_redirects=False,
                         data={"csrf": csrf(binh, servers), **button_fields(page_binh, FIGURE + "/approve")})
    assert approved.status_code == 303
    tables = PolicyTables.load(content(servers))
    entry = tables.values("facts", "poor_rate")[index].fields
    assert (entry["state"], entry["proposed_by"], entry["approved_by"]) == (dated.APPROVED, "an", "binh")
    assert tables.value("facts", "poor_rate", on=AFTER) == new_rate
    assert new_text in poor_answer(tables, AFTER)
    assert old_text not in without_history(tables, AFTER, poor_answer(tables, AFTER))  # only as "before 01/03/2027"
    assert near_new in tables.figure("ho_can_ngheo", "rate", on=AFTER).text
    assert old_text in without_history(tables, BEFORE, poor_answer(tables, BEFORE))  # before its day: the old rate
    assert new_text not in without_history(tables, BEFORE, poor_answer(tables, BEFORE))  # (announced as coming)
    assert tables.figure("ho_can_ngheo", "rate", on=BEFORE).text == original.figure("ho_can_ngheo", "rate",
                                                                                     on=BEFORE).text
    listing = text_of(an.get(servers.staff_url + "/figures", params={"q": "poor_rate"}))
    assert "đổi từ 01/03/2027" in listing

    # One person may roll back: the old rate applies again on that later day.
    page_an = an.get(servers.staff_url + FIGURE).text
    rolled = an.post(servers.staff_url + FIGURE + "/rollback", allow_redirects=False,
                     data={"csrf": csrf(an, servers), **button_fields(page_an, FIGURE + "/rollback")})
    assert rolled.status_code == 303
    tables = PolicyTables.load(content(servers))
    assert tables.values("facts", "poor_rate")[index].fields["withdrawn_by"] == "an"
    assert tables.value("facts", "poor_rate", on=AFTER) == old_rate
    assert old_text in poor_answer(tables, AFTER) and new_text not in poor_answer(tables, AFTER)
    history = text_of(an.get(servers.staff_url + FIGURE))
    assert "đã thu hồi" in history and "duyệt: binh" in history


def test_the_figure_sheet_exports_every_entry_and_an_import_only_proposes(servers):
    an = staff_client.login(servers.staff_url, "an")
    token = re.search(r'name="csrf" value="([^"]+)"', an.get(servers.staff_url + "/figures/transfer").text).group(1)
    before = PolicyTables.load(content(servers))
    for name in ("figures.xlsx", "figures.csv"):
        exported = an.get(f"{servers.staff_url}/export/{name}")
        assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
        unchanged = an.post(servers.staff_url + "/import/figures", data={"csrf": token},
                            files={"file": (name, exported.content)})
        assert unchanged.status_code == 200 and "0 đề xuất mới" in text_of(unchanged)
    table = list(csv.reader(io.StringIO(an.get(servers.staff_url + "/export/figures.csv").content.decode("utf-8-sig"))))
    count = sum(len(before.values(g, k)) for g, k in before.figure_keys())
    assert len(table) - 1 == count
    row = next(r for r in table[1:] if r[0] == "facts" and r[1] == "poor_rate")
    new_row = list(row)
    new_row[3:8] = ["", "01/07/2027", "", "5,9", ""]
    new_row[9], new_row[11:14] = "Quyết định thử nghiệm 02/2027/QĐ-TTg", ["", "", ""]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table + [new_row])
    upload = {"file": ("figures.csv", buffer.getvalue().encode("utf-8-sig"))}
    dry = an.post(servers.staff_url + "/import/figures", data={"csrf": token, "dry_run": "1"}, files=upload)
    assert dry.status_code == 200 and "1 đề xuất mới" in text_of(dry) and "Chưa lưu gì" in text_of(dry)
    assert PolicyTables.load(content(servers)).values("facts", "poor_rate") == before.values("facts", "poor_rate")
    done = an.post(servers.staff_url + "/import/figures", data={"csrf": token}, files=upload)
    assert done.status_code == 200 and "Đã gửi 1 đề xuất" in text_of(done)
    after = PolicyTables.load(content(servers))
    added = after.values("facts", "poor_rate")[-1]
    assert (added.state, added.fields["proposed_by"], added.fields["value"]) == (dated.PENDING, "an", 5.9)
    assert after.value("facts", "poor_rate", on=date(2027, 8, 1)) == before.value("facts", "poor_rate",
                                                                                  on=date(2027, 8, 1))
    page = an.get(servers.staff_url + FIGURE).text  # tidy up for the next test: take the proposal back
    taken = an.post(servers.staff_url + FIGURE + "/reject", data={"csrf": token, **button_fields(page, FIGURE + "/reject")},
                    allow_redirects=False)
    assert taken.status_code == 303


def ask(bot: BotServers, done: Callable[[str], bool], timeout: float = 30.0) -> str:
    """The bot's answer to QUESTION, asked again until ``done(answer)`` (the bot reloads figures every 5 s)."""
    started, reply = time.monotonic(), ""
    while time.monotonic() - started < timeout:
        reply = texts(bot.say(new_sender("figures"), QUESTION))
        if done(reply):
            break
        time.sleep(1)
    return reply


def test_the_running_bot_says_the_approved_rate_after_its_day_without_a_restart(servers):
    if not current_model().exists():
        pytest.skip("no trained Rasa model (run scripts/setup.sh)")
    an, binh = staff_client.login(servers.staff_url, "an"), staff_client.login(servers.staff_url, "binh")
    original = PolicyTables.load(content(servers))
    old_text = dated.rate_text(original.value("facts", "poor_rate", on=AFTER))
    new_text = dated.rate_text(float(NEW_RATE.replace(",", ".")))
    servers.extra_env["POLICY_TODAY"] = AFTER.isoformat()  # the bot's day: after 01/03/2027 (the staff app keeps today)
    servers.start_actions()
    servers.start_rasa()
    assert propose(an, servers, "save").status_code == 303
    time.sleep(6)  # longer than the bot's reload interval: a pending value must not reach it
    reply = ask(servers, lambda r: old_text in r)
    assert old_text in reply and new_text not in reply, reply  # the date has passed, but nobody approved it

    page = binh.get(servers.staff_url + FIGURE).text
    assert binh.post(servers.staff_url + FIGURE + "/approve", allow_redirects=False,
                     data={"csrf": csrf(binh, servers), **button_fields(page, FIGURE + "/approve")}).status_code == 303
    started = time.monotonic()
    reply = ask(servers, lambda r: new_text in r)
    print(f"\napproval → bot says the new rate: {time.monotonic() - started:.1f} s")
    assert new_text in reply, reply
    assert old_text not in without_history(PolicyTables.load(content(servers)), AFTER, reply), reply

    page = an.get(servers.staff_url + FIGURE).text
    assert an.post(servers.staff_url + FIGURE + "/rollback", allow_redirects=False,
                   data={"csrf": csrf(an, servers), **button_fields(page, FIGURE + "/rollback")}).status_code == 303
    reply = ask(servers, lambda r: new_text not in r)
    assert old_text in reply and new_text not in reply, reply
