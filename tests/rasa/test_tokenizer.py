"""The Vietnamese tokenizer and lexicon entity extractor as Rasa graph components."""

from __future__ import annotations

import unicodedata
from typing import List

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.lexicon_entity_extractor import LexiconEntityExtractor
from bot.nlu.underthesea_tokenizer import UndertheseaTokenizer


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory) -> UndertheseaTokenizer:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    return UndertheseaTokenizer.create(
        UndertheseaTokenizer.get_default_config(), storage, Resource("tokenizer"),
        ExecutionContext(graph_schema=None, model_id="test"),
    )


def _process(tokenizer: UndertheseaTokenizer, text: str) -> Message:
    message = Message({TEXT: text})
    tokenizer.process([message])
    LexiconEntityExtractor().process([message])
    return message


def lemmas(tokenizer: UndertheseaTokenizer, text: str) -> List[str]:
    return [t.lemma for t in _process(tokenizer, text).get(TOKENS_NAMES[TEXT])]


def test_domain_terms_stay_whole_tokens(tokenizer):
    tokens = _process(tokenizer, "Ngân hàng Chính sách xã hội cho hộ cận nghèo vay qua Tổ tiết kiệm và vay vốn").get(TOKENS_NAMES[TEXT])
    texts = [t.text for t in tokens]
    assert "Ngân hàng Chính sách xã hội" in texts
    assert "hộ cận nghèo" in texts
    assert "Tổ tiết kiệm và vay vốn" in texts


@pytest.mark.parametrize(
    "accented, plain",
    [
        ("Lãi suất vay hộ nghèo là bao nhiêu?", "lai suat vay ho ngheo la bao nhieu?"),
        ("Thủ tục vay vốn ở điểm giao dịch xã", "thu tuc vay von o diem giao dich xa"),
        ("Hộ mới thoát nghèo được vay không", "HO MOI THOAT NGHEO DUOC VAY KHONG"),
    ],
)
def test_unaccented_text_gets_the_same_lemmas(tokenizer, accented, plain):
    folded_accented = " ".join(lemmas(tokenizer, accented)).replace("_", " ").split()
    folded_plain = " ".join(lemmas(tokenizer, plain)).replace("_", " ").split()
    assert folded_accented == folded_plain


def test_zalo_abbreviations_and_misspellings_are_normalised(tokenizer):
    assert lemmas(tokenizer, "lãi xuất bn 1 tháng dc ko") == ["lai_suat", "bao_nhieu", "1", "thang", "duoc", "khong"]


def test_offsets_point_into_the_original_text(tokenizer):
    text = "nhà e  hộ cận nghèo, muốn vay nuôi bò!"
    for token in _process(tokenizer, text).get(TOKENS_NAMES[TEXT]):
        assert text[token.start:token.end] == token.text


def test_decomposed_unicode_is_understood(tokenizer):
    nfd = unicodedata.normalize("NFD", "Lãi suất hộ cận nghèo")
    tokens = _process(tokenizer, nfd).get(TOKENS_NAMES[TEXT])
    assert [t.lemma for t in tokens] == ["lai_suat", "ho_can_ngheo"]
    assert all(nfd[t.start:t.end] == t.text for t in tokens)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("nhà tôi hộ cận nghèo muốn vay nuôi bò, có được không?", {("household_tier", "ho_can_ngheo"), ("loan_purpose", "chan_nuoi")}),
        ("nha e ho ngheo vay cho con di hoc", {("household_tier", "ho_ngheo"), ("loan_purpose", "hoc_tap")}),
        ("mới thoát nghèo năm ngoái, muốn xây bể nước", {("household_tier", "ho_moi_thoat_ngheo"), ("loan_purpose", "nuoc_sach_ve_sinh")}),
        ("đi xkld nhật", {("loan_purpose", "di_lam_viec_nuoc_ngoai")}),
        ("Lãi suất bao nhiêu?", set()),
        # Negation and time: the tier the household is now, not one it denies or was.
        ("tôi không phải hộ nghèo, cũng không phải cận nghèo, có vay được không", {("household_tier", "khong_thuoc_dien")}),
        ("nha toi ko thuoc ho ngheo muon vay nuoi bo", {("household_tier", "khong_thuoc_dien"), ("loan_purpose", "chan_nuoi")}),
        ("không phải hộ nghèo nhưng nhà tôi là hộ cận nghèo", {("household_tier", "ho_can_ngheo")}),
        ("trước đây là hộ nghèo, năm ngoái đã thoát nghèo", {("household_tier", "ho_moi_thoat_ngheo")}),
    ],
)
def test_lexicon_entities(tokenizer, text, expected):
    entities = _process(tokenizer, text).get(ENTITIES) or []
    assert {(e["entity"], e["value"]) for e in entities} == expected
    for entity in entities:
        assert text[entity["start"]:entity["end"]] == entity["text"]


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "!!!", "<script>alert(1)</script>", "a" * 5000])
def test_odd_input_never_breaks_tokenization(tokenizer, text):
    message = _process(tokenizer, text)
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert tokens is not None
    for token in tokens:
        assert text[token.start:token.end] == token.text
