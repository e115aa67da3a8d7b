"""Diacritic restoration for questions typed without marks (the embedding model needs them)."""

from __future__ import annotations

import pytest

from knowledge.corpus import load_faq
from vntext.diacritics import DiacriticRestorer, needs_restoration


@pytest.fixture(scope="module")
def restorer() -> DiacriticRestorer:
    return DiacriticRestorer(q for entry in load_faq() for q in [*entry.questions, entry.answer])


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("lai suat vay ho can ngheo bao nhieu", "lãi suất vay hộ cận nghèo bao nhiêu"),
        ("thu tuc vay von sinh vien", "thủ tục vay vốn sinh viên"),
        ("diem giao dich xa o dau", "điểm giao dịch xã ở đâu"),
    ],
)
def test_restores_domain_questions(restorer, typed, expected):
    assert restorer.restore(typed) == expected


def test_keeps_what_was_typed_with_marks_and_unknown_words(restorer):
    assert restorer.restore("lãi suất qwxyz") == "lãi suất qwxyz"


@pytest.mark.parametrize(
    "text, expected",
    [("lai suat ho ngheo", True), ("Lãi suất hộ nghèo", False), ("lãi suat ho ngheo bao nhieu", True), ("", False)],
)
def test_needs_restoration(text, expected):
    assert needs_restoration(text) is expected
