"""The HTML of each page of the staff app (Vietnamese), built from escaped parts only."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from staff.check import CheckReport
from staff.documents import DocumentInfo
from staff.faq_store import StoredEntry, entry_version
from staff.history import ORIGINAL, Version
from staff.html import Safe, csrf_field, join, post_button, render, url
from staff.importer import ImportPlan
from staff.rebuild import RebuildStatus
from staff.review import REASONS, Conversation
from staff.validation import Problem
from knowledge.tables import FIGURE_FIELDS, TEXT_FIELDS, PolicyTables

ACTIONS = {
    ORIGINAL: "bản gốc (trước lần sửa đầu tiên trên trang này)", "add": "thêm mới", "edit": "sửa",
    "retire": "ngừng dùng", "unretire": "dùng lại", "restore": "khôi phục", "import": "nhập từ bảng tính",
    "replace": "thay bằng tệp mới",
}
KIND_NAMES = {"faq": "mục hỏi đáp", "passage": "đoạn văn bản", "unsure": "chưa chắc chắn (không trả lời)",
              "unavailable": "tra cứu gián đoạn"}


def decimal(value: float, digits: int = 2) -> str:
    """A number as Vietnamese writes it (decimal comma)."""
    return f"{value:.{digits}f}".replace(".", ",")


def clock(timestamp: Optional[float]) -> str:
    return time.strftime("%H:%M:%S %d/%m/%Y", time.localtime(timestamp)) if timestamp else ""


def when(iso: str) -> str:
    """ISO time of a history record as dd/mm/yyyy hh:mm."""
    if not iso:
        return "—"
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]} {iso[11:16]}"


# -- status and login ------------------------------------------------------------------------
def status_bar(status: RebuildStatus, index_built_at: str) -> Safe:
    if status.state == "building":
        text, css = "Đang cập nhật chỉ mục tìm kiếm sau lần lưu gần nhất…", "status"
    elif status.state == "waiting":
        text, css = "Vừa lưu: chỉ mục tìm kiếm sẽ được cập nhật trong giây lát…", "status"
    elif status.state == "failed":
        text, css = ("Cập nhật chỉ mục tìm kiếm bị lỗi; bot vẫn trả lời theo nội dung cũ. Hãy báo cán bộ kỹ thuật "
                     "(xem /api/status)."), "status failed"
    elif status.last_finished:
        text, css = (f"Chỉ mục đã cập nhật lúc {clock(status.last_finished)}, {decimal(status.last_delay or 0, 1)} giây sau lần lưu; "
                     "bot dùng nội dung mới trong vòng vài giây."), "status"
    else:
        text, css = f"Chỉ mục tìm kiếm hiện tại dựng lúc {index_built_at or 'chưa rõ'}.", "status"
    return render('<div class="$css">$text</div>', css=css, text=text)


def login_page(token: str, next_path: str, error: str = "") -> Safe:
    return render("""
<form method="post" action="/login" class="card narrow">
$csrf<input type="hidden" name="next" value="$next">
<p class="flash error" $hidden>$error</p>
<label for="username">Tên đăng nhập</label>
<input type="text" id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Mật khẩu</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<p><button type="submit">Đăng nhập</button></p>
<p class="muted">Chưa có tài khoản? Nhờ cán bộ kỹ thuật tạo bằng lệnh
<code>python -m staff.accounts add &lt;tên&gt;</code>.</p>
</form>""", csrf=csrf_field(token), next=next_path, error=error, hidden=Safe("" if error else "hidden"))


# -- FAQ list --------------------------------------------------------------------------------
def faq_list(items: Sequence[StoredEntry], query: str, topic: str, state: str, topics: Sequence[str]) -> Safe:
    options = join(render('<option value="$t" $sel>$t</option>', t=t, sel=Safe("selected" if t == topic else ""))
                   for t in topics)
    states = join(render('<option value="$v" $sel>$label</option>', v=v, label=label,
                         sel=Safe("selected" if v == state else ""))
                  for v, label in (("active", "đang dùng"), ("retired", "đã ngừng dùng"), ("all", "tất cả")))
    rows = join(render("""<tr class="$css"><td><a href="$edit">$id</a></td><td>$question<br><span class="muted">$answer</span></td>
<td>$topic</td><td>$reviewed</td><td>$state</td><td><a href="$history">Lịch sử</a></td></tr>""",
                       css="retired" if item.retired else "", edit=f"/faq/{item.data['id']}/edit", id=item.data["id"],
                       question=item.data["question"], answer=_short(item.data["answer"]), topic=item.data["topic"],
                       reviewed=item.data["reviewed"], state="ngừng dùng" if item.retired else "đang dùng",
                       history=f"/faq/{item.data['id']}/history")
                for item in items)
    return render("""
<form method="get" action="/faq" class="card">
<label for="q">Tìm (câu hỏi, cách hỏi khác, câu trả lời, mã; gõ có dấu hay không dấu đều được)</label>
<input type="search" id="q" name="q" value="$query">
<label for="topic">Chủ đề</label><select id="topic" name="topic"><option value="">tất cả</option>$options</select>
<label for="state">Trạng thái</label><select id="state" name="state">$states</select>
<p><button type="submit">Lọc</button> <a href="/faq/new">+ Thêm câu hỏi mới</a></p>
</form>
<p class="muted">$count mục.</p>
<table><thead><tr><th>Mã</th><th>Câu hỏi / câu trả lời</th><th>Chủ đề</th><th>Rà soát</th><th>Trạng thái</th><th></th></tr></thead>
<tbody>$rows</tbody></table>""", query=query, options=options, states=states, count=len(items), rows=rows)


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


# -- FAQ form --------------------------------------------------------------------------------
def problems_list(problems: Sequence[Problem]) -> Safe:
    if not problems:
        return Safe("")
    errors = sum(1 for p in problems if p.level == "error")
    title = (f"Chưa lưu: cần sửa {errors} lỗi." if errors
             else "Chưa lưu: hãy xem các cảnh báo, đánh dấu «Tôi đã xem các cảnh báo» rồi bấm Lưu lại.")
    items = join(render('<li class="$level">$label $message</li>', level=p.level, message=p.message,
                        label="Lỗi:" if p.level == "error" else "Cảnh báo:") for p in problems)
    return render('<div class="card problems"><strong>$title</strong><ul>$items</ul></div>', title=title, items=items)


def faq_form(data: Mapping[str, Any], action: str, csrf: str, version: str, tables: PolicyTables,
             topics: Sequence[str], problems: Sequence[Problem] = (), preview: Optional[Tuple[str, List[str]]] = None,
             retired: bool = False, actions: Safe = Safe("")) -> Safe:
    programme_boxes = join(
        render('<label class="hint"><input type="checkbox" name="programmes" value="$id" $checked> $name '
               '<code>$id</code></label>', id=pid, name=programme["name"],
               checked=Safe("checked" if pid in data.get("programmes", []) else ""))
        for pid, programme in tables.programmes.items())
    topic_options = join(render('<option value="$t" $sel>$t</option>', t=t,
                                sel=Safe("selected" if t == data.get("topic") else "")) for t in topics)
    preview_html = Safe("")
    if preview is not None:
        text, sources = preview
        preview_html = render('<div class="card"><strong>Bot sẽ trả lời:</strong><div class="answer-box">$text</div>'
                              '<p class="muted">Nguồn: $sources</p></div>', text=text, sources="; ".join(sources))
    return render("""
$retired_note$problems$preview
<form method="post" action="$action" class="card">
$csrf<input type="hidden" name="version" value="$version">
<label for="question">Câu hỏi chính</label>
<input type="text" id="question" name="question" value="$question" required>
<label for="paraphrases">Cách hỏi khác <span class="hint">— mỗi dòng một câu, ít nhất 3; nên có câu không dấu,
viết tắt như người dân hay gõ (vd. «lai suat ho ngheo bn»)</span></label>
<textarea id="paraphrases" name="paraphrases">$paraphrases</textarea>
<label for="answer">Câu trả lời <span class="hint">— không gõ con số chính sách; dùng {{chương_trình.trường}} hoặc
{{facts.tên}} (xem danh sách bên dưới), bot tự điền số kèm nguồn và cảnh báo nếu chưa xác nhận</span></label>
<textarea id="answer" name="answer" class="answer">$answer</textarea>
<label for="sources">Nguồn <span class="hint">— mỗi dòng một văn bản, ghi cả điều, khoản
(vd. «Quyết định 750/QĐ-TTg năm 2015, Điều 1 khoản 1»)</span></label>
<textarea id="sources" name="sources">$sources</textarea>
<label>Chương trình liên quan</label>$programmes
<label for="topic">Chủ đề</label><select id="topic" name="topic">$topics</select>
<label for="tags">Từ khóa <span class="hint">— cách nhau bởi dấu phẩy</span></label>
<input type="text" id="tags" name="tags" value="$tags">
<label class="hint"><input type="checkbox" name="confirm_warnings" value="1"> Tôi đã xem các cảnh báo, vẫn lưu</label>
<p><button type="submit" name="do" value="save">Lưu</button>
<button type="submit" name="do" value="preview" class="secondary">Xem trước câu trả lời</button></p>
</form>
$actions
<details class="card"><summary>Danh sách số liệu có thể dùng trong câu trả lời</summary>$placeholders</details>
""", retired_note=Safe('<p class="flash warning">Mục này đang ngừng dùng: bot không dùng nó để trả lời.</p>')
        if retired else Safe(""), problems=problems_list(problems), preview=preview_html, action=action,
        csrf=csrf_field(csrf), version=version, question=data.get("question", ""),
        paraphrases="\n".join(data.get("paraphrases", [])), answer=data.get("answer", ""),
        sources="\n".join(data.get("sources", [])), programmes=programme_boxes, topics=topic_options,
        tags=", ".join(data.get("tags", [])), actions=actions, placeholders=placeholder_table(tables))


def placeholder_table(tables: PolicyTables) -> Safe:
    rows = []
    for pid, programme in tables.programmes.items():
        for field in (*FIGURE_FIELDS, *TEXT_FIELDS):
            try:
                figure = tables.figure(pid, field)
            except KeyError:
                continue
            rows.append((f"{{{{{pid}.{field}}}}}", f"{programme['name']}: {field}", figure.text, figure.confirmed))
    for key, raw in tables.facts.items():
        figure = tables.figure("facts", key)
        rows.append((f"{{{{facts.{key}}}}}", str(raw.get("note") or key)[:120], figure.text, figure.confirmed))
    body = join(render("<tr><td><code>$p</code></td><td>$what</td><td>$text</td><td>$status</td></tr>", p=p, what=what,
                       text=text, status="đã xác nhận" if ok else "chưa xác nhận") for p, what, text, ok in rows)
    return render("<table><thead><tr><th>Viết</th><th>Là gì</th><th>Bot sẽ nói</th><th>Trạng thái</th></tr></thead>"
                  "<tbody>$body</tbody></table>", body=body)


def entry_actions(item: StoredEntry, csrf: str) -> Safe:
    entry_id = item.data["id"]
    if item.retired:
        button = post_button(f"/faq/{entry_id}/unretire", "Dùng lại mục này", csrf, "secondary",
                             {"version": item.version})
    else:
        button = post_button(f"/faq/{entry_id}/retire", "Ngừng dùng mục này", csrf, "danger", {"version": item.version})
    return render('<div class="card">$button <a href="$history">Xem lịch sử các phiên bản</a>'
                  '<p class="muted">Ngừng dùng: mục được giữ lại (có thể dùng lại) nhưng bot không trả lời bằng '
                  'mục này nữa.</p></div>', button=button, history=f"/faq/{entry_id}/history")


# -- history ---------------------------------------------------------------------------------
def faq_history(entry_id: str, versions: Sequence[Version], current_version: str, csrf: str) -> Safe:
    if not versions:
        return render('<p>Mục <a href="$edit">$id</a> chưa được sửa trên trang quản trị nên chưa có lịch sử.</p>',
                      edit=f"/faq/{entry_id}/edit", id=entry_id)
    cards = []
    for version in versions:
        content = version.content
        is_current = entry_version(content) == current_version
        restore = (Safe("<strong>Đang dùng</strong>") if is_current else
                   post_button(f"/faq/{entry_id}/restore", f"Khôi phục phiên bản {version.number}", csrf, "secondary",
                               {"number": version.number}))
        cards.append(render("""<div class="card"><p><strong>Phiên bản $number</strong> — $action, $who, $at $restore</p>
<p><strong>$question</strong>$retired</p><div class="answer-box">$answer</div>
<p class="muted">Cách hỏi khác: $paraphrases<br>Nguồn: $sources</p></div>""",
                            number=version.number, action=ACTIONS.get(version.action, version.action),
                            who=version.user or "không rõ người sửa", at=when(version.at), restore=restore,
                            question=content.get("question", ""), answer=content.get("answer", ""),
                            retired=" (ngừng dùng)" if content.get("retired") else "",
                            paraphrases=" | ".join(content.get("paraphrases", [])),
                            sources="; ".join(content.get("sources", []))))
    return render('<p><a href="$edit">← Về mục $id</a></p>$cards', edit=f"/faq/{entry_id}/edit", id=entry_id,
                  cards=join(cards))


# -- documents -------------------------------------------------------------------------------
def documents_page(infos: Sequence[DocumentInfo], csrf: str, problems: Sequence[str] = ()) -> Safe:
    rows = join(render('<tr><td><a href="$link">$id</a></td><td>$title</td><td>$number</td><td>$issuer</td>'
                       '<td>$sections</td></tr>', link=f"/documents/{i.id}", id=i.id, title=i.title, number=i.number,
                       issuer=i.issuer, sections=i.sections) for i in infos)
    problem_html = (render('<div class="card problems"><strong>Chưa lưu tài liệu:</strong><ul>$items</ul></div>',
                           items=join(render('<li class="error">$p</li>', p=p) for p in problems))
                    if problems else Safe(""))
    return render("""$problems
<form method="post" action="/documents/upload" enctype="multipart/form-data" class="card">
$csrf
<label for="file">Tải lên tài liệu mới (.md, UTF-8)</label>
<input type="file" id="file" name="file" accept=".md,.txt,text/markdown,text/plain" required>
<label class="hint"><input type="checkbox" name="replace" value="1"> Thay thế tài liệu đã có cùng mã
(bản cũ được giữ trong lịch sử)</label>
<p><button type="submit">Tải lên</button> <a href="/documents/template.md">Tải tệp mẫu</a></p>
<p class="muted">Tệp gồm phần thông tin đầu tệp giữa hai dòng «---» (title, number, date, issuer…) và mỗi điều,
mục trích dẫn được bắt đầu bằng một dòng «## Tên mục». Bot ghi nguồn theo tên văn bản và tên mục.</p>
</form>
<table><thead><tr><th>Mã</th><th>Tên văn bản</th><th>Số hiệu</th><th>Cơ quan ban hành</th><th>Số đoạn</th></tr></thead>
<tbody>$rows</tbody></table>""", problems=problem_html, csrf=csrf_field(csrf), rows=rows)


def document_page(document_id: str, text: str, versions: Sequence[Version], csrf: str) -> Safe:
    cards = join(render('<li>Phiên bản $n — $action, $who, $at $restore</li>', n=v.number,
                        action=ACTIONS.get(v.action, v.action), who=v.user or "không rõ người sửa", at=when(v.at),
                        restore=Safe("<strong>(đang dùng)</strong>") if v.content == text else
                        post_button(f"/documents/{document_id}/restore", "Khôi phục", csrf, "secondary",
                                    {"number": v.number}))
                 for v in versions)
    return render('<p><a href="/documents">← Danh sách tài liệu</a></p><div class="card"><strong>Lịch sử</strong>'
                  '<ul>$cards</ul></div><pre class="answer-box">$text</pre>',
                  cards=cards or Safe("<li>Chưa có thay đổi nào trên trang quản trị.</li>"), text=text)


# -- spreadsheet -----------------------------------------------------------------------------
def transfer_page(csrf: str, plan: Optional[ImportPlan] = None, applied: Optional[int] = None, error: str = "") -> Safe:
    result = Safe("")
    if error:
        result = render('<p class="flash error">$error</p>', error=error)
    elif plan is not None:
        problems = join(render('<tr class="$level"><td>$row</td><td>$id</td><td>$level_text</td><td>$message</td></tr>',
                               row=row, id=entry_id, level=p.level, message=p.message,
                               level_text="lỗi" if p.level == "error" else "cảnh báo")
                        for row, entry_id, p in plan.problems)
        summary = (f"{len(plan.added)} mục mới, {len(plan.changed)} mục thay đổi, {plan.unchanged} mục giữ nguyên."
                   + (f" Đã lưu {applied} mục; chỉ mục tìm kiếm đang được cập nhật." if applied is not None else
                      " Chưa lưu gì."))
        table = (render('<table class="problems"><thead><tr><th>Dòng</th><th>Mã</th><th></th><th>Vấn đề</th></tr></thead>'
                        '<tbody>$rows</tbody></table>', rows=problems) if plan.problems else Safe(""))
        result = render('<div class="card"><p><strong>$summary</strong></p>$table</div>', summary=summary, table=table)
    return render("""$result
<div class="card"><strong>Xuất bảng tính</strong>
<p><a href="/export/faq.xlsx">Tải về tệp Excel (.xlsx)</a> · <a href="/export/faq.csv">Tải về tệp CSV (UTF-8)</a></p>
<p class="muted">Hai tệp có cùng các cột. Mỗi ô «Cách hỏi khác», «Nguồn», «Chương trình», «Từ khóa» ghi mỗi dòng một mục
(trong Excel xuống dòng trong ô bằng Alt+Enter). Không sửa cột «Phiên bản». Để thêm mục mới, thêm một dòng và để trống
cột «Mã mục». Đánh «x» ở cột «Ngừng dùng» để ngừng dùng một mục.</p></div>
<form method="post" action="/import" enctype="multipart/form-data" class="card">
$csrf
<label for="file">Nhập bảng tính đã sửa (.xlsx hoặc .csv)</label>
<input type="file" id="file" name="file" accept=".xlsx,.csv" required>
<label class="hint"><input type="checkbox" name="dry_run" value="1" checked> Chỉ kiểm tra, chưa lưu</label>
<label class="hint"><input type="checkbox" name="confirm_warnings" value="1"> Tôi đã xem các cảnh báo, vẫn lưu</label>
<p><button type="submit">Nhập</button></p>
<p class="muted">Mọi dòng mới hoặc đã sửa được kiểm tra như khi sửa trên trang; nếu có một lỗi thì không dòng nào
được lưu. Mỗi mục thay đổi được lưu phiên bản cũ trong lịch sử.</p>
</form>""", result=result, csrf=csrf_field(csrf))


# -- answer check ----------------------------------------------------------------------------
def check_page(question: str, report: Optional[CheckReport], error: str = "") -> Safe:
    form = render("""<form method="get" action="/check" class="card">
<label for="q">Câu hỏi của người dân (gõ đúng như người dân hỏi, có dấu hay không dấu)</label>
<input type="text" id="q" name="q" value="$q" required autofocus>
<p><button type="submit">Kiểm tra</button></p></form>""", q=question)
    if error:
        return render('$form<p class="flash error">$error</p>', form=form, error=error)
    if report is None:
        return form
    intent = report.intent
    if intent.error:
        intent_html = render('<p class="flash warning">$e</p>', e=intent.error)
    else:
        others = join(render("<li>$n: $c</li>", n=n, c=decimal(c)) for n, c in intent.ranking[1:])
        entities = ", ".join(f"{e}={v}" for e, v in intent.entities) or "không có"
        intent_html = render("<p>Ý định: <strong>$name</strong> (độ tin cậy $conf). Thực thể: $entities</p>"
                             '<details><summary>Các ý định khác</summary><ul>$others</ul></details>',
                             name=intent.name, conf=decimal(intent.confidence), entities=entities, others=others)
    answer = report.answer
    suggestions = join(render("<li>$s</li>", s=s) for s in answer.suggestions)
    figures = join(render("<tr><td><code>$p</code></td><td>$text</td><td>$source</td><td>$effective</td><td>$status</td></tr>",
                          p=f.placeholder, text=f.text, source=f.source or "—", effective=f.effective or "—",
                          status="đã xác nhận" if f.confirmed else "CHƯA xác nhận") for f in report.figures)
    figures_html = (render('<h2>Số liệu lấy từ đâu</h2><table><thead><tr><th>Trường trong bảng</th><th>Bot nói</th>'
                           '<th>Văn bản nguồn</th><th>Áp dụng từ</th><th>Trạng thái</th></tr></thead><tbody>$rows</tbody>'
                           '</table>', rows=figures) if report.figures else Safe(""))
    faq_rows = join(render('<tr><td>$fused</td><td>$dense</td><td>$lexical</td><td><a href="$link">$id</a><br>$q</td>'
                           '<td>$sources</td></tr>', fused=decimal(h.fused, 3), dense=decimal(h.dense, 3),
                           lexical=decimal(h.lexical, 3), link=f"/faq/{h.id}/edit", id=h.id, q=h.faq.question,
                           sources="; ".join(h.faq.sources)) for h in report.faq_hits)
    passage_rows = join(render('<tr><td>$fused</td><td>$dense</td><td>$lexical</td><td>$citation</td><td>$text</td></tr>',
                               fused=decimal(h.fused, 3), dense=decimal(h.dense, 3), lexical=decimal(h.lexical, 3),
                               citation=h.passage.citation, text=_short(h.passage.text, 240))
                        for h in report.passage_hits)
    head = "<thead><tr><th>Điểm gộp</th><th>Ngữ nghĩa</th><th>Từ khóa</th><th>$what</th><th>$extra</th></tr></thead>"
    return render("""$form
<div class="card"><h2>Ý định</h2>$intent<p>$route</p></div>
<div class="card"><h2>Bot trả lời</h2><p class="muted">Loại: $kind · độ tin cậy $confidence
<br>Chi tiết kỹ thuật: $reason</p>
<div class="answer-box">$message</div>$suggestions</div>
$figures
<h2>Mục hỏi đáp tìm được</h2><table>$faq_head<tbody>$faq_rows</tbody></table>
<h2>Đoạn văn bản tìm được</h2><table>$passage_head<tbody>$passage_rows</tbody></table>
<p class="muted">Điểm gộp = $weights. Bot trả lời bằng mục hỏi đáp khi điểm gộp đạt ngưỡng; nếu không, bằng đoạn văn bản;
nếu không có gì đủ chắc chắn, bot nói chưa chắc và gợi ý câu hỏi gần nhất.</p>
<p><a href="$add">+ Thêm câu hỏi này thành mục hỏi đáp mới</a></p>""",
                  form=form, intent=intent_html, route=report.route, kind=KIND_NAMES.get(answer.kind, answer.kind),
                  confidence=decimal(answer.confidence), reason=answer.reason, message=answer.message(),
                  suggestions=render("<p>Gợi ý cho người dân:</p><ul>$s</ul>", s=suggestions) if answer.suggestions
                  else Safe(""), figures=figures_html,
                  faq_head=render(head, what="Mục", extra="Nguồn"), faq_rows=faq_rows,
                  passage_head=render(head, what="Trích dẫn", extra="Nội dung"), passage_rows=passage_rows,
                  weights="điểm ngữ nghĩa (mô hình embedding) và điểm từ khóa (BM25) cộng theo trọng số",
                  add=url("/faq/new", question=question))


# -- review queue ----------------------------------------------------------------------------
def review_page(conversations: Sequence[Conversation], days: int, reason: str, db_found: bool) -> Safe:
    reasons = join(render('<option value="$k" $sel>$label</option>', k=k, label=label,
                          sel=Safe("selected" if k == reason else "")) for k, label in REASONS.items())
    form = render("""<form method="get" action="/review" class="card">
<label for="reason">Lý do</label><select id="reason" name="reason"><option value="">tất cả</option>$reasons</select>
<label for="days">Trong bao nhiêu ngày gần đây</label><input type="text" id="days" name="days" value="$days">
<p><button type="submit">Lọc</button></p>
<p class="muted">Số điện thoại, số CCCD/CMND, số tài khoản và email trong hội thoại đã được che.</p></form>""",
                  reasons=reasons, days=days)
    if not db_found:
        return render('$form<p>Chưa có hội thoại nào được lưu.</p>', form=form)
    cards = []
    for conversation in conversations:
        turns = join(render('<div class="turn $speaker $flagged"><strong>$who:</strong> $text$why</div>',
                            speaker=t.speaker, flagged="flagged" if t.reasons else "",
                            who="Người dân" if t.speaker == "user" else "Bot", text=t.text,
                            why=render(' <em class="muted">($r)</em>', r="; ".join(REASONS[r] for r in t.reasons))
                            if t.reasons else Safe(""))
                     for t in conversation.turns)
        questions = list(dict.fromkeys(f.question for f in conversation.flags if f.question))
        buttons = join(render('<p><a href="$link">+ Tạo mục hỏi đáp từ câu «$q»</a> · <a href="$check">Kiểm tra câu này</a></p>',
                              link=url("/faq/new", question=q), q=q, check=url("/check", q=q)) for q in questions)
        reasons_text = "; ".join(dict.fromkeys(REASONS[f.reason] for f in conversation.flags))
        cards.append(render('<div class="card"><p><strong>Hội thoại $key</strong> — $when — $reasons</p>$turns$buttons</div>',
                            key=conversation.key, when=clock(conversation.last_at), reasons=reasons_text,
                            turns=turns, buttons=buttons))
    return render('$form<p class="muted">$count hội thoại.</p>$cards', form=form, count=len(cards), cards=join(cards))


def simple_message(text: str, link: str, link_text: str) -> Safe:
    return render('<p>$text</p><p><a href="$link">$link_text</a></p>', text=text, link=link, link_text=link_text)


def entry_data_from_form(form: Any) -> Dict[str, Any]:
    """The entry fields of a submitted FAQ form (Sanic form: ``get`` gives one value, ``getlist`` all)."""
    def one(name: str) -> str:
        return form.get(name) or ""

    return {
        "question": one("question"),
        "paraphrases": one("paraphrases").splitlines(),
        "answer": one("answer"),
        "sources": one("sources").splitlines(),
        "programmes": form.getlist("programmes") or [],
        "topic": one("topic"),
        "tags": one("tags").split(","),
    }
