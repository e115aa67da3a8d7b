"""HTML building with escaping by default: every value is escaped unless it is already ``Safe``.

Plain ``string.Template`` templates (no template engine): ``render`` escapes each
value it substitutes, and only HTML this module or a template produced is marked
``Safe``. So FAQ text, citizen messages and file names are always shown as text,
never run as markup.
"""

from __future__ import annotations

import html
from string import Template
from typing import Any, Iterable, Optional
from urllib.parse import urlencode


class Safe(str):
    """Text that is already HTML (escaped or built from escaped parts)."""


def esc(value: Any) -> Safe:
    """``value`` as HTML text (unchanged when already Safe)."""
    if isinstance(value, Safe):
        return value
    return Safe(html.escape("" if value is None else str(value), quote=True))


def render(template: str, **values: Any) -> Safe:
    """Fill ``$name`` fields of a template, escaping every value that is not Safe."""
    return Safe(Template(template).substitute({name: esc(value) for name, value in values.items()}))


def join(parts: Iterable[Any], separator: str = "") -> Safe:
    return Safe(separator.join(esc(part) for part in parts))


def url(path: str, **query: Any) -> str:
    """A local URL with a query string (escaped again when put into HTML)."""
    filled = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{path}?{urlencode(filled)}" if filled else path


def csrf_field(token: str) -> Safe:
    return render('<input type="hidden" name="csrf" value="$token">', token=token)


def post_button(action: str, label: str, csrf: str, css: str = "", fields: Optional[dict] = None) -> Safe:
    """A one-button form (POST with the CSRF token): how every change is made, never a link."""
    hidden = join(render('<input type="hidden" name="$n" value="$v">', n=n, v=v) for n, v in (fields or {}).items())
    return render('<form method="post" action="$action" class="inline">$csrf$hidden'
                  '<button type="submit" class="$css">$label</button></form>',
                  action=action, csrf=csrf_field(csrf), hidden=hidden, css=css, label=label)


LAYOUT = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title — Quản trị Trợ lý Tín dụng Chính sách</title>
<link rel="stylesheet" href="/static/staff.css">
</head>
<body>
<header>
<strong>Trợ lý Tín dụng Chính sách · Quản trị</strong>
$nav
</header>
$status
<main>
$flash
<h1>$title</h1>
$body
</main>
</body>
</html>
"""

NAV = """<nav>
<a href="/faq">Câu hỏi thường gặp</a>
<a href="/faq/new">Thêm câu hỏi</a>
<a href="/figures">Số liệu chính sách</a>
<a href="/announcements">Thông báo</a>
<a href="/documents">Tài liệu</a>
<a href="/transfer">Nhập/Xuất bảng tính</a>
<a href="/check">Kiểm tra câu trả lời</a>
<a href="/review">Hàng chờ rà soát</a>
<a href="/stats">Thống kê</a>
<span class="user">$user</span>
$logout
</nav>"""


def layout(title: str, body: Safe, user: Optional[str] = None, csrf: str = "", status: Safe = Safe(""),
           flash: str = "", flash_kind: str = "ok") -> str:
    """A whole page; the navigation appears only for a logged-in user."""
    nav = render(NAV, user=user, logout=post_button("/logout", "Đăng xuất", csrf, "link")) if user else Safe("")
    flash_html = render('<p class="flash $kind">$text</p>', kind=flash_kind, text=flash) if flash else Safe("")
    return render(LAYOUT, title=title, nav=nav, status=status, flash=flash_html, body=body)


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1d1d1f;background:#f6f7f9}
header{background:#0b5394;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header nav{display:flex;flex-wrap:wrap;gap:.9rem;align-items:center}
header a,header button.link{color:#fff}
main{max-width:72rem;margin:0 auto;padding:1rem}
.status{padding:.4rem 1rem;background:#e8f0fe;font-size:.9rem}
.status.failed{background:#fde8e8}
.flash{padding:.6rem .8rem;border-radius:.3rem}
.flash.ok{background:#e6f4ea}.flash.error{background:#fde8e8}.flash.warning{background:#fff4e5}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #d0d4da;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#eef1f5}
tr.retired td{color:#888}
label{display:block;margin-top:.8rem;font-weight:600}
input[type=text],input[type=search],input[type=password],textarea,select{width:100%;box-sizing:border-box;
 padding:.4rem;font:inherit;border:1px solid #b9c0c9;border-radius:.25rem}
textarea{min-height:6rem}
textarea.answer{min-height:10rem}
button{font:inherit;padding:.4rem .9rem;border-radius:.25rem;border:1px solid #0b5394;background:#0b5394;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b5394}
button.danger{background:#a61b1b;border-color:#a61b1b}
button.link{background:none;border:none;padding:0;text-decoration:underline;cursor:pointer}
form.inline{display:inline}
.problems li.error{color:#a61b1b}.problems li.warning{color:#8a5300}
.muted{color:#666;font-size:.9rem}
.hint{color:#555;font-weight:normal;font-size:.9rem}
.answer-box{white-space:pre-wrap;background:#fff;border:1px solid #d0d4da;padding:.6rem;border-radius:.3rem}
.turn{margin:.2rem 0;padding:.3rem .5rem;border-radius:.3rem;white-space:pre-wrap}
.turn.user{background:#e8f0fe}.turn.bot{background:#fff;border:1px solid #e0e0e0}
.turn.flagged{outline:2px solid #d93025}
.card{background:#fff;border:1px solid #d0d4da;border-radius:.4rem;padding:.8rem;margin:1rem 0}
code{background:#eef1f5;padding:0 .2rem}
.narrow{max-width:24rem}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:.8rem;font-size:.8rem;white-space:nowrap}
.badge.pending{background:#fff4e5;border:1px solid #e0a340}.badge.scheduled{background:#e8f0fe;border:1px solid #7aa7e0}
tr.group th{background:#dde6f0}
tr.pending td{background:#fffaf0}tr.rejected td,tr.withdrawn td{color:#888}
.card.pending{border-color:#e0a340}
.preview tr.changed td:last-child .answer-box{border-color:#2e7d32;background:#f3fbf3}
.preview tr.same td{color:#666}
.preview table{table-layout:fixed}.preview th:first-child{width:22%}
"""
