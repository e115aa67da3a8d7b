"""Validation of an entry before saving: what staff are told, in Vietnamese, and what blocks a save."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from knowledge.retriever import Retriever
from staff.faq_store import FaqStore, normalise
from staff.history import History
from staff.validation import EntryValidator, Problem, parse_figures
from knowledge.tables import PolicyTables
from tests.knowledge_copy import copy_content

TABLES = PolicyTables.load()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = copy_content(tmp_path_factory.mktemp("knowledge") / "k")
    return FaqStore(root, History(root / "history")).entries()


def entry(**changes: Any) -> Dict[str, Any]:
    base = {
        "id": "muc-moi", "question": "Vay vốn nuôi ong có cần giấy xác nhận của trưởng thôn không?",
        "paraphrases": ["vay nuoi ong can giay gi", "nuôi ong vay vốn cần xác nhận gì", "vay vốn nuôi ong thủ tục"],
        "answer": "Anh/chị hỏi Tổ TK&VV nơi cư trú.", "sources": ["Nghị định 78/2002/NĐ-CP"],
        "programmes": [], "topic": "procedure", "tags": [], "reviewed": "2026-11-26",
    }
    return normalise({**base, **changes})


def messages(problems: List[Problem], field: str = "") -> str:
    return "\n".join(p.message for p in problems if not field or p.field == field)


def errors(problems: List[Problem]) -> List[Problem]:
    return [p for p in problems if p.level == "error"]


def test_a_complete_entry_has_no_errors(saved):
    assert errors(EntryValidator(TABLES).validate(entry(), saved)) == []


def test_empty_answer_and_missing_source_are_explained(saved):
    problems = EntryValidator(TABLES).validate(entry(answer="  ", sources=[]), saved)
    assert "Câu trả lời đang để trống" in messages(problems, "answer")
    assert "Chưa ghi nguồn" in messages(problems, "sources")


def test_a_rate_that_contradicts_the_table_names_the_table_figure_and_the_placeholder(saved):
    problems = EntryValidator(TABLES).validate(
        entry(question="Lãi suất vay hộ nghèo là bao nhiêu?", answer="Hộ nghèo vay với lãi suất 7%/năm."), saved)
    text = messages(errors(problems), "answer")
    assert "«7%/năm» mâu thuẫn" in text
    assert TABLES.figure("ho_ngheo", "rate").text in text
    assert "{{ho_ngheo.rate}}" in text


def test_a_correct_figure_typed_by_hand_still_asks_for_the_placeholder(saved):
    typed = TABLES.figure("ho_ngheo", "term").text.replace("tối đa ", "")  # "120 tháng"
    problems = EntryValidator(TABLES).validate(
        entry(answer=f"Hộ nghèo vay được tối đa {typed}.", programmes=["ho_ngheo"]), saved)
    assert "{{ho_ngheo.term}}" in messages(errors(problems))
    assert "mâu thuẫn" not in messages(problems)


def test_an_unknown_placeholder_is_an_error(saved):
    problems = EntryValidator(TABLES).validate(entry(answer="Lãi suất {{ho_ngheo.lai_suat}}."), saved)
    assert "{{ho_ngheo.lai_suat}}" in messages(errors(problems), "answer")


def test_a_question_another_entry_already_has_is_reported_with_that_entry(saved):
    other = saved[0].data
    problems = EntryValidator(TABLES).validate(entry(question=other["question"].upper()), saved)
    assert f"mục {other['id']}" in messages(errors(problems), "question")


def test_figures_are_read_in_vietnamese_notation():
    assert parse_figures("6,6%/năm (0,55%/tháng)") == [("rate_year", 6.6), ("rate_month", 0.55)]
    assert parse_figures("tối đa 100 triệu đồng") == [("money", 100_000_000.0)]
    assert parse_figures("5 năm") == [("duration", 60.0)]


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    found = Retriever()
    assert found.available, "run scripts/setup.sh to build the index"
    return found


def test_a_question_the_bot_already_answers_with_another_entry_is_a_warning(saved, retriever):
    validator = EntryValidator(TABLES, retriever)
    problems = validator.validate(entry(question="Hộ nghèo vay vốn ngân hàng chính sách lãi suất bao nhiêu vậy?"), saved)
    warnings = [p for p in problems if p.level == "warning"]
    assert warnings and "mục lai-suat-ho-ngheo đã trả lời câu này" in messages(warnings)


def test_editing_an_entry_does_not_warn_about_the_entry_itself(saved, retriever):
    own = next(item for item in saved if item.data["id"] == "lai-suat-ho-ngheo").data
    problems = EntryValidator(TABLES, retriever).validate(own, saved)
    assert "mục lai-suat-ho-ngheo («" not in messages(problems)


def test_an_edit_after_which_the_bot_would_answer_the_question_with_another_entry_is_a_warning(saved, retriever):
    own = next(item for item in saved if item.data["id"] == "lai-suat-ho-ngheo").data
    validator = EntryValidator(TABLES, retriever)
    assert not [p for p in validator.validate(own, saved) if "Sau khi lưu" in p.message]
    # Many extra ways of asking lengthen the entry's BM25 text until "hộ cận nghèo" wins its own question.
    padded = {**own, "paraphrases": own["paraphrases"] + [f"hộ nghèo hỏi lãi suất lần thứ {n} ạ" for n in range(8)]}
    warnings = [p for p in validator.validate(padded, saved) if "Sau khi lưu" in p.message]
    assert warnings and warnings[0].level == "warning" and "mục lai-suat-ho-can-ngheo" in warnings[0].message
