"""The announcement pages (Vietnamese): list with the writing form, one announcement with its history (templates announcement*.html)."""

from __future__ import annotations

from datetime import date
from typing import List, Mapping, Optional, Sequence, Tuple

from staff.announcements import (
    ACTION_NAMES, APPROVED, DRAFT, FAILED, MAX_CHARS, PENDING, QUEUED, STATE_NAMES, Announcement, Counts, Event, masked,
)
from staff.approval import decision_buttons
from staff.html import Markup, render
from staff.validation import Problem
from knowledge.tables import format_date

DELIVERY_STATES = {QUEUED: "chờ gửi", FAILED: "không gửi được"}


def _expiry(item: Announcement) -> str:
    return f"đến hết ngày {format_date(item.expires)}" if item.expires else "không ghi ngày hết hạn"


def announcement_form(action: str, csrf: str, form: Mapping[str, str], problems: Sequence[Problem] = (),
                      preview: str = "", version: Optional[int] = None, button: str = "Gửi để duyệt") -> Markup:
    return render("announcement_form.html", action=action, csrf=csrf, form=form, problems=problems, preview=preview,
                  version=version, button=button, max_chars=MAX_CHARS)


def announcement_card(item: Announcement, rendered: str, user: str, csrf: str, counts: Counts, running: bool,
                      zalo_ready: bool) -> Markup:
    base = f"/announcements/{item.id}"
    fields = {"version": item.version}
    actions = {PENDING: "decide", DRAFT: "draft", APPROVED: "approved"}.get(item.state, "")
    decision = (decision_buttons(base, item.written_by, user, csrf, fields, "kiểm tra nội dung và duyệt")
                if item.state == PENDING else Markup(""))
    return render("announcement_card.html", item=item, base=base, fields=fields, csrf=csrf,
                  state_name=STATE_NAMES[item.state], expiry=_expiry(item), rendered=rendered or masked(item.text),
                  source=f" · soạn từ số liệu {item.source}" if item.source else "", counts=counts, running=running,
                  zalo_ready=zalo_ready, actions=actions, decision=decision)


def list_page(cards: List[Markup], csrf: str, form: Mapping[str, str], problems: Sequence[Problem] = (),
              preview: str = "", shown: Optional[Tuple[int, str]] = None, day: Optional[date] = None) -> Markup:
    return render("announcements.html", shown=shown, day=day, cards=cards,
                  form=announcement_form("/announcements/new", csrf, form, problems, preview))


def _detail(event: Event) -> str:
    d = event.detail
    if event.action == "delivery":
        text = (f"lần này: gửi được {d.get('sent', 0)}, không gửi được {d.get('failed', 0)}, để sau "
                f"{d.get('later', 0)}; tổng: đã gửi {d.get('total_sent', 0)}, không gửi được "
                f"{d.get('total_failed', 0)}, chờ gửi {d.get('total_pending', 0)}")
        return text + (f" — dừng: {d['stopped']}" if d.get("stopped") else "")
    return masked(str(d.get("text") or ""))[:200]


def detail_page(card: Markup, editor: Markup, events: Sequence[Event], reasons: Sequence[Tuple[str, str, int]]) -> Markup:
    rows = [(e.at, e.user or "hệ thống", ACTION_NAMES.get(e.action, e.action), _detail(e)) for e in reversed(events)]
    return render("announcement.html", card=card, editor=editor, reasons=reasons, delivery_states=DELIVERY_STATES,
                  events=rows)
