"""Folding and splitting Vietnamese text the same way everywhere."""

import unicodedata

import pytest

from vntext.lexicon import load_lexicon
from vntext.normalise import fold, folded_words, has_diacritics, iter_pieces


@pytest.mark.parametrize(
    "text, folded",
    [("Hộ nghèo", "ho ngheo"), ("ĐƯỜNG ĐI", "duong di"), ("lãi xuất", "lai xuat"), ("abc 123", "abc 123")],
)
def test_fold(text, folded):
    assert fold(text) == folded
    assert fold(unicodedata.normalize("NFD", text)) == folded


@pytest.mark.parametrize("text, expected", [("ho ngheo", False), ("hộ nghèo", True), ("Đi", True), ("OK 100%", False)])
def test_has_diacritics(text, expected):
    assert has_diacritics(text) is expected


def test_pieces_keep_codes_and_numbers_whole():
    pieces = [p for p, _, _ in iter_pieces("mẫu 01/TD, lãi 6,6%/năm, tổ TK&VV, 39-CT/TW")]
    assert {"01/TD", "6,6", "TK&VV", "39-CT/TW"} <= set(pieces)


def test_folded_words_drop_punctuation():
    assert folded_words("Vay ở đâu?!") == ["vay", "o", "dau"]


def test_every_lexicon_term_is_one_span_in_any_spelling():
    lexicon = load_lexicon()
    for term in lexicon.terms:
        for spelling in (term.canonical, fold(term.canonical), term.canonical.upper()):
            spans = lexicon.segment(spelling)
            assert [s.term for s in spans] == [term], spelling


def test_abbreviations_expand():
    lexicon = load_lexicon()
    assert lexicon.expand("dc") == "được" and lexicon.expand("Ko") == "không"
    assert lexicon.expand("vay") == "vay"
