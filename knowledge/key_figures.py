"""The key figures of one programme, for the end of an answer that did not give them.

Citizens ask "có được vay không?" and need, with the yes, how much, at what rate and for
how long; an FAQ entry answers its own question only. This component writes one line,
"Tóm tắt vay hộ nghèo: mức vay tối đa 100 triệu đồng/hộ; lãi suất 6,24%/năm; thời hạn
tối đa 120 tháng.", from the programme table (never typed figures), leaving out what the
answer already says and what the table does not know; and where to apply, when the answer
does not say it.

Input: the tables, a programme id, the answer's text. Output: the line and the figures it
used (for the source line), or None.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from knowledge.tables import LITERAL_FIGURE, UNCONFIRMED_NOTE, Figure, PolicyTables

FIELDS = (("cap", "mức vay"), ("rate", "lãi suất"), ("term", "thời hạn"), ("collateral", "tài sản bảo đảm:"))
# Words by which an answer already speaks of collateral (it has no number to look for).
_COLLATERAL_WORDS = ("thế chấp", "bảo đảm")
# Words by which an answer already says where to apply; else the line ends with the
# programme's own place ("where" in content/programmes.yml): asked "có được vay không?", a
# citizen's next step is where to go.
_PLACE_WORDS = ("Tổ TK&VV", "Tổ tiết kiệm", "Tổ trưởng", "Điểm giao dịch", "Phòng giao dịch")
WHERE_LABEL = "nơi làm thủ tục:"
LINE = "Tóm tắt {name}: {items}."
_UNKNOWN = "chưa có thông tin"


_LABELLED = re.compile(r"(?:^|\.\s+)[A-ZĐÀ-Ỹ][^.:;]{2,40}:\s")


def _first_clause(text: str) -> str:
    """A figure's text up to its first ";" or sentence end: the figure, not its commentary.
    A text in labelled parts ("Học nghề: …. Sản xuất, kinh doanh: …") keeps every part:
    the first alone would read as the cap."""
    if len(_LABELLED.findall(text)) >= 2:
        parts = [part.strip().rstrip(".") for part in re.split(r"\.\s+", text) if part.strip()]
        return "; ".join(part[0].lower() + part[1:] for part in parts)  # "mức vay học nghề: …; sản xuất…"
    for stop in (";", ". "):
        text = text.split(stop, 1)[0]
    return text.strip().rstrip(".")


def _already_said(field: str, clause: str, answer_text: str) -> bool:
    """True when the answer already states this figure (its first number and unit)."""
    if field == "collateral":
        return any(word in answer_text for word in _COLLATERAL_WORDS)
    figures = [match.group(0) for match in LITERAL_FIGURE.finditer(clause)]
    return clause in answer_text or bool(figures) and figures[0] in answer_text


def _worth_saying(field: str, clause: str) -> bool:
    """A figure with a number, a bound ("tối đa bằng thời hạn hợp đồng") or a collateral
    rule; not "chưa có thông tin" nor a long description without a figure."""
    if not clause or _UNKNOWN in clause:
        return False
    return field == "collateral" or bool(LITERAL_FIGURE.search(clause)) or clause.startswith("tối đa")


def key_figures(tables: PolicyTables, programme: str, answer_text: str) -> Optional[Tuple[str, List[Figure]]]:
    """The summary line of ``programme``'s cap, rate and term not yet in ``answer_text``."""
    row = tables.programmes.get(programme)
    if not row or not row.get("short_name"):
        return None
    items: List[str] = []
    used: List[Figure] = []
    for field, label in FIELDS:
        if field not in row:
            continue
        figure = tables.figure(programme, field)
        clause = _first_clause(figure.text)
        if not _worth_saying(field, clause) or _already_said(field, clause, answer_text):
            continue
        if field == "collateral":
            clause = clause[0].lower() + clause[1:]
        hedged = figure.confirmed or "xác nhận" in clause
        items.append(f"{label} {clause}" + ("" if hedged else f" ({figure.hedge or UNCONFIRMED_NOTE})"))
        used.append(figure)
    where = str(row.get("where") or "")
    if items and where and not any(word in answer_text for word in _PLACE_WORDS):
        items.append(f"{WHERE_LABEL} {where}")
    if not items:
        return None
    return LINE.format(name=row["short_name"], items="; ".join(items)), used
