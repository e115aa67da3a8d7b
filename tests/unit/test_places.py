"""Old commune names → the commune/ward of thành phố Hải Phòng now, and where to apply.

Expected units were checked with vietnamadminunits 1.0.4 and with the official
conversion table shipped in vietnam-provinces 2026.9.0 (both agree on all of them);
those marked "news" also match published text: the UBTVQH resolution on Hải Phòng's
communes (phường Dương Quan and Thủy Đường → phường Thủy Nguyên) and reports that
thị trấn Ninh Giang, xã Hồng Dụ, Hiệp Lực and Vĩnh Hòa became xã Ninh Giang.
"""

from __future__ import annotations

import re
import sys
import time
from types import SimpleNamespace
from typing import Any, Dict

import pytest

from vntext.normalise import fold
from knowledge import places
from knowledge.answering import Answerer
from knowledge.places import Place, find_place
from knowledge.province import load
from knowledge.where_to_go import GENERIC_OFFICE, where_to_go_message

pytestmark = pytest.mark.skipif(places.library_version() is None, reason="vietnamadminunits not installed")

HAI_PHONG = "Thành phố Hải Phòng"

# (message, old name as recognised, current unit)
OLD_HAI_DUONG = [
    ("xã Thanh Xá, huyện Thanh Hà", "Xã Thanh Xá", "Xã Thanh Hà"),  # merged into Thanh Tân in 2019
    ("thị trấn Kẻ Sặt, huyện Bình Giang", "Thị trấn Kẻ Sặt", "Xã Kẻ Sặt"),
    ("thị trấn Thanh Hà", "Thị trấn Thanh Hà", "Xã Thanh Hà"),
    ("xã Thanh Quang huyện Thanh Hà", "Xã Thanh Quang", "Xã Hà Đông"),
    ("phường An Lưu, thị xã Kinh Môn", "Phường An Lưu", "Phường Kinh Môn"),
    ("phường Hiến Thành Kinh Môn", "Phường Hiến Thành", "Phường Nguyễn Đại Năng"),
    ("phường Sao Đỏ, thành phố Chí Linh", "Phường Sao Đỏ", "Phường Chu Văn An"),
    ("xã Lê Lợi, Chí Linh", "Xã Lê Lợi", "Phường Trần Hưng Đạo"),
    ("thị trấn Nam Sách", "Thị trấn Nam Sách", "Xã Nam Sách"),
    ("xã An Sơn huyện Nam Sách", "Xã An Sơn", "Xã Thái Tân"),
    ("thị trấn Tứ Kỳ", "Thị trấn Tứ Kỳ", "Xã Tứ Kỳ"),
    ("xã Dân Chủ huyện Tứ Kỳ", "Xã Dân Chủ", "Xã Tân Kỳ"),
    ("thị trấn Ninh Giang", "Thị trấn Ninh Giang", "Xã Ninh Giang"),  # news
    ("xã Hồng Dụ, huyện Ninh Giang", "Xã Hồng Dụ", "Xã Ninh Giang"),  # news
    ("xã Hiệp Lực huyện Ninh Giang", "Xã Hiệp Lực", "Xã Ninh Giang"),  # news
    ("xã Cẩm Hưng huyện Cẩm Giàng", "Xã Cẩm Hưng", "Xã Cẩm Giàng"),
    ("thị trấn Phú Thái, huyện Kim Thành", "Thị trấn Phú Thái", "Xã Phú Thái"),
    ("phường Trần Hưng Đạo, thành phố Hải Dương", "Phường Trần Hưng Đạo", "Phường Hải Dương"),
    ("phường Tân Bình, tp Hải Dương", "Phường Tân Bình", "Phường Lê Thanh Nghị"),
]
# Old units split between several current ones: all of them are named.
SPLIT = [
    ("xã Thúc Kháng, huyện Bình Giang", {"Xã Đường An", "Xã Thượng Hồng"}),
    ("thị trấn Gia Lộc", {"Xã Gia Lộc", "Xã Gia Phúc"}),
    ("thị trấn Lai Cách, Cẩm Giàng", {"Phường Việt Hòa", "Phường Tứ Minh"}),
    ("thị trấn Thanh Miện", {"Xã Thanh Miện", "Xã Trường Tân"}),
]
NO_PLACE = [
    "vay hộ nghèo lãi bao nhiêu",
    "xã tôi có điểm giao dịch không",
    "vay vốn giải quyết việc làm ở đâu",
    "nhà tôi ở xa thành phố, có vay được không",
    "phương án sản xuất kinh doanh viết thế nào",
    "đoàn kết, dân chủ, cộng hòa",
    "toi o xa, lam ho so o dau",
    "Hải Dương có chi nhánh ngân hàng chính sách không",
]
ACCEPTANCE = "tôi ở xã Thanh Xá huyện Thanh Hà cũ thì làm hồ sơ vay ở đâu"


def _unaccented(text: str) -> str:
    return fold(text)


@pytest.mark.parametrize("message,old,current", OLD_HAI_DUONG)
def test_old_hai_duong_units_map_to_their_current_unit(message, old, current):
    place = find_place(message)
    assert place is not None, message
    assert place.current_names == (current,), message
    assert place.old_name == old
    assert place.current_province == HAI_PHONG
    assert place.changed
    assert place.settled


@pytest.mark.parametrize("message,old,current", OLD_HAI_DUONG)
def test_the_same_without_diacritics_and_with_the_old_province(message, old, current):
    place = find_place(_unaccented(message) + " tinh hai duong")
    assert place is not None and place.current_names == (current,), message


@pytest.mark.parametrize("message,expected", SPLIT)
def test_a_split_old_unit_names_every_current_unit(message, expected):
    place = find_place(message)
    assert place is not None and set(place.current_names) == expected
    assert not place.settled


def test_old_hai_phong_wards_follow_the_ubtvqh_resolution():
    for message in ("phường Dương Quan, thành phố Thủy Nguyên", "phuong thuy duong thuy nguyen"):
        place = find_place(message)
        assert place is not None and place.current_names == ("Phường Thủy Nguyên",), message


def test_old_town_then_old_district_without_a_type_word():
    for message in ("thi tran ke sat binh giang", "Kẻ Sặt Bình Giang", "tt ke sat"):
        place = find_place(message)
        assert place is not None, message
        assert place.old_name == "Thị trấn Kẻ Sặt" and place.current_names == ("Xã Kẻ Sặt",)
        assert place.old_districts == ("Huyện Bình Giang",)


def test_a_current_unit_is_recognised_as_unchanged():
    place = find_place("tôi ở xã Kẻ Sặt")
    assert place == Place("Xã Kẻ Sặt", ("Xã Kẻ Sặt",), HAI_PHONG, False)


def test_a_name_shared_by_an_old_and_a_current_unit_follows_the_old_district():
    assert find_place("phường Trần Hưng Đạo").current_names == ("Phường Trần Hưng Đạo",)
    assert find_place("phường Trần Hưng Đạo").also_an_old_name
    assert find_place("phường Trần Hưng Đạo, Hải Dương").current_names == ("Phường Hải Dương",)


def test_the_same_old_name_in_two_old_districts_is_not_guessed():
    place = find_place("xã Tân Việt")
    assert set(place.old_districts) == {"Huyện Thanh Hà", "Huyện Bình Giang"}
    assert not place.settled
    assert find_place("xã Tân Việt huyện Bình Giang").old_districts == ("Huyện Bình Giang",)


@pytest.mark.parametrize("message", NO_PLACE)
def test_messages_without_a_place_find_none(message):
    assert find_place(message) is None


def test_units_of_other_provinces_are_not_recognised():
    assert find_place("phường Hoàn Kiếm, quận Hoàn Kiếm, Hà Nội") is None
    assert find_place("phường Hoàn Kiếm", province="Thành phố Hà Nội") is not None


def test_the_package_itself_is_never_imported():
    """Its convert_address geocodes online (geopy/ArcGIS); only its data files are read."""
    find_place(ACCEPTANCE)
    assert "vietnamadminunits" not in sys.modules
    assert "geopy" not in sys.modules


def test_the_data_loads_once_and_lookups_are_cheap():
    places._cache.clear()
    started = time.perf_counter()
    find_place(ACCEPTANCE)
    first = time.perf_counter() - started
    messages = [m for m, _, _ in OLD_HAI_DUONG] + NO_PLACE
    started = time.perf_counter()
    for message in messages * 10:
        find_place(message)
    per_call = (time.perf_counter() - started) / (len(messages) * 10)
    print(f"first call {first * 1000:.0f} ms, then {per_call * 1000:.2f} ms per message")
    assert len(places._cache) == 1
    assert first < 2.0 and per_call < 0.005


# -- the reply ---------------------------------------------------------------------------
def _no_current_district(text: str) -> None:
    """Every district named in a reply is an old one ("huyện Thanh Hà cũ")."""
    for match in re.finditer(r"\b([Hh]uyện|[Qq]uận|[Tt]hị xã)((?: [A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][^\s,.;()]*)+)", text):
        assert text[match.end():].startswith(" cũ"), (match.group(0), text)


def test_the_acceptance_question_gets_the_current_commune_and_its_transaction_point():
    settings = load()
    place = find_place(ACCEPTANCE)
    assert place is not None and place.current_names == ("Xã Thanh Hà",)
    message = where_to_go_message(place, settings)
    assert message.startswith("Xã Thanh Xá (huyện Thanh Hà cũ) nay thuộc Xã Thanh Hà, thành phố Hải Phòng.")
    assert "Điểm giao dịch xã của Ngân hàng Chính sách xã hội đặt tại trụ sở UBND Xã Thanh Hà" in message
    assert "Tổ tiết kiệm và vay vốn" in message
    assert GENERIC_OFFICE in message  # the shipped settings list no Phòng giao dịch
    assert "\n\nNguồn: " in message and "vietnamadminunits" in message
    _no_current_district(message)


@pytest.mark.parametrize("message,old,current", OLD_HAI_DUONG)
def test_no_reply_names_a_district_as_current(message, old, current):
    text = where_to_go_message(find_place(message), load())
    assert current in text and "Hải Phòng" in text
    _no_current_district(text)


def test_split_and_ambiguous_replies_name_every_candidate():
    settings = load()
    split = where_to_go_message(find_place("xã Thúc Kháng huyện Bình Giang"), settings)
    assert "Xã Đường An hoặc Xã Thượng Hồng" in split
    ambiguous = where_to_go_message(find_place("xã Tân Việt"), settings)
    assert "huyện Thanh Hà cũ" in ambiguous and "huyện Bình Giang cũ" in ambiguous
    assert "cho biết thêm huyện cũ" in ambiguous
    _no_current_district(split)
    _no_current_district(ambiguous)


def _settings(offices: Any, verified: bool, days: Dict[str, str]) -> Dict[str, Any]:
    settings = load()
    settings["vbsp_branch"]["transaction_offices"] = {"value": offices, "verified": verified}
    settings["transaction_points"]["days_by_commune"] = {"value": days, "verified": verified}
    return settings


def test_a_verified_transaction_office_and_day_are_told_unverified_ones_are_not():
    place = Place("Xã Cũ", ("Xã Mới",), HAI_PHONG, True, ("Huyện Xưa",))
    offices = [{"name": "Phòng giao dịch NHCSXH Mẫu", "address": "Số 1 đường Mẫu", "communes": ["xa moi"]}]
    told = where_to_go_message(place, _settings(offices, True, {"Xã Mới": "ngày 15 hằng tháng"}))
    assert "Xã Cũ (huyện Xưa cũ) nay thuộc Xã Mới" in told
    assert "Phòng giao dịch NHCSXH Mẫu (Số 1 đường Mẫu)" in told and GENERIC_OFFICE not in told
    assert "ngày giao dịch: ngày 15 hằng tháng" in told
    untold = where_to_go_message(place, _settings(offices, False, {"Xã Mới": "ngày 15 hằng tháng"}))
    assert "Mẫu" not in untold and "ngày 15" not in untold and GENERIC_OFFICE in untold
    other = where_to_go_message(place, _settings(offices[:0] + [{**offices[0], "communes": ["Xã Khác"]}], True, {}))
    assert GENERIC_OFFICE in other


# -- the hook in Answerer.answer ------------------------------------------------------------
class _Searched(Exception):
    pass


def _answerer() -> Answerer:
    def search(*_args, **_kwargs):
        raise _Searched

    retriever = SimpleNamespace(available=True, settings={"answering": {}}, search=search,
                                index=SimpleNamespace(faq_by_id={}, faq=[]))
    return Answerer(retriever, tables=None)


def test_answerer_answers_where_to_go_for_a_named_commune():
    answer = _answerer().answer(ACCEPTANCE)
    assert answer.answer_id == "where-to-go-commune"
    assert answer.kind == "faq"
    assert "Xã Thanh Hà, thành phố Hải Phòng" in answer.text
    assert "Điểm giao dịch xã" in answer.text
    assert answer.sources and "Nguồn: " in answer.message()
    unaccented = _answerer().answer("toi o xa thanh xa huyen thanh ha thi nop ho so o dau")
    assert unaccented.answer_id == "where-to-go-commune" and "Xã Thanh Hà" in unaccented.text


@pytest.mark.parametrize("question", [
    "vay vốn ở đâu",  # where, but no commune
    "xã Thanh Xá huyện Thanh Hà vay hộ nghèo lãi bao nhiêu",  # a commune, but not where
])
def test_answerer_leaves_other_questions_to_retrieval(question):
    with pytest.raises(_Searched):
        _answerer().answer(question)
