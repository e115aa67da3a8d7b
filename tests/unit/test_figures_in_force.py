"""No superseded figure is ever stated as current, on either side of a change.

Every FAQ answer, every programme line of the advisor, the black-credit calculator's
legal-limit lines and the staff answer check are rendered with "today" set to the day
before and the day of the 1/12/2025 rate cut, the last day of 2026 and the first day of
the 2027 poverty standard. A value that some rate or poverty line had on another day,
and that no figure has on this day, may appear only in a sentence about history (the
``.previous`` / ``.history`` / ``.next`` sentences, which carry their dates).
"""

from __future__ import annotations

from datetime import date
from typing import Dict, Set

import pytest

from knowledge.advisor import advice_message, programme_details
from knowledge.answering import faq_answer
from knowledge.black_credit import assess
from knowledge.corpus import load_faq
from knowledge.figure_audit import history_removed, pattern, superseded_forms
from knowledge.eligibility import PURPOSE_NAMES, TIER_NAMES
from knowledge.tables import PolicyTables

DAYS = (date(2025, 11, 30), date(2025, 12, 1), date(2026, 12, 31), date(2027, 1, 1))
FAQ = load_faq()
LOAN_STORIES = (
    "vay 10 triệu mỗi ngày trả lãi 50 nghìn",
    "vay 5 triệu một tháng sau trả 6 triệu",
    "vay 100 triệu lãi 1,5%/tháng",
)


def tables_on(day: date) -> PolicyTables:
    return PolicyTables.load(clock=lambda: day)


def stale_forms(day: date) -> Set[str]:
    return superseded_forms(tables_on(day), day, DAYS)


def outputs(day: date) -> Dict[str, str]:
    """Everything the bot states with figures, rendered on ``day``, history sentences removed."""
    tables = tables_on(day)
    texts: Dict[str, str] = {}
    for entry in FAQ:
        history = tables.render(entry.answer).history
        texts[f"faq {entry.id}"] = history_removed(faq_answer(entry, tables).message(), history)
    for tier in TIER_NAMES:
        for purpose in PURPOSE_NAMES:
            texts[f"advisor {tier}/{purpose}"] = advice_message(tables, tier, purpose)
    for programme in tables.programmes:
        texts[f"details {programme}"] = programme_details(tables, programme) or ""
    for story in LOAN_STORIES:
        assessment = assess(story, tables)
        assert assessment is not None, story
        texts[f"calculator {story}"] = assessment.text + " " + " ".join(assessment.sources)
    return texts


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_no_superseded_figure_is_stated_as_current(day):
    stale = stale_forms(day)
    assert stale, "the tables hold values that changed; the check must have something to look for"
    stale_re = pattern(stale)
    wrong = {name: stale_re.findall(text) for name, text in outputs(day).items() if stale_re.search(text)}
    assert not wrong, f"superseded figures stated as current on {day}: {wrong}"


@pytest.mark.slow
def test_the_staff_answer_check_states_figures_in_force():
    """The officers' check shows each figure with the value, document and date in force."""
    from knowledge.retriever import Retriever
    from staff.check import AnswerChecker, IntentResult, format_report
    from staff.config import StaffConfig

    retriever = Retriever()
    assert retriever.available, "run scripts/setup.sh to build the index"
    questions = [entry.question for entry in FAQ if "rate" in entry.answer or "poverty" in entry.answer]
    assert questions
    for day in DAYS:
        stale_re = pattern(stale_forms(day))
        checker = AnswerChecker(retriever, tables_on(day), StaffConfig())
        for question in questions:
            report = checker.check(question, IntentResult(error="không hỏi Rasa trong kiểm thử"))
            entry = next((e for e in FAQ if e.id == report.answer.answer_id), None)
            history = tables_on(day).render(entry.answer).history if entry else []
            text = history_removed(format_report(report), history)
            assert not stale_re.search(text), (day, question, stale_re.findall(text))


def test_a_document_passage_with_a_superseded_figure_says_it_is_history():
    """Documents keep old figures (they are history); the passage shown must say so."""
    from knowledge.corpus import chunk_document, load_documents

    stale_re = pattern(stale_forms(date(2026, 12, 7)))
    unmarked = [passage.id for document in load_documents() for passage in chunk_document(document)
                if stale_re.search(passage.text) and not passage.history_note]
    assert not unmarked, f"passages stating superseded figures without a history note: {unmarked}"
