"""What a short question asks about (the answer kept to that aspect: tests/unit/test_answering.py)."""

from __future__ import annotations

import pytest

from knowledge.question_aspects import asked_topics


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
