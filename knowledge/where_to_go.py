"""Where a citizen applies for a loan, named by the commune they live in now.

Policy loans are applied for in the commune: through the Tổ tiết kiệm và vay vốn of
the thôn/xóm, at the Điểm giao dịch xã of NHCSXH, which sits at the commune's UBND on
a fixed day each month. After the 2025 merger a citizen who names an old commune must
hear the commune it belongs to now; no district body (huyện) is named as current,
since that level no longer exists. The Phòng giao dịch is named only when the
province's settings list it, verified, for that commune.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from knowledge.places import LIBRARY, Place, key, library_version
from knowledge.province import verified_value

SOURCE_PREFIX = "Nguồn: "
GENERIC_OFFICE = "Phòng giao dịch Ngân hàng Chính sách xã hội phụ trách xã/phường của anh/chị"


def _lower_first(text: str) -> str:
    """ "Huyện Thanh Hà" → "huyện Thanh Hà" (a type word inside a sentence)."""
    return text[:1].lower() + text[1:]


def _either(names: List[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " hoặc " + names[-1]


def _old(place: Place) -> str:
    """ "Xã Thanh Xá (huyện Thanh Hà cũ)"."""
    if len(place.old_districts) == 1 and place.old_districts[0]:
        return f"{place.old_name} ({_lower_first(place.old_districts[0])} cũ)"
    return place.old_name


def _transaction_day(settings: Dict[str, Any], commune: str) -> Optional[str]:
    """The commune's verified fixed day, e.g. "ngày 15 hằng tháng", if the settings have it."""
    item = (settings.get("transaction_points") or {}).get("days_by_commune") or {}
    days = item.get("value")
    if item.get("verified") is not True or not isinstance(days, dict):
        return None
    for name, day in days.items():
        if key(str(name)) == key(commune) and isinstance(day, str) and day.strip():
            return day.strip()
    return None


def _office(settings: Dict[str, Any], communes: List[str]) -> Optional[str]:
    """The verified Phòng giao dịch that lists one of ``communes``, with its address and phone."""
    item = (settings.get("vbsp_branch") or {}).get("transaction_offices") or {}
    offices = item.get("value")
    if item.get("verified") is not True or not isinstance(offices, list):
        return None
    wanted = {key(c) for c in communes}
    for office in offices:
        if not isinstance(office, dict) or not str(office.get("name") or "").strip():
            continue
        if wanted & {key(str(c)) for c in office.get("communes") or []}:
            details = [str(office[f]).strip() for f in ("address", "phone") if str(office.get(f) or "").strip()]
            return str(office["name"]).strip() + (f" ({', '.join(details)})" if details else "")
    return None


def where_to_go_text(place: Place, settings: Dict[str, Any]) -> str:
    """The answer without its source line (the Answer carries the sources)."""
    province = _lower_first(place.current_province)
    current = list(place.current_names)
    by_district = [(d, list(c)) for d, c in place.by_old_district]
    lines: List[str] = []
    if len(by_district) > 1:
        lines.append(
            f"Có nhiều xã, phường, thị trấn cũ tên {place.old_name}: "
            + "; ".join(f"ở {_lower_first(d)} cũ nay thuộc {_either(c)}" for d, c in by_district)
            + f" ({province}). Anh/chị cho biết thêm huyện cũ để tôi chỉ đúng nơi."
        )
        where = "trụ sở UBND xã, phường nơi anh/chị cư trú ("
    elif len(current) > 1:
        lines.append(
            f"{_old(place)} nay được chia về {_either(current)}, {province}, tùy thôn, xóm nơi anh/chị ở."
        )
        where = f"trụ sở UBND {_either(current)} (xã, phường mà thôn, xóm của anh/chị nay thuộc về; "
    else:
        if place.changed:
            lines.append(f"{_old(place)} nay thuộc {current[0]}, {province}.")
        else:
            lines.append(f"{_old(place)} thuộc {province}.")
        where = f"trụ sở UBND {current[0]} ("
    day = _transaction_day(settings, current[0]) if len(current) == 1 else None
    when = f"ngày giao dịch: {day})" if day else "ngày giao dịch cố định hằng tháng)"
    lines.append(
        "Anh/chị làm hồ sơ vay tại Điểm giao dịch xã của Ngân hàng Chính sách xã hội đặt tại "
        f"{where}{when}, thông qua Tổ tiết kiệm và vay vốn ở thôn, xóm nơi anh/chị cư trú. "
        "Tổ trưởng Tổ tiết kiệm và vay vốn hướng dẫn lập hồ sơ và thông báo ngày giao dịch; "
        "ngày này cũng được niêm yết tại Điểm giao dịch."
    )
    office = _office(settings, current) if len(by_district) <= 1 else None
    lines.append(f"Anh/chị cũng có thể hỏi tại {office or GENERIC_OFFICE}.")
    if place.also_an_old_name:
        lines.append(
            f"Nếu {place.old_name} là tên cũ (trước ngày 01/7/2025) anh/chị quen gọi, "
            "xin cho biết thêm huyện cũ để tôi chỉ đúng xã, phường hiện nay."
        )
    return "\n".join(lines)


def where_to_go_sources(settings: Dict[str, Any]) -> List[str]:
    """The merger's legal basis, cited with its number only when the settings verify it."""
    data = f"theo dữ liệu {LIBRARY} {library_version() or ''}".strip()
    number = verified_value(settings, "admin_units", "commune_resolution")
    resolution = f"Nghị quyết {number}" if number else "Nghị quyết"
    province = verified_value(settings, "admin_units", "province")
    sources = [
        f"{resolution} của Ủy ban Thường vụ Quốc hội về sắp xếp đơn vị hành chính cấp xã của "
        f"{_lower_first(province or 'thành phố Hải Phòng')} năm 2025 ({data})"
    ]
    schedule = ((settings.get("transaction_points") or {}).get("schedule_description") or {})
    if schedule.get("verified") is True and schedule.get("source"):
        sources.append(str(schedule["source"]))
    return sources


def where_to_go_message(place: Place, settings: Dict[str, Any]) -> str:
    """The full reply: where to go now, then its source line."""
    return f"{where_to_go_text(place, settings)}\n\n{SOURCE_PREFIX}{'; '.join(where_to_go_sources(settings))}"
