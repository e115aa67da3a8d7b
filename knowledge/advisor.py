"""The advisor's reply: the programmes a household can use, in plain Vietnamese.

Every figure is rendered from the programme table with its source, and unconfirmed
figures carry their warning, exactly as in FAQ answers.
"""

from __future__ import annotations

import re
from typing import Dict, List, Mapping, Optional

from knowledge.answering import CHECK_FIGURES_NOTE, SOURCE_PREFIX
from knowledge.eligibility import (
    CONDITION_NAMES, CONDITIONS_TO_STATE, PURPOSE_NAMES, TIER_NAMES, Option, options,
)
from knowledge.tables import Figure, PolicyTables, split_citations

MAX_OPTIONS = 3
NOTHING_FITS = (
    "Theo các chương trình tôi biết, hiện chưa có chương trình vay ưu đãi nào của Ngân hàng "
    "Chính sách xã hội phù hợp đúng với {tier} vay để {purpose}."
)
CHANGES_THE_ANSWER = (
    "Câu trả lời có thể khác nếu hộ được xét vào danh sách hộ nghèo, cận nghèo hoặc mới thoát nghèo "
    "trong kỳ rà soát hằng năm của UBND xã, hoặc nếu mục đích vay khác đi."
)


def _figure_line(label: str, figure: Figure) -> str:
    return f"{label}: {figure.spoken()}"


def _option_text(tables: PolicyTables, rank: int, option: Option, sources: List[str]) -> str:
    programme = option.programme
    pid = option.id
    lines = [f"{rank}. {programme['name']}"]
    for label, field in (("Lãi suất", "rate"), ("Mức vay tối đa", "cap"), ("Thời hạn", "term"), ("Tài sản bảo đảm", "collateral")):
        figure = tables.figure(pid, field)
        lines.append("   - " + _figure_line(label, figure))
        if figure.source:
            sources.append(figure.citation())
    needed = [CONDITION_NAMES.get(c, c) for c in option.unknown if c not in CONDITIONS_TO_STATE]
    if needed:
        lines.append("   - Cần thêm điều kiện: " + "; ".join(needed))
    if "thanh_vien_to_tkvv" in option.unknown:
        lines.append("   - Vay qua Tổ tiết kiệm và vay vốn nơi cư trú (chưa là thành viên thì xin gia nhập tổ).")
    papers = programme.get("papers") or []
    if papers:
        lines.append("   - Giấy tờ: " + "; ".join(papers[:3]))
    lines.append(f"   - Nơi làm hồ sơ: {programme.get('where', '').strip()}")
    for basis in programme.get("legal_basis") or []:
        sources.append(" ".join(str(basis.get(k)) for k in ("document", "article") if basis.get(k)))
    return "\n".join(lines)


# "15/2013/QĐ-TTg", "750/QĐ-TTg", "316/NHCS-KH", "39-CT/TW": a document's number.
_DOCUMENT_NUMBER_RE = re.compile(r"\d+(?:/\d{4})?/[^\s,;()]+|\d+-[A-Z]+/[A-Z]+")


def _one_per_document(sources: List[str]) -> List[str]:
    """The first citation of each document (a programme cites the same decision for
    its rate, cap and term; the citizen needs it once)."""
    seen: Dict[str, str] = {}
    for source in (part.strip() for s in sources for part in split_citations(s)):
        if not source:
            continue
        match = _DOCUMENT_NUMBER_RE.search(source)
        seen.setdefault(match.group(0) if match else source, source)
    return list(seen.values())


def _special(option: Option) -> bool:
    """True when the programme needs a condition the citizen has not confirmed."""
    return any(c not in CONDITIONS_TO_STATE for c in option.unknown)


def advice_message(tables: PolicyTables, tier: Optional[str], purpose: Optional[str],
                   conditions: Optional[Mapping[str, Optional[bool]]] = None) -> str:
    """The full advice for a tier and purpose (both already validated)."""
    tier_name = TIER_NAMES.get(tier or "", "hộ gia đình")
    purpose_name = PURPOSE_NAMES.get(purpose or "", "mục đích này")
    candidates = [o for o in options(tables, tier or "", purpose or "", conditions)
                  if not o.unmet and o.programme.get("open") is True]
    # Programmes for special groups (students, ex-prisoners…) are named, not detailed,
    # until the citizen says the condition holds.
    found = [o for o in candidates if not _special(o)]
    conditional = [o for o in candidates if _special(o)]
    if not found:
        alternatives = [o for o in options(tables, tier or "", "tao_viec_lam", conditions)
                        if not o.unmet and not _special(o) and o.programme.get("open") is True]
        text = NOTHING_FITS.format(tier=tier_name, purpose=purpose_name) + " " + CHANGES_THE_ANSWER
        if alternatives:
            sources: List[str] = []
            text += "\n\nLựa chọn gần nhất anh/chị có thể hỏi thêm:\n" + _option_text(tables, 1, alternatives[0], sources)
            text += f"\n\n{SOURCE_PREFIX}" + "; ".join(_one_per_document(sources))
        return text
    sources = []
    parts = [
        f"Với {tier_name} vay để {purpose_name}, anh/chị có thể xem xét "
        f"{'các chương trình' if len(found) > 1 else 'chương trình'} sau (xếp theo thứ tự ưu tiên):"
    ]
    for rank, option in enumerate(found[:MAX_OPTIONS], start=1):
        parts.append(_option_text(tables, rank, option, sources))
    if conditional:
        parts.append("Ngoài ra, nếu thuộc một trong các trường hợp sau thì anh/chị hỏi thêm:\n" + "\n".join(
            f"- {o.programme['name']}: khi " + "; ".join(CONDITION_NAMES.get(c, c) for c in o.unknown if c not in CONDITIONS_TO_STATE)
            for o in conditional[:MAX_OPTIONS]
        ))
    parts.append("Việc xét cho vay do Tổ tiết kiệm và vay vốn bình xét, UBND xã xác nhận và Ngân hàng Chính sách xã hội phê duyệt. " + CHECK_FIGURES_NOTE)
    parts.append(SOURCE_PREFIX + "; ".join(_one_per_document(sources)))
    return "\n\n".join(parts)
