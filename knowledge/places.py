"""Which commune or ward a citizen names, and what it is called now (2025 merger).

From 1 July 2025 tỉnh Hải Dương is part of thành phố Hải Phòng, the district level
(huyện, thị xã, quận) is gone and most communes were merged and renamed. Citizens
still say "xã Thanh Xá, huyện Thanh Hà" or "thi tran ke sat binh giang"; to send them
to the right Điểm giao dịch xã the bot must name the commune or ward they belong to
now. ``find_place`` finds such a unit in a free-text message and returns its current
name, restricted to the deploying province (``admin_units.province`` in
content/settings/province.yml).

Data: the ``vietnamadminunits`` package (MIT; 63-province and 34-province tables and
the old → new mapping, aliases of communes merged before 2025 included). Its
*files* are read directly (SQLite + one JSON), never its functions: importing the
package loads the whole country (≈1.1 s, +51 MB) and imports geopy, and
``convert_address`` geocodes online (ArcGIS) when an address has a street and the old
ward was split. Reading only this province's rows costs ≈ 30 ms and ≈ 6 MB once, on
first use; a message then takes ≈ 0.06 ms (measured in tests/unit/test_places.py).

Library comparison (23 old Hải Dương units × 4 spellings: with diacritics and
province, unaccented, without province, unaccented without province; Nov 2025):

- vietnamadminunits 1.0.4 (MIT, Python ≥3.7): 87/92 right, 5 not found (unaccented
  "thi tran nam sach nam sach"; TP Hải Dương wards without the province); knows
  pre-2025 names (xã Thanh Xá → Thanh Tân → Xã Thanh Hà; xã Dân Chủ, Tứ Kỳ); a
  split old unit gets one "default" new unit unless a street is geocoded online.
  convert_address 0.6 ms/call; import 1.1 s, +51 MB RSS.
- vietnam-provinces: 2025.10.1 (last release for Python 3.11) has only the new
  units, no mapping; 2026.9.0 (GPL-3.0, needs Python ≥3.12, so not installable in
  the 3.11 action server) has the official conversion table listing every new unit
  of a split old one: 82/92 right, 8 not found (no pre-2025 aliases: Thanh Xá, Dân
  Chủ), 2 wrong (unaccented, no province: matched Hà Nội); 48 ms/search; import
  0.3 s, +21 MB.
- Both agreed on the other 21 units; for the 5 split ones (e.g. xã Thúc Kháng → Xã
  Đường An / Xã Thượng Hồng) the library's default is one of the official table's
  units, so here every new unit of a split old one is named, as that table does.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import sqlite3
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from vntext.normalise import fold, has_diacritics, iter_pieces, nfc
from knowledge.province import load, verified_value

log = logging.getLogger(__name__)

LIBRARY = "vietnamadminunits"
DEFAULT_PROVINCE = "Thành phố Hải Phòng"

# Unit-type words (key form, abbreviations spelled out) → the key prefix the data uses.
_UNIT_TYPES = {"xa": "xa", "phuong": "phuong", "thitran": "thitran", "dackhu": "dackhu"}
# With diacritics typed, only these spellings are unit types.
_ACCENTED_TYPES = {"xã", "phường", "thị trấn", "đặc khu", "tt"}
_TYPE_PREFIXES = ("thitran", "phuong", "dackhu", "xa")
_MAX_NAME_WORDS = 5


@dataclass(frozen=True)
class Place:
    """A commune-level unit a citizen named, and what it belongs to now."""

    old_name: str  # as recognised, e.g. "Xã Thanh Xá" or "Thị trấn Kẻ Sặt"
    current_names: Tuple[str, ...]  # "Xã Thanh Hà"; several when the old unit was split
    current_province: str  # "Thành phố Hải Phòng"
    changed: bool  # its name or province is not what the citizen said
    old_districts: Tuple[str, ...] = ()  # "Huyện Thanh Hà"; several = same name in several
    also_an_old_name: bool = False  # a current unit, but an old unit had this name too
    by_old_district: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()  # (old district, its current units)

    @property
    def current_name(self) -> str:
        return self.current_names[0]

    @property
    def settled(self) -> bool:
        """One current unit and one old district: the answer needs no question back."""
        return len(self.current_names) == 1 and len(self.old_districts) <= 1


@dataclass(frozen=True)
class _Unit:
    name: str  # "Xã Thanh Tân"
    type_key: str  # "xa"
    district: str  # "Huyện Thanh Hà" ("" for a current unit)
    district_key: str
    province_key: str
    current: Tuple[str, ...]  # current unit names, default first


@dataclass
class _Index:
    province: str
    typed: Dict[str, List[Tuple[_Unit, bool]]]  # "xathanhxa" → [(unit, is official name)]
    bare: Dict[str, List[Tuple[_Unit, bool]]]  # "thanhxa" → ...
    current_typed: Dict[str, _Unit]  # "xathanhha" → current unit
    districts: Dict[str, Set[str]]  # "huyenthanhha" / "thanhha" → {old district key}
    provinces: Dict[str, str]  # "tinhhaiduong" / "haiduong" → old province key
    province_key: str  # "thanhphohaiphong"


def key(text: str) -> str:
    """The data's key form: folded, letters and digits only ("Thị trấn Kẻ Sặt" → "thitrankesat")."""
    return re.sub(r"[^a-z0-9]", "", fold(nfc(text)))


def library_version() -> Optional[str]:
    try:
        return metadata.version(LIBRARY)
    except metadata.PackageNotFoundError:
        return None


def _data_dir() -> Optional[Path]:
    """The library's data folder, found without importing the package (see module doc)."""
    spec = importlib.util.find_spec(LIBRARY)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "data"
    return folder if (folder / "dataset.db").exists() else None


def _is_typed(word: str, words: Set[str]) -> bool:
    """ "xathanhxa" is typed when "thanhxa" is a keyword too ("xuanson" is not)."""
    return any(word.startswith(p) and word[len(p):] in words for p in _TYPE_PREFIXES)


def _build(province: str) -> Optional[_Index]:
    """This province's old and current units and the old → current map, from the data files."""
    folder = _data_dir()
    if folder is None:
        log.warning("%s is not installed: old commune names are not recognised", LIBRARY)
        return None
    converter = json.loads((folder / "converter_2025.json").read_text(encoding="utf-8"))
    new_key = key(province)
    legacy_provinces = tuple(converter["DICT_PROVINCE"].get(new_key, ()))
    if not legacy_provinces:
        log.warning("province %r is not in %s's data", province, LIBRARY)
        return None
    with sqlite3.connect(f"file:{folder / 'dataset.db'}?mode=ro", uri=True) as db:
        current_rows = db.execute(
            "SELECT ward, wardKey, wardKeywords FROM admin_units WHERE provinceKey = ?", (new_key,)
        ).fetchall()
        marks = ",".join("?" * len(legacy_provinces))
        legacy_rows = db.execute(
            "SELECT provinceKey, district, districtKey, districtKeywords, ward, wardType, wardKey, "
            f"wardShortKey, wardKeywords FROM admin_units_legacy WHERE provinceKey IN ({marks}) "
            "AND wardKey IS NOT NULL",
            legacy_provinces,
        ).fetchall()

    current_name = {ward_key: ward for ward, ward_key, _ in current_rows}
    # old "province_district_ward" key → current unit keys, the library's default first
    old_to_new: Dict[str, List[str]] = {}
    for new_ward, olds in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].get(new_key, {}).items():
        for old in olds:
            old_to_new.setdefault(old, []).append(new_ward)
    for old, news in converter["DICT_PROVINCE_WARD_DIVIDED"].get(new_key, {}).items():
        ordered = sorted(news, key=lambda n: not n["isDefaultNewWard"])
        old_to_new[old] = [n["newWardKey"] for n in ordered]

    index = _Index(province, {}, {}, {}, {}, {}, new_key)
    for old_province in legacy_provinces:
        index.provinces[old_province] = old_province
        index.provinces[re.sub(r"^(tinh|thanhpho)", "", old_province)] = old_province
    for (prov_key, district, district_key, district_words, ward, ward_type, ward_key,
         short_key, ward_words) in legacy_rows:
        new_keys = old_to_new.get(f"{prov_key}_{district_key}_{ward_key}", [])
        current = tuple(current_name[k] for k in new_keys if k in current_name)
        if not current:
            continue
        unit = _Unit(ward, key(ward_type), district, district_key, prov_key, current)
        words = set(json.loads(ward_words or "[]")) | {ward_key, short_key}
        for word in words:
            official = word in (ward_key, short_key)
            target = index.typed if _is_typed(word, words) else index.bare
            target.setdefault(word, []).append((unit, official))
        for word in json.loads(district_words or "[]"):
            index.districts.setdefault(word, set()).add(district_key)
    for ward, ward_key, ward_words in current_rows:
        unit = _Unit(ward, "", "", "", new_key, (ward,))
        words = set(json.loads(ward_words or "[]")) | {ward_key}
        for word in words:
            if _is_typed(word, words):
                index.current_typed[word] = unit
    return index


_lock = threading.Lock()
_cache: Dict[str, Optional[_Index]] = {}


def _index(province: str) -> Optional[_Index]:
    """The province's index, built on first use and kept (None if the data is missing)."""
    with _lock:
        if province not in _cache:
            _cache[province] = _build(province)
        return _cache[province]


_shipped_province: List[str] = []


def province_name(settings: Optional[Dict[str, Any]] = None) -> str:
    """The deploying province: ``admin_units.province`` if verified, else thành phố Hải Phòng.

    Without ``settings`` the shipped file is read once per process (it changes only
    with a deployment, and a message must not cost a YAML parse).
    """
    if settings is None:
        if not _shipped_province:
            _shipped_province.append(province_name(load()))
        return _shipped_province[0]
    return verified_value(settings, "admin_units", "province") or DEFAULT_PROVINCE


# -- reading the message ---------------------------------------------------------------
_ABBREVIATIONS = {"tt": "thitran", "tp": "thanhpho", "tx": "thixa"}


@dataclass(frozen=True)
class _Word:
    text: str  # as typed (NFC)
    folded: str  # key form, abbreviations spelled out ("tp" → "thanhpho")
    segment: int  # words in different segments are split by punctuation


def _words(message: str) -> List[_Word]:
    words: List[_Word] = []
    segment = 0
    for piece, _, _ in iter_pieces(nfc(message)):
        if piece[0].isalnum():
            folded = key(piece)
            words.append(_Word(piece, _ABBREVIATIONS.get(folded, folded), segment))
        else:
            segment += 1
    return words


def _span_key(words: Sequence[_Word], start: int, length: int) -> Optional[str]:
    """The joined key of ``length`` words from ``start``, if they exist and no punctuation splits them."""
    span = words[start:start + length]
    if start < 0 or len(span) < length or len({w.segment for w in span}) != 1:
        return None
    return "".join(w.folded for w in span)


def _unit_type(words: Sequence[_Word], start: int, accented: bool) -> Tuple[str, int]:
    """(key prefix, words used) when a unit-type word starts at ``start``, else ("", 0).

    In a message typed with diacritics only the accented spelling counts: there "xa"
    means "far" and "phương" "direction".
    """
    for length in (2, 1):
        span = _span_key(words, start, length)
        if span in _UNIT_TYPES:
            spelled = " ".join(w.text.lower() for w in words[start:start + length])
            if not accented or spelled in _ACCENTED_TYPES:
                return _UNIT_TYPES[span], length
    return "", 0


def _evidence(words: Sequence[_Word], index: _Index, skip: range) -> Tuple[Set[str], Set[str]]:
    """(old district keys, old province keys) named anywhere outside ``skip`` (the unit's own name)."""
    districts: Set[str] = set()
    provinces: Set[str] = set()
    for start in range(len(words)):
        for length in range(_MAX_NAME_WORDS, 0, -1):
            if any(i in skip for i in range(start, start + length)):
                continue
            span = _span_key(words, start, length)
            if span is None:
                continue
            if span in index.provinces:
                provinces.add(index.provinces[span])
                if span not in index.districts:  # "Hải Dương" is the old province and its old city
                    break
            if span in index.districts:
                districts |= index.districts[span]
                break
    return districts, provinces


def _says_old(words: Sequence[_Word], end: int) -> bool:
    """ "cũ" within a few words after the name ("huyện Thanh Hà cũ")."""
    return any(w.folded == "cu" and (w.text.lower() == "cũ" or not has_diacritics(w.text))
               for w in words[end:end + 5])


_TYPE_NAMES = {"xa": "Xã", "phuong": "Phường", "thitran": "Thị trấn", "dackhu": "Đặc khu"}


def _spoken_name(unit: _Unit, type_key: str, name_words: Sequence[_Word], official: bool) -> str:
    """The old name as the citizen meant it: the official spelling, or their own words for an
    alias (a commune merged before 2025, e.g. xã Thanh Xá, has no spelling in the data)."""
    if official:
        return unit.name
    spoken = " ".join(w.text[:1].upper() + w.text[1:] for w in name_words)
    return f"{_TYPE_NAMES.get(type_key or unit.type_key, '')} {spoken}".strip()


def _resolve(candidates: Sequence[Tuple[_Unit, bool]], districts: Set[str], provinces: Set[str],
             index: _Index, type_key: str, name_words: Sequence[_Word]) -> Place:
    """Narrow same-named old units by the district or province named, then map them."""
    for evidence, attribute in ((districts, "district_key"), (provinces, "province_key")):
        narrowed = [(u, o) for u, o in candidates if getattr(u, attribute) in evidence]
        candidates = narrowed or candidates
    official = next((u for u, o in candidates if o), None)
    spoken = _spoken_name(official or candidates[0][0], type_key, name_words, official is not None)
    units = [u for u, _ in candidates]
    current: List[str] = []
    by_district: Dict[str, List[str]] = {}
    for unit in units:
        current += [c for c in unit.current if c not in current]
        names = by_district.setdefault(unit.district, [])
        names += [c for c in unit.current if c not in names]
    changed = current != [spoken] or any(u.province_key != index.province_key for u in units)
    return Place(spoken, tuple(current), index.province, changed, tuple(by_district), False,
                 tuple((d, tuple(c)) for d, c in by_district.items()))


def find_place(message: str, settings: Optional[Dict[str, Any]] = None,
               province: Optional[str] = None) -> Optional[Place]:
    """The first commune/ward/town named in ``message``, by old or current name, or None.

    A unit counts as named when a unit-type word precedes it ("xã", "phường",
    "thị trấn", "tt") or its old district follows it ("Kẻ Sặt Bình Giang"): bare names
    such as "Dân Chủ", "Cộng Hòa" or "Đoàn Kết" are ordinary words too.
    """
    index = _index(province or province_name(settings))
    if index is None:
        return None
    words = _words(message)
    accented = has_diacritics(message)
    for start in range(len(words)):
        prefix, used = _unit_type(words, start, accented)
        place = (_typed_mention(words, start + used, prefix, index) if prefix
                 else _bare_mention(words, start, index))
        if place is not None:
            return place
    return None


def _typed_mention(words: Sequence[_Word], first: int, prefix: str, index: _Index) -> Optional[Place]:
    """ "xã Thanh Xá (huyện Thanh Hà)": the longest name after a unit-type word."""
    if first >= len(words) or words[first - 1].segment != words[first].segment:
        return None
    for length in range(_MAX_NAME_WORDS, 0, -1):
        span = _span_key(words, first, length)
        if span is None:
            continue
        legacy = index.typed.get(prefix + span) or []
        current = index.current_typed.get(prefix + span)
        if not legacy and current is None:
            # the right name with another type word ("xã Lai Cách" for the thị trấn)
            legacy = index.bare.get(span) or []
            if not legacy:
                continue
        districts, provinces = _evidence(words, index, range(first, first + length))
        old_hint = (bool(districts & {u.district_key for u, _ in legacy})
                    or bool(provinces & {u.province_key for u, _ in legacy} - {index.province_key})
                    or _says_old(words, first + length))
        if current is not None and (not legacy or not old_hint):
            also_old = any(u.current != (current.name,) for u, _ in legacy)
            return Place(current.name, (current.name,), index.province, False, (), also_old)
        return _resolve(legacy, districts, provinces, index, prefix, words[first:first + length])
    return None


def _bare_mention(words: Sequence[_Word], start: int, index: _Index) -> Optional[Place]:
    """ "Kẻ Sặt Bình Giang": an old name (two words or more) right before its own old district."""
    for length in range(_MAX_NAME_WORDS - 1, 1, -1):
        span = _span_key(words, start, length)
        if span is None or span not in index.bare:
            continue
        after = start + length
        for district_length in range(_MAX_NAME_WORDS, 0, -1):
            district = _span_key(words, after, district_length)
            keys = index.districts.get(district or "", set())
            candidates = [(u, o) for u, o in index.bare[span] if u.district_key in keys]
            if candidates:
                return _resolve(candidates, keys, set(), index, "", words[start:after])
    return None
