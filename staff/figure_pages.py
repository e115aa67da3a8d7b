"""The HTML of the policy-figure pages (Vietnamese): list, one figure, proposal form, preview, sheet import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Optional, Sequence, Tuple

from knowledge import dated
from staff.approval import decision_buttons
from staff.faq_store import StoredEntry
from staff.figure_effects import Change, Dependent, Preview
from staff.figure_sheet import FigureImportPlan
from staff.figure_store import STATE_NAMES, STATUSES, entry_version, rollback_refusal
from staff.html import Safe, csrf_field, join, post_button, render, url
from staff.pages import problems_list
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


def _badges(row: FigureRow) -> Safe:
    parts = []
    if row.pending:
        parts.append(render('<span class="badge pending">$n đề xuất chờ duyệt</span>', n=row.pending))
    if row.upcoming is not None:
        parts.append(render('<span class="badge scheduled">đổi từ $d</span>', d=format_date(row.upcoming[1])))
    return join(parts, " ")


def figure_list(rows: Sequence[FigureRow], query: str, group: str, groups: Sequence[Tuple[str, str]],
                waiting: bool, day: date) -> Safe:
    options = join(render('<option value="$g" $sel>$name</option>', g=g, name=name, sel=Safe("selected" if g == group else ""))
                   for g, name in groups)
    sections, current = [], None
    for row in rows:
        if row.group != current:
            current = row.group
            sections.append(render('<tr class="group"><th colspan="5">$name</th></tr>', name=row.group_name))
        sections.append(render("""<tr><td><a href="$link"><code>$code</code></a><br><span class="muted">$label</span></td>
<td>$text</td><td>$since</td><td>$status</td><td>$badges</td></tr>""",
                               link=f"/figures/{row.group}/{row.key}", code=f"{{{{{row.group}.{row.key}}}}}",
                               label=row.label, text=row.today.text, since=_day(row.today.effective),
                               status=STATUSES["confirmed" if row.today.confirmed else "unconfirmed"],
                               badges=_badges(row)))
    return render("""
<form method="get" action="/figures" class="card">
<label for="q">Tìm số liệu (mã, tên, nội dung; có dấu hay không dấu đều được)</label>
<input type="search" id="q" name="q" value="$query">
<label for="group">Nhóm</label><select id="group" name="group"><option value="">tất cả</option>$options</select>
<label class="hint"><input type="checkbox" name="waiting" value="1" $waiting> Chỉ số liệu có đề xuất chờ duyệt
hoặc sắp thay đổi</label>
<p><button type="submit">Lọc</button> <a href="/figures/transfer">Nhập/Xuất bảng số liệu</a></p>
</form>
<p class="muted">$count số liệu. Cột «Bot nói hôm nay» là mức đang áp dụng ngày $today. Bấm vào mã để xem lịch sử,
đề xuất mức mới, duyệt hoặc hoàn tác.</p>
<table><thead><tr><th>Số liệu</th><th>Bot nói hôm nay</th><th>Áp dụng từ</th><th>Xác nhận</th><th>Thay đổi</th></tr>
</thead><tbody>$rows</tbody></table>""", query=query, options=options, waiting=Safe("checked" if waiting else ""),
                  count=len(rows), today=format_date(day), rows=join(sections))


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


def history_table(entries: Sequence[Mapping[str, Any]], unit: str) -> Safe:
    rows = join(render("""<tr class="$state"><td>$n</td><td>$start</td><td>$end</td><td>$amount</td><td>$text</td>
<td>$source</td><td>$status</td><td>$state_name</td><td>$proposed</td><td>$decided</td></tr>""",
                       state=dated.state_of(e), n=i + 1, start=_day(e.get("from", e.get("effective"))),
                       end=_day(e.get("to")), amount=_amount(e, unit), text=e.get("text") or "",
                       source=e.get("source") or "", status=STATUSES.get(str(e.get("status")), e.get("status") or ""),
                       state_name=STATE_NAMES.get(dated.state_of(e), e.get("state")),
                       proposed=_who(e, "proposed") or "viết tay trong tệp", decided=_decision(e))
                for i, e in reversed(list(enumerate(entries))))
    return render("""<table class="history"><thead><tr><th>#</th><th>Từ ngày</th><th>Đến ngày</th><th>Mức</th>
<th>Cách bot nói (riêng mục này)</th><th>Nguồn</th><th>Xác nhận</th><th>Trạng thái</th><th>Đề xuất</th>
<th>Duyệt / từ chối / thu hồi</th></tr></thead><tbody>$rows</tbody></table>
<p class="muted">Mục mới nhất ở trên. Chỉ mức «đã duyệt» được bot dùng; khi nhiều mức đã duyệt cùng áp dụng một ngày,
mức có ngày bắt đầu muộn nhất được dùng, nên mức cũ không cần ghi ngày kết thúc.</p>""", rows=rows)


def pending_cards(group: str, key: str, entries: Sequence[Mapping[str, Any]], unit: str, user: str, csrf: str,
                  spoken: Mapping[int, str]) -> Safe:
    cards = []
    for index, entry in enumerate(entries):
        if entry.get("state") != dated.PENDING:
            continue
        fields = {"entry": index, "version": entry_version(entry)}
        base = f"/figures/{group}/{key}"
        buttons = decision_buttons(base, str(entry.get("proposed_by") or ""), user, csrf, fields)
        cards.append(render("""<div class="card pending"><p><strong>Đề xuất #$n chờ duyệt</strong>: $amount từ $start$end
— $status</p><p>Khi được duyệt, từ $start bot nói: <strong>$spoken</strong></p>$text<p class="muted">Nguồn: $source<br>Đề xuất: $proposed$note</p>
<p><a href="$preview">Xem trước câu trả lời khi mức này áp dụng</a></p>$buttons</div>""",
                            n=index + 1, amount=_amount(entry, unit), start=_day(entry.get("from")),
                            end=f" đến {_day(entry.get('to'))}" if entry.get("to") else "",
                            status=STATUSES.get(str(entry.get("status")), ""),
                            spoken=spoken.get(index, ""),
                            text=render('<p class="muted">Câu mẫu riêng của mức này: «$t»</p>', t=entry["text"])
                            if entry.get("text") else Safe(""), source=entry.get("source") or "", proposed=_who(entry, "proposed"),
                            note=render("<br>Ghi chú: $n", n=entry["note"]) if entry.get("note") else Safe(""),
                            preview=url(f"{base}/preview", entry=index), buttons=buttons))
    return join(cards)


def rollback_card(group: str, key: str, target: Optional[Tuple[int, Mapping[str, Any]]], unit: str, after: str,
                  gap: Optional[date], csrf: str) -> Safe:
    if target is None:
        return Safe("")
    index, entry = target
    what = render("Mức mới nhất đã duyệt là #$n: $amount từ $start$who.", n=index + 1, amount=_amount(entry, unit),
                  start=_day(entry.get("from", entry.get("effective"))),
                  who=f" (duyệt: {_who(entry, 'approved')})" if entry.get("approved_by") else "")
    if gap is not None:
        action = render('<p class="muted">$why</p>', why=rollback_refusal(gap))
    else:
        action = render('<p>Hoàn tác thì bot nói lại: «$after».</p>$button<p class="muted">Một người làm được: hoàn '
                        'tác chỉ quay về mức đã được duyệt trước đó. Mức bị hoàn tác vẫn nằm trong lịch sử '
                        '(«đã thu hồi»), ghi rõ ai hoàn tác và lúc nào.</p>', after=after,
                        button=post_button(f"/figures/{group}/{key}/rollback", "Hoàn tác mức này", csrf, "danger",
                                           {"entry": index, "version": entry_version(entry)}))
    return render('<div class="card"><strong>Hoàn tác</strong><p>$what</p>$action</div>', what=what, action=action)


def proposal_form(group: str, key: str, form: Mapping[str, str], csrf: str, problems: Sequence[Problem],
                  numeric: bool) -> Safe:
    statuses = join(render('<option value="$v" $sel>$label</option>', v=v, label=label,
                           sel=Safe("selected" if form.get("status", "confirmed") == v else ""))
                    for v, label in STATUSES.items())
    value_hint = ("— bắt buộc; ghi dấu phẩy hoặc dấu chấm thập phân đều được (6,0 hoặc 6.0), không ghi đơn vị"
                  if numeric else "— số liệu này được nói bằng chữ; để trống nếu không có con số")
    return render("""$problems
<form method="post" action="$action" class="card" id="propose">
$csrf
<strong>Đề xuất mức mới</strong>
<p class="muted">Mức mới chỉ được bot dùng sau khi một cán bộ khác duyệt, và từ ngày áp dụng ghi dưới đây
(mức đang dùng vẫn áp dụng đến hết ngày hôm trước).</p>
<label for="value">Mức mới <span class="hint">$value_hint</span></label>
<input type="text" id="value" name="value" value="$value" inputmode="decimal">
<label for="from">Áp dụng từ ngày <span class="hint">— ngày/tháng/năm, ví dụ 01/03/2027</span></label>
<input type="text" id="from" name="from" value="$start" required>
<label for="to">Đến ngày <span class="hint">— để trống nếu áp dụng đến khi có mức khác</span></label>
<input type="text" id="to" name="to" value="$end">
<label for="text">Cách bot nói <span class="hint">— để trống để giữ cách nói hiện tại; {value} chèn con số,
{rate} nói lãi suất năm kèm mức tháng</span></label>
<input type="text" id="text" name="text" value="$text">
<label for="source">Văn bản nguồn <span class="hint">— số hiệu, ngày ban hành, điều khoản
(ví dụ «Quyết định 123/QĐ-TTg ngày 15/01/2027, Điều 1»)</span></label>
<input type="text" id="source" name="source" value="$source" required>
<label for="status">Mức độ chắc chắn</label><select id="status" name="status">$statuses</select>
<label for="note">Ghi chú cho người duyệt <span class="hint">— không bắt buộc</span></label>
<input type="text" id="note" name="note" value="$note">
<label class="hint"><input type="checkbox" name="confirm_warnings" value="1"> Tôi đã xem các cảnh báo, vẫn gửi</label>
<p><button type="submit" name="do" value="preview" class="secondary">Xem trước</button>
<button type="submit" name="do" value="save">Gửi đề xuất để duyệt</button></p>
</form>""", problems=problems_list(problems), action=f"/figures/{group}/{key}/propose", csrf=csrf_field(csrf),
                  value_hint=value_hint, value=form.get("value", ""), start=form.get("from", ""), end=form.get("to", ""),
                  text=form.get("text", ""), source=form.get("source", ""), statuses=statuses, note=form.get("note", ""))


def _change_rows(changes: Sequence[Change], with_sources: bool = False) -> Safe:
    return join(render("""<tr class="$css"><td><a href="$link">$title</a>$mark</td><td><div class="answer-box">$without</div></td>
<td><div class="answer-box">$with_it</div>$sources</td></tr>""",
                       css="changed" if c.changed else "same", link=c.link, title=c.title,
                       mark=Safe("") if c.changed else Safe('<br><span class="muted">(không đổi)</span>'),
                       without=c.without, with_it=c.with_it,
                       sources=render('<p class="muted">Nguồn: $s</p>', s=c.sources) if with_sources and c.sources
                       else Safe(""))
                for c in changes)


def preview_section(preview: Preview, heading: str) -> Safe:
    head = render("<thead><tr><th></th><th>Nếu không duyệt</th><th>Khi đã duyệt</th></tr></thead>")
    changed = sum(1 for c in preview.answers if c.changed)
    return render("""<section class="card preview" id="preview"><h2>$heading</h2>
<p>Tất cả đọc như bot sẽ nói ngày <strong>$day</strong>: cột trái theo các mức đang được duyệt, cột phải khi đề xuất
này được duyệt.</p>
<table>$head<tbody>$figure$figures</tbody></table>
<h3>Câu trả lời hỏi đáp dùng số liệu này ($count mục, $changed mục thay đổi)</h3>
<table>$head<tbody>$answers</tbody></table>
<h3>Trợ lý tư vấn: các dòng của chương trình dùng số liệu này ($advisor_count chương trình)</h3>
<table>$head<tbody>$advisor</tbody></table></section>""",
                  heading=heading, day=format_date(preview.day), head=head,
                  figure=_change_rows([preview.figure]), figures=_change_rows(preview.figures),
                  count=len(preview.answers), changed=changed,
                  answers=_change_rows(preview.answers, True) or Safe('<tr><td colspan="3">Không có mục nào.</td></tr>'),
                  advisor_count=len(preview.advisor),
                  advisor=_change_rows(preview.advisor) or Safe('<tr><td colspan="3">Không có chương trình nào.</td></tr>'))


def figure_page(group: str, key: str, label: str, today: Figure, upcoming: Optional[Tuple[Figure, date]], day: date,
                entries: Sequence[Mapping[str, Any]], unit: str, user: str, csrf: str, form: Mapping[str, str],
                problems: Sequence[Problem], numeric: bool, uses: Sequence[Tuple[StoredEntry, bool]],
                figure_dependents: Sequence[Dependent], advisor: Sequence[Tuple[str, str]],
                rollback: Safe, spoken: Mapping[int, str], preview: Safe = Safe("")) -> Safe:
    coming = (render("<p>Từ <strong>$d</strong> (đã duyệt, tự áp dụng từ ngày đó): «$t»</p>",
                     d=format_date(upcoming[1]), t=upcoming[0].spoken()) if upcoming else Safe(""))
    use_rows = join(render('<li><a href="$link">$id</a>: $q$how</li>', link=f"/faq/{item.data['id']}/edit",
                           id=item.data["id"], q=item.data["question"],
                           how="" if direct else " (qua số liệu tính từ số liệu này)") for item, direct in uses)
    dependent_rows = join(render('<li><a href="$link"><code>$code</code></a> — $how</li>',
                                 link=f"/figures/{d.group}/{d.key}", code=f"{{{{{d.name}}}}}", how=d.how)
                          for d in figure_dependents)
    advisor_rows = join(render('<li>$name</li>', name=name) for _, name in advisor)
    return render("""<p><a href="/figures">← Danh sách số liệu</a> · <code>$code</code> · $label</p>
<div class="card"><p>Hôm nay ($day) bot nói: <strong>$text</strong></p>
<p class="muted">Áp dụng từ: $since · Nguồn: $source · $status</p>$coming</div>
$preview
$pending
$form
$rollback
<h2>Lịch sử các mức</h2>
$history
<h2>Dùng ở đâu</h2>
<div class="card"><strong>Mục hỏi đáp dùng số liệu này ($use_count)</strong><ul>$uses</ul>
<strong>Số liệu khác tính từ số liệu này ($dependent_count)</strong><ul>$dependents</ul>
<strong>Trợ lý tư vấn (lãi suất, mức vay, thời hạn, tài sản bảo đảm của các chương trình) ($advisor_count)</strong>
<ul>$advisor</ul></div>""",
                  code=f"{{{{{group}.{key}}}}}", label=label, day=format_date(day), text=today.spoken(),
                  since=_day(today.effective), source=today.source or "—",
                  status=STATUSES["confirmed" if today.confirmed else "unconfirmed"], coming=coming, preview=preview,
                  pending=pending_cards(group, key, entries, unit, user, csrf, spoken),
                  form=proposal_form(group, key, form, csrf, problems, numeric), rollback=rollback,
                  history=history_table(entries, unit), use_count=len(uses),
                  uses=use_rows or Safe("<li>Không có mục nào.</li>"), dependent_count=len(figure_dependents),
                  dependents=dependent_rows or Safe("<li>Không có.</li>"), advisor_count=len(advisor),
                  advisor=advisor_rows or Safe("<li>Không có chương trình nào.</li>"))


def figure_transfer_page(csrf: str, plan: Optional[FigureImportPlan] = None, applied: Optional[int] = None,
                         error: str = "") -> Safe:
    result = Safe("")
    if error:
        result = render('<p class="flash error">$error</p>', error=error)
    elif plan is not None:
        problems = join(render('<tr class="$level"><td>$row</td><td><code>$name</code></td><td>$level_text</td>'
                               '<td>$message</td></tr>', row=row, name=name, level=p.level, message=p.message,
                               level_text="lỗi" if p.level == "error" else "cảnh báo")
                        for row, name, p in plan.problems)
        summary = (f"{len(plan.proposals)} đề xuất mới, {plan.unchanged} dòng giữ nguyên."
                   + (f" Đã gửi {applied} đề xuất; mỗi đề xuất cần một cán bộ khác duyệt trên trang của số liệu."
                      if applied is not None else " Chưa lưu gì."))
        table = (render('<table class="problems"><thead><tr><th>Dòng</th><th>Số liệu</th><th></th><th>Vấn đề</th></tr>'
                        '</thead><tbody>$rows</tbody></table>', rows=problems) if plan.problems else Safe(""))
        result = render('<div class="card"><p><strong>$summary</strong></p>$table</div>', summary=summary, table=table)
    return render("""$result
<div class="card"><strong>Xuất bảng số liệu</strong>
<p><a href="/export/figures.xlsx">Tải về tệp Excel (.xlsx)</a> · <a href="/export/figures.csv">Tải về tệp CSV (UTF-8)</a></p>
<p class="muted">Mỗi dòng là một mức trong lịch sử của một số liệu, kể cả mức chờ duyệt, bị từ chối hay đã thu hồi.
Để đề xuất mức mới: thêm một dòng, ghi «Nhóm» và «Số liệu» như dòng cũ, để trống cột «Thứ tự», ghi «Từ ngày»,
«Mức», «Nguồn». Không sửa các dòng đã có (muốn bỏ một mức thì dùng nút «Hoàn tác» trên trang của số liệu).</p></div>
<form method="post" action="/import/figures" enctype="multipart/form-data" class="card">
$csrf
<label for="file">Nhập bảng số liệu đã thêm dòng (.xlsx hoặc .csv)</label>
<input type="file" id="file" name="file" accept=".xlsx,.csv" required>
<label class="hint"><input type="checkbox" name="dry_run" value="1" checked> Chỉ kiểm tra, chưa lưu</label>
<label class="hint"><input type="checkbox" name="confirm_warnings" value="1"> Tôi đã xem các cảnh báo, vẫn gửi</label>
<p><button type="submit">Nhập</button></p>
<p class="muted">Mỗi dòng mới được kiểm tra như khi đề xuất trên trang và trở thành một đề xuất <strong>chờ duyệt</strong>:
nhập bảng tính không bao giờ tự duyệt một mức. Nếu có một lỗi thì không dòng nào được lưu.</p>
</form>""", result=result, csrf=csrf_field(csrf))
