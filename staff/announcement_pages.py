"""The HTML of the announcement pages (Vietnamese): list with the writing form, one announcement with its history."""

from __future__ import annotations

from datetime import date
from typing import List, Mapping, Optional, Sequence, Tuple

from staff.announcements import (
    ACTION_NAMES, APPROVED, DRAFT, FAILED, MAX_CHARS, PENDING, QUEUED, STATE_NAMES, Announcement, Counts, Event, masked,
)
from staff.approval import decision_buttons
from staff.html import Safe, csrf_field, join, post_button, render
from staff.pages import problems_list
from staff.validation import Problem
from knowledge.tables import format_date

DELIVERY_STATES = {QUEUED: "chờ gửi", FAILED: "không gửi được"}


def _expiry(item: Announcement) -> str:
    return f"đến hết ngày {format_date(item.expires)}" if item.expires else "không ghi ngày hết hạn"


def counts_line(counts: Counts, running: bool) -> Safe:
    if not counts.total and not running:
        return Safe("")
    return render('<p class="delivery"><strong>Zalo:</strong> đã gửi tới <strong class="sent">$sent</strong> người, '
                  'không gửi được <strong class="failed">$failed</strong>, còn chờ gửi '
                  '<strong class="pending">$pending</strong>$running</p>', sent=counts.sent, failed=counts.failed,
                  pending=counts.pending, running=" — đang gửi…" if running else "")


def announcement_form(action: str, csrf: str, form: Mapping[str, str], problems: Sequence[Problem] = (),
                      preview: str = "", version: Optional[int] = None, button: str = "Gửi để duyệt") -> Safe:
    shown = (render('<div class="card"><strong>Người dân sẽ đọc (hôm nay):</strong>'
                    '<div class="answer-box">$text</div></div>', text=preview) if preview else Safe(""))
    hidden = render('<input type="hidden" name="version" value="$v">', v=version) if version is not None else Safe("")
    return render("""$problems$shown
<form method="post" action="$action" class="card" id="announcement-form">$csrf$hidden
<label for="text">Nội dung thông báo <span class="hint">— tối đa $max ký tự, chữ thường (không định dạng). Không gõ con
số chính sách: viết {{facts.poor_rate}}, {{ho_ngheo.rate}}… để bot điền số đang áp dụng, kèm nguồn.</span></label>
<textarea id="text" name="text" class="answer">$text</textarea>
<label for="expires">Hiện đến hết ngày <span class="hint">— ngày/tháng/năm, ví dụ 31/12/2026; để trống nếu hiện đến
khi thu hồi</span></label>
<input type="text" id="expires" name="expires" value="$expires">
<label class="hint"><input type="checkbox" name="confirm_warnings" value="1"> Tôi đã xem các cảnh báo, vẫn gửi</label>
<p><button type="submit" name="do" value="preview" class="secondary">Xem trước</button>
<button type="submit" name="do" value="save">$button</button></p>
<p class="muted">Thông báo chỉ hiện với người dân sau khi một cán bộ <strong>khác</strong> duyệt.</p>
</form>""", problems=problems_list(problems), shown=shown, action=action, csrf=csrf_field(csrf), hidden=hidden,
                  max=MAX_CHARS, text=form.get("text", ""), expires=form.get("expires", ""), button=button)


def announcement_card(item: Announcement, rendered: str, user: str, csrf: str, counts: Counts, running: bool,
                      zalo_ready: bool) -> Safe:
    base = f"/announcements/{item.id}"
    fields = {"version": item.version}
    if item.state == PENDING:
        actions = decision_buttons(base, item.written_by, user, csrf, fields, "kiểm tra nội dung và duyệt")
    elif item.state == DRAFT:
        actions = render('<p class="muted">Bản nháp soạn sẵn: hãy mở, sửa rồi gửi để duyệt.</p><p>$drop</p>',
                         drop=post_button(f"{base}/reject", "Bỏ bản nháp", csrf, "secondary", fields))
    elif item.state == APPROVED:
        send = (post_button(f"{base}/send", "Gửi qua Zalo" if not counts.total else "Gửi tiếp qua Zalo", csrf, "",
                            fields) if zalo_ready and not running else
                Safe('<span class="muted">Kênh Zalo chưa được cấu hình (ZALO_APP_ID…).</span>') if not zalo_ready
                else Safe(""))
        actions = render("<p>$send $withdraw</p>", send=send,
                         withdraw=post_button(f"{base}/withdraw", "Thu hồi", csrf, "danger", fields))
    else:
        actions = Safe("")
    decided = (render(" · $what: $who lúc $at", what=STATE_NAMES[item.state], who=item.decided_by, at=item.decided_at)
               if item.decided_by else Safe(""))
    return render("""<div class="card announcement $state" id="announcement-$id"><p><strong><a href="$link">Thông báo #$id</a></strong>
<span class="badge $state">$state_name</span> · $expiry</p>
<div class="answer-box">$rendered</div>
<p class="muted">Viết: $author lúc $at$decided$source</p>$counts$actions</div>""",
                  state=item.state, id=item.id, link=base, state_name=STATE_NAMES[item.state], expiry=_expiry(item),
                  rendered=rendered or masked(item.text), author=item.written_by, at=item.written_at, decided=decided,
                  source=f" · soạn từ số liệu {item.source}" if item.source else "",
                  counts=counts_line(counts, running), actions=actions)


def list_page(cards: List[Safe], csrf: str, form: Mapping[str, str], problems: Sequence[Problem] = (),
              preview: str = "", shown: Optional[Tuple[int, str]] = None, day: Optional[date] = None) -> Safe:
    now = (render('<div class="card"><strong>Người dân đang thấy ($day):</strong> thông báo #$id — «$text»</div>',
                  day=format_date(day), id=shown[0], text=shown[1]) if shown and day else
           Safe('<div class="card muted">Hiện không có thông báo nào được hiển thị cho người dân.</div>'))
    return render("""$now
<h2>Viết thông báo mới</h2>
$form
<h2>Các thông báo</h2>
$cards""", now=now, form=announcement_form("/announcements/new", csrf, form, problems, preview),
                  cards=join(cards) or Safe("<p>Chưa có thông báo nào.</p>"))


def history_table(events: Sequence[Event]) -> Safe:
    def detail(event: Event) -> str:
        d = event.detail
        if event.action == "delivery":
            text = (f"lần này: gửi được {d.get('sent', 0)}, không gửi được {d.get('failed', 0)}, để sau "
                    f"{d.get('later', 0)}; tổng: đã gửi {d.get('total_sent', 0)}, không gửi được "
                    f"{d.get('total_failed', 0)}, chờ gửi {d.get('total_pending', 0)}")
            return text + (f" — dừng: {d['stopped']}" if d.get("stopped") else "")
        return masked(str(d.get("text") or ""))[:200]

    rows = join(render("<tr><td>$at</td><td>$user</td><td>$action</td><td>$detail</td></tr>", at=e.at,
                       user=e.user or "hệ thống", action=ACTION_NAMES.get(e.action, e.action), detail=detail(e))
                for e in reversed(events))
    return render('<table class="history"><thead><tr><th>Lúc</th><th>Ai</th><th>Việc</th><th>Chi tiết</th></tr></thead>'
                  '<tbody>$rows</tbody></table>', rows=rows)


def detail_page(card: Safe, editor: Safe, events: Sequence[Event], reasons: Sequence[Tuple[str, str, int]]) -> Safe:
    reason_rows = join(render("<li>$state: $reason ($n)</li>", state=DELIVERY_STATES.get(state, state),
                              reason=reason or "chưa gửi", n=count) for state, reason, count in reasons)
    return render("""<p><a href="/announcements">← Các thông báo</a></p>
$card
$editor
$reasons
<h2>Lịch sử</h2>
$history""", card=card, editor=editor,
                  reasons=render('<div class="card"><strong>Chưa tới người nhận</strong><ul>$r</ul></div>', r=reason_rows)
                  if reasons else Safe(""), history=history_table(events))
