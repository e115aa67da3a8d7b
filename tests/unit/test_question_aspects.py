"""What a short question asks about, and the answer kept to that aspect."""

from __future__ import annotations

import pytest

from knowledge.answering import Answerer
from knowledge.question_aspects import asked_topics
from knowledge.retriever import Retriever
from knowledge.tables import PolicyTables


@pytest.mark.parametrize("question, topics", [
    ("Hộ vừa thoát nghèo được vay tới bao nhiêu?", {"limits_terms"}),
    ("vay von tao viec lam chiu lai bao nhieu", {"rates"}),
    ("đi xkld có đc nhcs cho vay ko", {"eligibility"}),
    ("Có được vay tối đa 100 triệu không?", {"limits_terms"}),  # the amount, not whether one may borrow
    ("làm hồ sơ vay xkld ở đâu", {"documents", "procedure", "where"}),
    ("Xin chào", set()),
])
def test_the_aspect_asked(question, topics):
    assert asked_topics(question) == topics


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    retriever = Retriever()
    assert retriever.available, "run scripts/setup.sh to build the index"
    return Answerer(retriever, PolicyTables.load())


def test_an_amount_question_gets_the_amount_entry_of_its_programme(answerer):
    answer = answerer.answer("Hộ vừa thoát nghèo muốn vay mở rộng chăn nuôi thì được vay tới bao nhiêu?")
    entry = answerer.retriever.index.faq_by_id[answer.answer_id]
    assert entry.topic == "limits_terms" and "ho_moi_thoat_ngheo" in entry.programmes, answer.reason


def test_an_answer_on_the_asked_aspect_is_kept(answerer):
    answer = answerer.answer("Lãi suất cho vay hộ nghèo là bao nhiêu?")
    assert answer.answer_id == "lai-suat-ho-ngheo"


def test_a_short_question_whose_near_entry_agrees_on_aspect_and_programme_is_answered(answerer):
    answer = answerer.answer("cận nghèo vay thì lãi răng, mỗi tháng đóng mấy phần trăm rứa")
    assert answer.kind == "faq" and answer.answer_id == "lai-suat-ho-can-ngheo", answer.reason


def test_a_civil_cap_question_is_not_turned_into_a_policy_rate(answerer):
    """It asks a rate, but its entry is about no programme: no policy rate replaces it."""
    answer = answerer.answer("luat cho phep lay lai toi da may phan tram khi cho nguoi quen vay")
    entry = answerer.retriever.index.faq_by_id[answer.answer_id]
    assert entry.topic != "rates", answer.reason
