"""The advisor's decision: programmes for a tier and purpose, best preference first."""

from __future__ import annotations

import itertools

import pytest

from knowledge.advisor import advice_message
from knowledge.eligibility import PURPOSE_NAMES, TIER_NAMES, options
from knowledge.tables import PolicyTables

TABLES = PolicyTables.load()
PAIRS = list(itertools.product(TIER_NAMES, PURPOSE_NAMES))


@pytest.mark.parametrize("tier, purpose", PAIRS, ids=[f"{t}-{p}" for t, p in PAIRS])
def test_every_pair_respects_the_table_and_the_ladder(tier, purpose):
    found = options(TABLES, tier, purpose)
    priorities = [o.programme["priority"] for o in found]
    assert priorities == sorted(priorities), "preference ladder order"
    for option in found:
        eligibility = option.programme["eligibility"]
        assert not eligibility.get("household_tiers") or tier in eligibility["household_tiers"]
        assert tier not in (eligibility.get("excluded_tiers") or [])
        assert option.programme.get("open") is not False
    message = advice_message(TABLES, tier, purpose)
    assert message.strip()


@pytest.mark.parametrize(
    "tier, purpose, first",
    [
        ("ho_ngheo", "chan_nuoi", "ho_ngheo"),
        ("ho_ngheo", "san_xuat_kinh_doanh", "ho_ngheo"),
        ("ho_can_ngheo", "trong_trot", "ho_can_ngheo"),
        ("ho_moi_thoat_ngheo", "chan_nuoi", "ho_moi_thoat_ngheo"),
        ("khong_thuoc_dien", "nuoc_sach_ve_sinh", "nuoc_sach"),
        ("khong_thuoc_dien", "di_lam_viec_nuoc_ngoai", "xuat_khau_lao_dong"),
    ],
)
def test_the_expected_programme_comes_first(tier, purpose, first):
    assert options(TABLES, tier, purpose)[0].id == first


def test_poor_before_near_poor_before_newly_escaped():
    ranks = {p["id"]: p["priority"] for p in TABLES.programmes.values()}
    assert ranks["ho_ngheo"] < ranks["ho_can_ngheo"] < ranks["ho_moi_thoat_ngheo"]
    rates = [TABLES.value(p, "rate") for p in ("ho_ngheo", "ho_can_ngheo", "ho_moi_thoat_ngheo")]
    assert rates == sorted(rates)


def test_escaped_poverty_more_than_three_years_ago_is_not_the_newly_escaped_loan():
    found = options(TABLES, "ho_moi_thoat_ngheo", "chan_nuoi", {"thoat_ngheo_duoi_3_nam": False})
    assert "ho_moi_thoat_ngheo" in {o.id for o in found if o.unmet}


def test_urban_household_cannot_take_the_rural_clean_water_loan():
    found = {o.id: o for o in options(TABLES, "khong_thuoc_dien", "nuoc_sach_ve_sinh", {"nong_thon": False})}
    assert "nong_thon" in found["nuoc_sach"].unmet
    message = advice_message(TABLES, "khong_thuoc_dien", "nuoc_sach_ve_sinh", {"nong_thon": False})
    assert TABLES.programmes["nuoc_sach"]["name"] not in message


def test_student_not_yet_admitted_is_not_offered_the_student_loan():
    found = {o.id: o for o in options(TABLES, "ho_can_ngheo", "hoc_tap", {"dang_hoc": False})}
    assert "dang_hoc" in found["hssv"].unmet
    message = advice_message(TABLES, "ho_can_ngheo", "hoc_tap", {"dang_hoc": False})
    assert TABLES.programmes["hssv"]["name"] not in message


def test_advice_renders_figures_from_the_table_with_sources():
    message = advice_message(TABLES, "ho_can_ngheo", "chan_nuoi")
    assert TABLES.figure("ho_can_ngheo", "rate").text in message
    assert "Nguồn:" in message


def test_each_document_is_cited_once_in_the_advice():
    from knowledge.advisor import _one_per_document

    cited = _one_per_document([
        "Quyết định 15/2013/QĐ-TTg, Điều 3 (thay thế; xem thêm); Quyết định 750/QĐ-TTg năm 2015",
        "Quyết định 750/QĐ-TTg năm 2015 (lãi suất)",
        "Văn bản 316/NHCS-KH",
        "Văn bản 316/NHCS-KH của NHCSXH",
    ])
    assert cited == [
        "Quyết định 15/2013/QĐ-TTg, Điều 3 (thay thế; xem thêm)",
        "Quyết định 750/QĐ-TTg năm 2015",
        "Văn bản 316/NHCS-KH",
    ]


def test_the_advice_is_one_short_block_with_details_behind_quick_replies():
    """Issue 14: on a phone, the programmes first in one block; term, papers and place behind a button."""
    from knowledge.advisor import advice, programme_details

    given = advice(TABLES, "ho_can_ngheo", "chan_nuoi")
    assert TABLES.figure("ho_can_ngheo", "rate").text in given.text
    assert "Giấy tờ" not in given.text and "Nơi làm hồ sơ" not in given.text
    assert len(given.text) <= 1800
    assert [b["payload"] for b in given.buttons()][0] == '/programme_details{"programme": "ho_can_ngheo"}'
    details = programme_details(TABLES, "ho_can_ngheo")
    assert details and "Nơi làm hồ sơ" in details and TABLES.figure("ho_can_ngheo", "term").text in details
    assert "Nguồn:" in details and programme_details(TABLES, "khong-co") is None


def test_a_household_taken_off_the_list_is_newly_escaped():
    from knowledge.eligibility import programmes_named

    assert programmes_named("Năm ngoái nhà tôi được đưa ra khỏi danh sách hộ nghèo, giờ còn vay được không?") == ["ho_moi_thoat_ngheo"]
    assert programmes_named("nhà tôi không còn tên trong danh sách hộ cận nghèo") == ["ho_moi_thoat_ngheo"]
    assert programmes_named("trước đây là hộ nghèo, nay là hộ cận nghèo") == ["ho_can_ngheo"]
