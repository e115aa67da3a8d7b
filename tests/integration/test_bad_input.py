"""Bad input through the REST channel: every case gets a polite Vietnamese reply.

The cases (tests/data/bad_input_cases.yml) were written by someone who did not see the
channel's code. For each: HTTP 200, at least one non-empty reply in Vietnamese, no stack
trace, nothing harmful echoed, and no personal number in the tracker store or the log.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from pathlib import Path
from typing import Dict, List

import pytest
import requests
import yaml

from vntext.normalise import has_diacritics
from evaluation.servers import BotServers, new_sender, texts

CASES: List[Dict] = yaml.safe_load((Path(__file__).parents[1] / "data" / "bad_input_cases.yml").read_text("utf-8"))
LEAK_MARKERS = ("Traceback", "Exception", "Error:", "rasa.", "sanic", "File \"/")


def request_body(case: Dict, sender: str) -> bytes:
    """The raw HTTP body for a case: some are deliberately not valid UTF-8 or strict JSON."""
    head = json.dumps({"sender": sender})[:-1].encode() + b', "message": "'
    if "message_base64" in case:
        return head + base64.b64decode(case["message_base64"]) + b'"}'
    if "json_escaped" in case:
        return head + case["json_escaped"].encode("utf-8") + b'"}'
    return json.dumps({"sender": sender, "message": message_text(case)}).encode("utf-8")


def message_text(case: Dict) -> str:
    if "repeat" in case:
        spec = case["repeat"]
        return spec.get("prefix", "") + spec["text"] * int(spec["times"]) + spec.get("suffix", "")
    return case.get("message", "")


def personal_numbers(case: Dict) -> List[str]:
    """The personal numbers (digits only, 9+) and e-mail addresses a case carries."""
    text = message_text(case)
    found = [re.sub(r"\D", "", run) for run in re.findall(r"\+?\d[\d .\-()]{7,}\d", text)]
    emails = re.findall(r"([\w.+-]+)\s*(?:@|\(a\)|\[at\])\s*\w", text)  # the part before the @
    return [n for n in found if len(n) >= 9] + emails


def stored_user_texts(bot: BotServers, sender: str) -> str:
    with sqlite3.connect(bot.workdir / "conversations.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    return "\n".join(json.loads(data).get("text") or "" for (data,) in rows) + "\n" + "\n".join(d for (d,) in rows)


@pytest.fixture(scope="module")
def outcomes(bot: BotServers) -> Dict[str, Dict]:
    """Send every case once (in file order, one conversation each) and keep what came back."""
    results = {}
    for case in CASES:
        sender = new_sender("bad")
        response = requests.post(bot.rest_url, data=request_body(case, sender),
                                 headers={"Content-Type": "application/json"}, timeout=60)
        results[case["id"]] = {"sender": sender, "status": response.status_code, "body": response.text}
    return results


def test_there_are_at_least_sixty_cases():
    assert len(CASES) >= 60 and len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_gets_a_polite_vietnamese_reply(outcomes, case):
    outcome = outcomes[case["id"]]
    assert outcome["status"] == 200, outcome["body"][:500]
    replies = json.loads(outcome["body"])
    assert replies and all((r.get("text") or "").strip() or r.get("buttons") for r in replies)
    buttons = [b for r in replies for b in r.get("buttons") or []]
    reply = "\n".join([texts(replies)] + [f"{b.get('title')} {b.get('payload')}" for b in buttons])
    assert has_diacritics(texts(replies)), reply
    assert not any(marker in reply for marker in LEAK_MARKERS), reply
    for echoed in case.get("must_not_echo") or []:
        assert echoed.lower() not in reply.lower(), f"echoed {echoed!r}: {reply[:300]}"


PERSONAL = [c for c in CASES if c.get("personal")]


@pytest.mark.parametrize("case", PERSONAL, ids=[c["id"] for c in PERSONAL])
def test_personal_numbers_are_neither_stored_nor_logged(bot, outcomes, case):
    stored = stored_user_texts(bot, outcomes[case["id"]]["sender"])
    assert stored.strip(), "the conversation was stored"
    flat = re.sub(r"[ .\-()]", "", stored)
    logs = "".join((bot.workdir / name).read_text("utf-8", errors="replace") for name in ("rasa.log", "actions.log"))
    log = re.sub(r"[ .\-()]", "", logs)
    for number in personal_numbers(case):
        needle = re.sub(r"[ .\-()]", "", number)
        assert needle not in flat, f"{number} stored"
        assert needle not in log, f"{number} logged"


def test_personal_data_cases_are_covered():
    assert len(PERSONAL) >= 10 and all(personal_numbers(c) for c in PERSONAL)


@pytest.mark.parametrize("case", CASES[::6], ids=[c["id"] for c in CASES[::6]])
def test_the_conversation_goes_on_after_bad_input(bot, outcomes, tables, case):
    reply = texts(bot.say(outcomes[case["id"]]["sender"], "Lãi suất cho vay hộ nghèo là bao nhiêu?"))
    assert tables.figure("ho_ngheo", "rate").text in reply
