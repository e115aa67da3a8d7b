"""The advisor's reply: the programmes a household can use, in plain Vietnamese.

Every figure is rendered from the programme table with its source, and unconfirmed
figures carry their warning, exactly as in FAQ answers. On a phone three programmes
with every detail are a wall of text, so the reply is one short block (each programme
with its rate and cap) and the details of each (term, collateral, papers, where to go)
come behind a quick reply (``programme_details``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

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


# The figures the short block shows; the details add the rest.
SHORT_FIELDS = (("Lãi suất", "rate"), ("Mức vay tối đa", "cap"))
DETAIL_FIELDS = SHORT_FIELDS + (("Thời hạn", "term"), ("Tài sản bảo đảm", "collateral"))
DETAILS_BUTTON = "Chi tiết: {name}"
DETAILS_INTENT = "programme_details"
DETAILS_HINT = "Bấm vào từng chương trình bên dưới để xem thời hạn, tài sản bảo đảm, giấy tờ và nơi làm hồ sơ."


def _option_text(tables: PolicyTables, rank: Optional[int], option: Option, sources: List[str],
                 full: bool = True) -> str:
    programme = option.programme
    pid = option.id
    lines = [f"{rank}. {programme['name']}" if rank is not None else programme["name"]]
    for label, field_name in DETAIL_FIELDS if full else SHORT_FIELDS:
        figure = tables.figure(pid, field_name)
        lines.append("   - " + _figure_line(label, figure))
        if figure.source:
            sources.append(figure.citation())
    needed = [CONDITION_NAMES.get(c, c) for c in option.unknown if c not in CONDITIONS_TO_STATE]
    if needed:
        lines.append("   - Cần thêm điều kiện: " + "; ".join(needed))
    if full:
        if "thanh_vien_to_tkvv" in option.unknown:
            lines.append("   - Vay qua Tổ tiết kiệm và vay vốn nơi cư trú (chưa là thành viên thì xin gia nhập tổ).")
        papers = programme.get("papers") or []
        if papers:
            lines.append("   - Giấy tờ: " + "; ".join(papers[:3]))
        lines.append(f"   - Nơi làm hồ sơ: {programme.get('where', '').strip()}")
        for basis in programme.get("legal_basis") or []:  # the short block cites its figures only
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


@dataclass
class Advice:
    """The advisor's short reply and the programmes whose details a quick reply offers."""

    text: str
    details: List[Tuple[str, str]] = field(default_factory=list)  # (programme id, button title)

    def buttons(self) -> List[Dict[str, str]]:
        """Quick replies that ask for one programme's details, without NLU (an intent payload)."""
        return [{"title": title, "payload": f'/{DETAILS_INTENT}{{"programme": "{pid}"}}'} for pid, title in self.details]


def advice(tables: PolicyTables, tier: Optional[str], purpose: Optional[str],
           conditions: Optional[Mapping[str, Optional[bool]]] = None) -> Advice:
    """The advice for a tier and purpose (both already validated): one short block."""
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
        return Advice(text)
    sources = []
    shown = found[:MAX_OPTIONS]
    parts = [
        f"Với {tier_name} vay để {purpose_name}, anh/chị có thể xem xét "
        f"{'các chương trình' if len(shown) > 1 else 'chương trình'} sau (xếp theo thứ tự ưu tiên):"
    ]
    for rank, option in enumerate(shown, start=1):
        parts.append(_option_text(tables, rank, option, sources, full=False))
    if conditional:
        parts.append("Ngoài ra, nếu thuộc một trong các trường hợp sau thì anh/chị hỏi thêm:\n" + "\n".join(
            f"- {o.programme['name']}: khi " + "; ".join(CONDITION_NAMES.get(c, c) for c in o.unknown if c not in CONDITIONS_TO_STATE)
            for o in conditional[:MAX_OPTIONS]
        ))
    parts.append(DETAILS_HINT + " Việc xét cho vay do Tổ tiết kiệm và vay vốn bình xét, UBND xã xác nhận và Ngân hàng "
                 "Chính sách xã hội phê duyệt. " + CHECK_FIGURES_NOTE)
    parts.append(SOURCE_PREFIX + "; ".join(_one_per_document(sources)))
    details = [(o.id, DETAILS_BUTTON.format(name=o.programme.get("short_name") or o.programme["name"])) for o in shown]
    return Advice("\n\n".join(parts), details)


def advice_message(tables: PolicyTables, tier: Optional[str], purpose: Optional[str],
                   conditions: Optional[Mapping[str, Optional[bool]]] = None) -> str:
    """The advice's text alone (tests, the figures audit)."""
    return advice(tables, tier, purpose, conditions).text


def programme_details(tables: PolicyTables, programme_id: str) -> Optional[str]:
    """Every detail of one programme, with its sources; None for an unknown programme."""
    programme = tables.programmes.get(programme_id)
    if programme is None:
        return None
    sources: List[str] = []
    text = _option_text(tables, None, Option(programme), sources)
    return f"{text}\n\n{CHECK_FIGURES_NOTE}\n\n{SOURCE_PREFIX}" + "; ".join(_one_per_document(sources))
