"""A citizen in despair gets support and emergency numbers before anything else."""

from __future__ import annotations

import pytest

from knowledge.distress import plans_violence, shows_despair, support_message
from knowledge.tables import PolicyTables


@pytest.mark.parametrize("message", [
    "nợ tín dụng đen nhiều quá, bọn nó gọi khủng bố cả nhà, tôi không muốn sống nữa",
    "no qua roi khong muon song nua",
    "chắc em phải tự tử mất",
    "muốn chết quách cho xong",
])
def test_despair_is_recognised_with_or_without_diacritics(message):
    assert shows_despair(message)


@pytest.mark.parametrize("message", [
    "từ từ để tôi hỏi tiếp", "tôi cần tư vấn vay vốn", "lãi suất hộ nghèo", "sống ở nông thôn có được vay không",
])
def test_ordinary_questions_are_not_mistaken_for_despair(message):
    assert not shows_despair(message)


def test_support_message_gives_the_emergency_numbers_from_the_tables():
    tables = PolicyTables.load()
    text = support_message(tables)
    assert tables.figure("facts", "hotline_113").text in text and tables.figure("facts", "hotline_115").text in text
    assert "{{" not in text


@pytest.mark.parametrize("message, meant", [
    ("bọn đòi nợ ngày nào cũng đến chửi bới, tôi định cầm dao ra xử chúng nó", True),
    ("chủ nợ đến đòi tiền, tôi định đánh nó", True),
    ("toi se cam dao ra noi chuyen voi bon doi no", True),
    ("tụi nó tạt sơn nhà tôi, mai gọi anh em đến đánh lại cho biết tay", True),
    ("Cho tôi hỏi đánh giá hộ nghèo thế nào", False),
    ("Vay hộ nghèo để đánh bắt cá được không", False),
    ("Chương trình vay Quyết định 31/2007 dành cho ai?", False),  # "dành cho" folds to "danh cho"
    ("uu dai cao nhat danh cho ai", False),
    ("tôi muốn vay để xử lý nợ cũ", False),
])
def test_meaning_to_hit_back_is_recognised(message, meant):
    assert plans_violence(message) is meant
