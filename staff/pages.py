"""The pages of the staff app (Vietnamese): what each page shows, rendered by its template in staff/templates/."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from staff.check import CheckReport
from staff.documents import DocumentInfo
from staff.faq_store import StoredEntry, entry_version
from staff.history import ORIGINAL, Version
from staff.html import Markup, clock, decimal, render
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


# -- status and login ------------------------------------------------------------------------
def status_bar(status: RebuildStatus, index_built_at: str) -> Markup:
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
    return render("status_bar.html", css=css, text=text)


def login_page(token: str, next_path: str, error: str = "") -> Markup:
    return render("login.html", token=token, next_path=next_path, error=error)


# -- FAQ list --------------------------------------------------------------------------------
def faq_list(items: Sequence[StoredEntry], query: str, topic: str, state: str, topics: Sequence[str]) -> Markup:
    return render("faq_list.html", items=items, query=query, topic=topic, state=state,
                  topic_pairs=[(t, t) for t in topics])


# -- FAQ form --------------------------------------------------------------------------------
def faq_form(data: Mapping[str, Any], action: str, csrf: str, version: str, tables: PolicyTables,
             topics: Sequence[str], problems: Sequence[Problem] = (), preview: Optional[Tuple[str, List[str]]] = None,
             retired: bool = False, actions: Markup = Markup("")) -> Markup:
    return render("faq_form.html", data=data, action=action, csrf=csrf, version=version,
                  programmes=tables.programmes, topic_pairs=[(t, t) for t in topics], problems=problems,
                  preview=preview, retired=retired, actions=actions, placeholders=placeholders(tables))


def placeholders(tables: PolicyTables) -> List[Tuple[str, str, str, bool]]:
    """(what to write, what it is, what the bot says today, confirmed) for every figure an answer may use."""
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
    return rows


def entry_actions(item: StoredEntry, csrf: str) -> Markup:
    return render("entry_actions.html", item=item, csrf=csrf)


# -- history ---------------------------------------------------------------------------------
def faq_history(entry_id: str, versions: Sequence[Version], current_version: str, csrf: str) -> Markup:
    return render("faq_history.html", entry_id=entry_id, csrf=csrf, actions=ACTIONS,
                  versions=[(v, entry_version(v.content) == current_version) for v in versions])


# -- documents -------------------------------------------------------------------------------
def documents_page(infos: Sequence[DocumentInfo], csrf: str, problems: Sequence[str] = ()) -> Markup:
    return render("documents.html", infos=infos, csrf=csrf, problems=problems)


def document_page(document_id: str, text: str, versions: Sequence[Version], csrf: str) -> Markup:
    return render("document.html", document_id=document_id, text=text, versions=versions, csrf=csrf, actions=ACTIONS)


# -- spreadsheet -----------------------------------------------------------------------------
def transfer_page(csrf: str, plan: Optional[ImportPlan] = None, applied: Optional[int] = None,
                  error: str = "") -> Markup:
    return render("transfer.html", csrf=csrf, plan=plan, applied=applied, error=error)


# -- answer check ----------------------------------------------------------------------------
def check_page(question: str, report: Optional[CheckReport], error: str = "") -> Markup:
    return render("check.html", question=question, report=report, error=error, kind_names=KIND_NAMES)


# -- review queue ----------------------------------------------------------------------------
def review_page(conversations: Sequence[Conversation], days: int, reason: str, db_found: bool) -> Markup:
    cards = [(c, "; ".join(dict.fromkeys(REASONS[f.reason] for f in c.flags)),
              list(dict.fromkeys(f.question for f in c.flags if f.question))) for c in conversations]
    return render("review.html", cards=cards, days=days, reason=reason, db_found=db_found, reasons=REASONS)


def simple_message(text: str, link: str, link_text: str) -> Markup:
    return render("message.html", text=text, link=link, link_text=link_text)


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
