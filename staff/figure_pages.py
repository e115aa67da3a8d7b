"""The policy-figure pages (Vietnamese): list, one figure, proposal form, preview, sheet import (templates figure*.html)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Optional, Sequence, Tuple

from knowledge import dated
from staff.approval import decision_buttons
from staff.faq_store import StoredEntry
from staff.figure_effects import Dependent, Preview
from staff.figure_sheet import FigureImportPlan
from staff.figure_store import STATE_NAMES, STATUSES, entry_version, rollback_refusal
from staff.html import Markup, render, url
from staff.validation import Problem
from knowledge.tables import Figure, format_date


@dataclass
class FigureRow:
    """One line of the list: a figure as the bot says it today, and what is waiting or coming."""

    group: str
    key: str
    group_name: str
    label: str
    today: Figure
    pending: int
    upcoming: Optional[Tuple[Figure, date]]


def _day(value: Any) -> str:
    return format_date(value) if value else "—"


def figure_list(rows: Sequence[FigureRow], query: str, group: str, groups: Sequence[Tuple[str, str]],
                waiting: bool, day: date) -> Markup:
    return render("figure_list.html", rows=rows, query=query, group=group, groups=groups, waiting=waiting, day=day,
                  statuses=STATUSES)


def _amount(entry: Mapping[str, Any], unit: str) -> str:
    rule = entry.get("rule")
    if rule:
        return f"bằng {rule.get('percent')}% của {{{{{rule.get('of')}}}}}"
    value = entry.get("value")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{dated.number(value)}{'' if unit.startswith('%') else ' '}{unit}".strip()
    return "—"


def _who(entry: Mapping[str, Any], action: str) -> str:
    who = entry.get(f"{action}_by")
    return f"{who}, {_clock(entry.get(f'{action}_at'))}" if who else ""


def _clock(value: Any) -> str:
    text = str(value or "")
    return f"{text[8:10]}/{text[5:7]}/{text[0:4]} {text[11:16]}" if len(text) >= 16 else text


def _decision(entry: Mapping[str, Any]) -> str:
    parts = [f"duyệt: {_who(entry, 'approved')}" if entry.get("approved_by") else "",
             f"từ chối: {_who(entry, 'rejected')}" if entry.get("rejected_by") else "",
             f"thu hồi: {_who(entry, 'withdrawn')}" if entry.get("withdrawn_by") else ""]
    return "; ".join(p for p in parts if p)


def history_table(entries: Sequence[Mapping[str, Any]], unit: str) -> Markup:
    rows = [{"state": dated.state_of(e), "n": i + 1, "start": _day(e.get("from", e.get("effective"))),
             "end": _day(e.get("to")), "amount": _amount(e, unit), "text": e.get("text") or "",
             "source": e.get("source") or "", "status": STATUSES.get(str(e.get("status")), e.get("status") or ""),
             "state_name": STATE_NAMES.get(dated.state_of(e), e.get("state")),
             "proposed": _who(e, "proposed") or "viết tay trong tệp", "decided": _decision(e)}
            for i, e in reversed(list(enumerate(entries)))]
    return render("figure_history.html", rows=rows)


def pending_cards(group: str, key: str, entries: Sequence[Mapping[str, Any]], unit: str, user: str, csrf: str,
                  spoken: Mapping[int, str]) -> Markup:
    base = f"/figures/{group}/{key}"
    cards = [{"n": index + 1, "amount": _amount(entry, unit), "start": _day(entry.get("from")),
              "end": f" đến {_day(entry.get('to'))}" if entry.get("to") else "",
              "status": STATUSES.get(str(entry.get("status")), ""), "spoken": spoken.get(index, ""),
              "text": entry.get("text") or "", "source": entry.get("source") or "",
              "proposed": _who(entry, "proposed"), "note": entry.get("note") or "",
              "preview": url(f"{base}/preview", entry=index),
              "buttons": decision_buttons(base, str(entry.get("proposed_by") or ""), user, csrf,
                                          {"entry": index, "version": entry_version(entry)})}
             for index, entry in enumerate(entries) if entry.get("state") == dated.PENDING]
    return render("figure_pending.html", cards=cards)


def rollback_card(group: str, key: str, target: Optional[Tuple[int, Mapping[str, Any]]], unit: str, after: str,
                  gap: Optional[date], csrf: str) -> Markup:
    if target is None:
        return Markup("")
    index, entry = target
    approved = f" (duyệt: {_who(entry, 'approved')})" if entry.get("approved_by") else ""
    what = (f"Mức mới nhất đã duyệt là #{index + 1}: {_amount(entry, unit)} "
            f"từ {_day(entry.get('from', entry.get('effective')))}{approved}.")
    return render("figure_rollback.html", what=what, refusal=rollback_refusal(gap) if gap is not None else "",
                  after=after, action=f"/figures/{group}/{key}/rollback", csrf=csrf,
                  fields={"entry": index, "version": entry_version(entry)})


def proposal_form(group: str, key: str, form: Mapping[str, str], csrf: str, problems: Sequence[Problem],
                  numeric: bool) -> Markup:
    value_hint = ("— bắt buộc; ghi dấu phẩy hoặc dấu chấm thập phân đều được (6,0 hoặc 6.0), không ghi đơn vị"
                  if numeric else "— số liệu này được nói bằng chữ; để trống nếu không có con số")
    return render("figure_proposal.html", problems=problems, action=f"/figures/{group}/{key}/propose", csrf=csrf,
                  value_hint=value_hint, form=form, statuses=STATUSES)


def preview_section(preview: Preview, heading: str) -> Markup:
    return render("figure_preview.html", preview=preview, heading=heading)


def figure_page(group: str, key: str, label: str, today: Figure, upcoming: Optional[Tuple[Figure, date]], day: date,
                entries: Sequence[Mapping[str, Any]], unit: str, user: str, csrf: str, form: Mapping[str, str],
                problems: Sequence[Problem], numeric: bool, uses: Sequence[Tuple[StoredEntry, bool]],
                figure_dependents: Sequence[Dependent], advisor: Sequence[Tuple[str, str]],
                rollback: Markup, spoken: Mapping[int, str], preview: Markup = Markup("")) -> Markup:
    return render("figure.html", code=f"{{{{{group}.{key}}}}}", label=label, day=day, today=today, upcoming=upcoming,
                  status=STATUSES["confirmed" if today.confirmed else "unconfirmed"], preview=preview,
                  pending=pending_cards(group, key, entries, unit, user, csrf, spoken),
                  form=proposal_form(group, key, form, csrf, problems, numeric), rollback=rollback,
                  history=history_table(entries, unit), uses=uses, dependents=figure_dependents, advisor=advisor)


def figure_transfer_page(csrf: str, plan: Optional[FigureImportPlan] = None, applied: Optional[int] = None,
                         error: str = "") -> Markup:
    return render("figure_transfer.html", csrf=csrf, plan=plan, applied=applied, error=error)
