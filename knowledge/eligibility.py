"""Which programmes a household can use for a purpose, in order of preference.

Reads only the programme table (content/programmes.yml): eligibility lists, priority
and figures are never typed here. Order: the priority ladder first (hộ nghèo, then
cận nghèo, then mới thoát nghèo, then other beneficiaries), then the lower rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from vntext.lexicon import load_lexicon, tier_as_told
from vntext.normalise import fold
from knowledge.tables import PolicyTables

# Which programme a household tier or loan purpose named in a message points to.
ENTITY_PROGRAMME = {
    "ho_ngheo": "ho_ngheo",
    "ho_can_ngheo": "ho_can_ngheo",
    "ho_moi_thoat_ngheo": "ho_moi_thoat_ngheo",
    "hoc_tap": "hssv",
    "nuoc_sach_ve_sinh": "nuoc_sach",
    "tao_viec_lam": "viec_lam",
    "di_lam_viec_nuoc_ngoai": "xuat_khau_lao_dong",
}


# Kinds of people whose own programme answers before the purpose they name: "con tôi vừa
# ra tù, muốn vay học nghề" is about Quyết định 22/2023, not the student loan (folded text).
_PERSON_PROGRAMMES = (
    (re.compile(r"\b(ra tu|man han tu|chap hanh xong an|di tu ve|ra trai|dac xa|tung di tu|tu tha)\b"),
     "chap_hanh_xong_an_tu"),
    (re.compile(r"\b(khuyet tat|tan tat)\b"), "viec_lam"),
)


def persons_named(text: str) -> List[str]:
    """Programmes of the kinds of people a text names (released prisoners, people with disabilities)."""
    folded = fold(text)
    return [programme for pattern, programme in _PERSON_PROGRAMMES if pattern.search(folded)]


def programmes_named(text: str) -> List[str]:
    """Programmes a household tier or purpose named in the text points to, in order; a tier the
    household is not ("không phải hộ cận nghèo") names none. One it no longer is ("được đưa ra
    khỏi danh sách hộ nghèo") names the newly-escaped households' programme, unless the text
    names a tier the household is now."""
    named: List[str] = []
    left_the_list = False
    for span in load_lexicon().segment(text):
        if span.term is None or span.term.value not in ENTITY_PROGRAMME:
            continue
        told = tier_as_told(text, span.start) if span.term.entity == "household_tier" else ""
        if not told:
            named.append(ENTITY_PROGRAMME[span.term.value])
        elif told == "past" and ENTITY_PROGRAMME[span.term.value] in ("ho_ngheo", "ho_can_ngheo"):
            left_the_list = True
    if left_the_list and not any(p in LISTED_TIERS for p in named):
        named.append("ho_moi_thoat_ngheo")
    return named


LISTED_TIERS = ("ho_ngheo", "ho_can_ngheo", "ho_moi_thoat_ngheo")


def tiers_denied(text: str) -> List[str]:
    """Programmes of the household tiers a text says the household is not, or no longer is.

    "không phải hộ nghèo, cũng không phải cận nghèo" (the lexicon reads "không phải hộ
    nghèo" as "on no list") denies all three listed tiers unless one is affirmed."""
    spans = [span for span in load_lexicon().segment(text)
             if span.term is not None and span.term.entity == "household_tier"]
    denied = [ENTITY_PROGRAMME[span.term.value] for span in spans
              if span.term.value in ENTITY_PROGRAMME and tier_as_told(text, span.start)]
    if any(span.term.value == "khong_thuoc_dien" for span in spans) and not any(
            p in LISTED_TIERS for p in programmes_named(text)):
        denied = list(dict.fromkeys([*denied, *LISTED_TIERS]))
    return denied


# Purposes that are kinds of "sản xuất kinh doanh": a programme lending for production
# and business also lends for them.
PRODUCTION_PURPOSES = {"chan_nuoi", "trong_trot"}

TIER_NAMES = {
    "ho_ngheo": "hộ nghèo",
    "ho_can_ngheo": "hộ cận nghèo",
    "ho_moi_thoat_ngheo": "hộ mới thoát nghèo",
    "ho_muc_song_trung_binh": "hộ có mức sống trung bình",
    "khong_thuoc_dien": "không thuộc diện hộ nghèo, cận nghèo hay mới thoát nghèo",
}
PURPOSE_NAMES = {
    "san_xuat_kinh_doanh": "sản xuất, kinh doanh",
    "chan_nuoi": "chăn nuôi",
    "trong_trot": "trồng trọt",
    "hoc_tap": "học tập",
    "nuoc_sach_ve_sinh": "nước sạch và vệ sinh môi trường",
    "nha_o": "nhà ở",
    "dat_o": "đất ở",
    "dat_san_xuat": "đất sản xuất",
    "chuyen_doi_nghe": "chuyển đổi nghề",
    "tao_viec_lam": "tạo việc làm",
    "di_lam_viec_nuoc_ngoai": "đi làm việc ở nước ngoài",
}
CONDITION_NAMES = {
    "dang_hoc": "đã có giấy báo trúng tuyển hoặc đang theo học tại trường",
    "nong_thon": "cư trú ở khu vực nông thôn",
    "dtts_vung_dbkk": "là hộ dân tộc thiểu số hoặc sống ở xã, thôn đặc biệt khó khăn",
    "vung_kho_khan": "sống ở xã, thôn thuộc vùng khó khăn theo danh sách",
    "chap_hanh_xong_an_tu_5_nam": "đã chấp hành xong án phạt tù không quá 5 năm",
    "thanh_vien_to_tkvv": "là thành viên Tổ tiết kiệm và vay vốn",
    "thoat_ngheo_duoi_3_nam": "ra khỏi danh sách hộ nghèo, cận nghèo chưa quá 3 năm",
    "chua_co_cong_trinh": "chưa có hoặc có công trình nước sạch, vệ sinh đã hư hỏng",
    "nganh_stem": "học ngành khoa học, công nghệ, kỹ thuật, toán (STEM)",
    "hop_dong_di_lam_nuoc_ngoai": "có hợp đồng đi làm việc ở nước ngoài",
}
# Conditions a citizen can easily fulfil after the answer (joining a group): stated
# in the answer but not asked about.
CONDITIONS_TO_STATE = {"thanh_vien_to_tkvv"}
# Conditions the advisor asks about, in this order, when a programme found for the
# tier and purpose depends on them. Conditions of programmes for special groups
# (ex-prisoners, listed disadvantaged communes) are not asked of everyone: the answer
# names those programmes with their condition instead.
ASKED_CONDITIONS = (
    "thoat_ngheo_duoi_3_nam", "dang_hoc", "nong_thon", "chua_co_cong_trinh",
    "hop_dong_di_lam_nuoc_ngoai", "dtts_vung_dbkk",
)


@dataclass
class Option:
    """A programme the household may use, and what must still be true."""

    programme: Dict[str, Any]
    unmet: List[str] = field(default_factory=list)  # conditions answered "no"
    unknown: List[str] = field(default_factory=list)  # conditions not asked yet

    @property
    def id(self) -> str:
        return str(self.programme["id"])


def _serves_purpose(programme: Mapping[str, Any], purpose: str) -> bool:
    purposes = set(programme["eligibility"].get("purposes") or [])
    return purpose in purposes or (purpose in PRODUCTION_PURPOSES and "san_xuat_kinh_doanh" in purposes)


def _serves_tier(programme: Mapping[str, Any], tier: str) -> bool:
    eligibility = programme["eligibility"]
    tiers = eligibility.get("household_tiers") or []
    return (not tiers or tier in tiers) and tier not in (eligibility.get("excluded_tiers") or [])


def options(tables: PolicyTables, tier: str, purpose: str,
            conditions: Optional[Mapping[str, Optional[bool]]] = None) -> List[Option]:
    """Programmes for this tier and purpose, best first; none that is closed."""
    conditions = conditions or {}
    found: List[Option] = []
    for programme in tables.programmes.values():
        if programme.get("open") is False:
            continue
        if not (_serves_tier(programme, tier) and _serves_purpose(programme, purpose)):
            continue
        requires = programme["eligibility"].get("requires") or []
        found.append(Option(
            programme,
            unmet=[c for c in requires if conditions.get(c) is False],
            unknown=[c for c in requires if conditions.get(c) is None],
        ))
    return sorted(found, key=lambda o: (o.programme.get("priority", 9), _rate(tables, o.id)))


def _rate(tables: PolicyTables, programme: str) -> float:
    """Today's rate, for ordering; a programme without a number comes last."""
    value = tables.value(programme, "rate") if "rate" in tables.programmes[programme] else None
    return 99.0 if value is None else value


def questions_to_ask(tables: PolicyTables, tier: str, purpose: str) -> List[str]:
    """The conditions, in asking order, that decide between the programmes found."""
    needed = {c for option in options(tables, tier, purpose) for c in option.unknown}
    return [c for c in ASKED_CONDITIONS if c in needed]
