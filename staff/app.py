"""The staff web app (Sanic): FAQ editing, policy figures, announcements, documents, spreadsheets, answer check, review queue.

``python -m staff.app`` serves it on ``ADMIN_HOST``:``ADMIN_PORT``
(127.0.0.1:5080 by default; put it behind an HTTPS proxy and set
``STAFF_COOKIE_SECURE=1`` to serve other machines). Login is enforced in one request
middleware for every route not explicitly marked public, so a new route cannot be left
open by mistake, and every POST must carry the session's CSRF token. Blocking work
(file locks, validation, retrieval) runs in worker threads so two staff members saving
at once really run at once, and the content lock decides their order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import threading
import time
from datetime import date
from typing import Any, Awaitable, Callable, Dict, List, Optional

from sanic import Request, Sanic
from sanic.exceptions import PayloadTooLarge
from sanic.response import HTTPResponse, html, redirect, text
from sanic.response import json as json_response

from vntext.normalise import fold
from contentdir import REPOSITORY_CONTENT
from knowledge.answering import faq_answer
from knowledge.paths import current_index_dir
from knowledge.corpus import FaqEntry
from knowledge.embedding.serving import release_memory
from knowledge.lexical import skip_unused_underthesea_modules
from knowledge.retriever import Retriever
from staff import pages
from staff.accounts import AccountStore
from staff.announcement_routes import add_announcement_routes
from staff.announcements import AnnouncementStore, prepare_figure_draft
from staff.check import AnswerChecker, parse_intent
from staff.config import StaffConfig
from staff.documents import TEMPLATE, DocumentError, DocumentStore, clean_document_text
from staff.faq_store import ConflictError, FaqStore, StoredEntry, new_id, normalise
from staff.figure_routes import add_figure_routes
from staff.figure_store import FigureStore
from staff.history import History
from staff.html import Markup, layout, stylesheet, url
from staff.importer import apply_import, plan_import
from staff.rebuild import Rebuilder
from staff.review import review_queue
from staff.sessions import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    LoginLimiter,
    SessionRevocations,
    SessionSigner,
    load_secret,
    same_token,
)
from staff.spreadsheet import SpreadsheetError, read_sheet, to_csv, to_xlsx
from staff.stats_routes import add_stats_routes
from staff.validation import EntryValidator, Problem
from knowledge.tables import PolicyTables

logger = logging.getLogger(__name__)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Fixed messages a redirect may ask a page to show (never text taken from the URL).
MESSAGES = {
    "saved": "Đã lưu. Chỉ mục tìm kiếm đang được cập nhật; bot sẽ trả lời theo nội dung mới trong khoảng một phút.",
    "retired": "Đã ngừng dùng mục này; bot sẽ không trả lời bằng mục này nữa sau khi chỉ mục cập nhật.",
    "unretired": "Đã dùng lại mục này.",
    "restored": "Đã khôi phục phiên bản cũ (phiên bản đang dùng trước đó vẫn còn trong lịch sử).",
    "uploaded": "Đã lưu tài liệu; chỉ mục tìm kiếm đang được cập nhật.",
}


def public(handler: Callable[..., Awaitable[HTTPResponse]]) -> Callable[..., Awaitable[HTTPResponse]]:
    """Mark a route as reachable without login (login page, health check, style sheet only)."""
    handler.public = True  # type: ignore[attr-defined]
    return handler


class KnowledgeView:
    """The bot's retriever over the current index, loaded when a page needs it and released when idle.

    Why not held all the time (issue 18, a 1.5 GB server): the embedding model and index
    are about 300 MB, needed only while someone saves, imports, checks an answer or reads
    the statistics, which is rarely. The first such request after a quiet spell waits
    for the load (about 2 s); ``STAFF_KNOWLEDGE_IDLE_SECONDS`` (default 600; 0 keeps it
    loaded) after the last use the retriever is dropped and its memory handed back to the
    system. Used one thread at a time (the embedder's query cache is not thread-safe).
    """

    RETRY_SECONDS = 30.0  # after a failed load (no index yet), try again at most this often

    def __init__(self, config: StaffConfig, tables: PolicyTables, idle_seconds: Optional[float] = None):
        self.config = config
        self.tables = tables
        self.idle_seconds = (float(os.environ.get("STAFF_KNOWLEDGE_IDLE_SECONDS", "600"))
                             if idle_seconds is None else idle_seconds)
        self._retriever: Optional[Retriever] = None
        self._checker: Optional[AnswerChecker] = None
        self._failed_at: Optional[float] = None
        self._last_use = 0.0
        self._use = threading.Lock()
        self._release_timer: Optional[threading.Timer] = None

    @property
    def loaded(self) -> bool:
        return self._retriever is not None

    def _load(self) -> None:
        """Load the retriever and checker (the caller holds the lock)."""
        if self._retriever is not None:
            return
        if self._failed_at is not None and time.monotonic() - self._failed_at < self.RETRY_SECONDS:
            return
        try:
            retriever = Retriever(index_dir=self.config.index_dir)
            retriever.search("lãi suất vay hộ nghèo")  # load the segmenter before the first save waits
            self._checker = AnswerChecker(retriever, self.tables, self.config)
            self._retriever, self._failed_at = retriever, None
        except Exception:  # no index yet: validation says near-duplicates were not checked
            logger.exception("retriever unavailable")
            self._failed_at = time.monotonic()

    def run(self, work: Callable[[Optional[Retriever], Optional[AnswerChecker]], Any]) -> Any:
        """Call ``work(retriever, checker)`` with the latest index (None when unavailable)."""
        with self._use:
            self._load()
            if self._retriever is not None:
                self._retriever.refresh()
            try:
                return work(self._retriever, self._checker)
            finally:
                self._last_use = time.monotonic()
                self._schedule_release()

    def _schedule_release(self) -> None:
        if self.idle_seconds <= 0 or self._retriever is None:
            return
        if self._release_timer is not None:
            self._release_timer.cancel()
        self._release_timer = threading.Timer(self.idle_seconds, self.release_if_idle)
        self._release_timer.daemon = True
        self._release_timer.start()

    def release_if_idle(self) -> bool:
        """Drop the retriever when unused for ``idle_seconds``; True when it was dropped."""
        with self._use:
            if self._retriever is None or time.monotonic() - self._last_use < self.idle_seconds:
                return False
            self._retriever = self._checker = None
        release_memory()
        logger.info("retriever released after %.0f s unused", self.idle_seconds)
        return True


def _declared_length(request: Request) -> int:
    try:
        return int(request.headers.get("content-length") or 0)
    except ValueError:
        return 0


def create_app(config: Optional[StaffConfig] = None, name: str = "staff_admin") -> Sanic:
    config = config or StaffConfig()
    app = Sanic(name)
    # A little above the upload limit: a slightly larger upload is read and told «tệp quá lớn».
    app.config.REQUEST_MAX_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
    app.config.KEEP_ALIVE_TIMEOUT = 15
    history = History(config.history_dir)
    tables = PolicyTables.load(config.content_dir)
    accounts = AccountStore(config.state_dir)
    signer = SessionSigner(load_secret(config.state_dir))
    limiter = LoginLimiter()
    revocations = SessionRevocations(config.state_dir)
    faq = FaqStore(config.content_dir, history)
    documents = DocumentStore(config.content_dir, history)
    figures = FigureStore(config.content_dir, history)
    announcements = AnnouncementStore(config.state_dir)
    rebuilder = Rebuilder(config.content_dir, config.index_dir)
    knowledge = KnowledgeView(config, tables)
    threshold = float(knowledge_threshold())

    @app.before_server_start
    async def index_edits(app: Sanic) -> None:
        rebuilder.request()  # content edited while the app was down (or by hand) gets indexed; else a no-op

    # -- login enforcement and headers ----------------------------------------------------------
    @app.on_request
    async def require_login(request: Request) -> Optional[HTTPResponse]:
        route = request.route
        session = signer.read(request.cookies.get(SESSION_COOKIE))
        if session is not None and session.password_stamp != accounts.password_stamp(session.user):
            session = None  # password changed or account removed since the login
        if session is not None and revocations.is_revoked(session):
            session = None  # logged out: a copy of the cookie is worth nothing
        request.ctx.session = session
        if route is None or getattr(route.handler, "public", False):
            return None
        if session is None:
            if request.path.startswith("/api/"):
                return json_response({"error": "Cần đăng nhập."}, status=401)
            if request.method == "GET":
                return redirect(url("/login", next=request.path + (f"?{request.query_string}" if request.query_string else "")),
                                status=303)
            return redirect("/login", status=303)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if _declared_length(request) > MAX_UPLOAD_BYTES:  # before the form (and its CSRF field) is read
                return too_large(request)
            given = request.headers.get("x-csrf-token") or (request.form.get("csrf") if request.form else None)
            if not same_token(given, session.csrf):
                return html(layout("Yêu cầu bị từ chối", pages.simple_message(
                    "Thiếu mã bảo vệ của phiên làm việc (có thể trang đã mở quá lâu). Hãy tải lại trang rồi thử lại.",
                    "/faq", "Về trang câu hỏi")), status=403)
        return None

    def too_large(request: Request) -> HTTPResponse:
        return html(layout("Tệp quá lớn", pages.simple_message(
            f"Tệp quá lớn: mỗi lần chỉ tải lên được tối đa {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Hãy chia nhỏ tệp "
            "hoặc bỏ bớt nội dung rồi thử lại.", "/faq", "Về trang câu hỏi")), status=413)

    @app.exception(PayloadTooLarge)
    async def payload_too_large(request: Request, exception: Exception) -> HTTPResponse:
        return too_large(request)

    @app.on_response
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        response.headers.setdefault(
            "content-security-policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'")
        response.headers.setdefault("x-content-type-options", "nosniff")
        response.headers.setdefault("referrer-policy", "no-referrer")
        response.headers.setdefault("x-frame-options", "DENY")
        if not request.path.startswith("/static/"):
            response.headers.setdefault("cache-control", "no-store")

    def page(request: Request, title: str, body: Markup, status: int = 200, flash: str = "",
             flash_kind: str = "ok") -> HTTPResponse:
        session = request.ctx.session
        flash = flash or MESSAGES.get(request.args.get("msg", ""), "")
        current = current_index_dir(config.index_dir)
        built_at = ""
        if current is not None and (current / "manifest.json").exists():
            built_at = json.loads((current / "manifest.json").read_text(encoding="utf-8")).get("built_at", "")
        status_bar = pages.status_bar(rebuilder.status, built_at.replace("T", " ")[:19]) if session else Markup("")
        return html(layout(title, body, session.user if session else None, session.csrf if session else "",
                           status_bar, flash, flash_kind), status=status)

    def cookie(response: HTTPResponse, key: str, value: str, max_age: int) -> None:
        response.add_cookie(key, value, path="/", httponly=True, samesite="Strict", secure=config.secure_cookies,
                            max_age=max_age)

    # -- public routes ----------------------------------------------------------------------------
    style_sheet = stylesheet("staff.css")

    @app.get("/static/staff.css")
    @public
    async def style(request: Request) -> HTTPResponse:
        return text(style_sheet, content_type="text/css; charset=utf-8", headers={"cache-control": "max-age=3600"})

    @app.get("/health")
    @public
    async def health(request: Request) -> HTTPResponse:
        return json_response({"status": "ok"})

    @app.get("/login")
    @public
    async def login_form(request: Request) -> HTTPResponse:
        token = secrets.token_urlsafe(24)
        response = page(request, "Đăng nhập", pages.login_page(token, _local(request.args.get("next"))))
        cookie(response, LOGIN_COOKIE, token, 3600)
        return response

    @app.post("/login")
    @public
    async def login(request: Request) -> HTTPResponse:
        form = request.form or {}
        username = (form.get("username") or "").strip().lower()
        next_path = _local(form.get("next"))
        token = secrets.token_urlsafe(24)

        def again(message: str, status: int) -> HTTPResponse:
            response = page(request, "Đăng nhập", pages.login_page(token, next_path, message), status=status)
            cookie(response, LOGIN_COOKIE, token, 3600)
            return response

        if not same_token(form.get("csrf"), request.cookies.get(LOGIN_COOKIE)):
            return again("Trang đăng nhập đã cũ; hãy đăng nhập lại.", 403)
        address = request.remote_addr or request.ip or "?"
        # Counted before the slow hash: parallel guesses cannot all pass the check first.
        wait, ticket = limiter.attempt(address, username)
        if wait > 0:
            return again(f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {int(wait // 60) + 1} phút.", 429)
        ok = await asyncio.to_thread(accounts.authenticate, username, form.get("password") or "")
        if not ok:
            return again("Sai tên đăng nhập hoặc mật khẩu.", 401)
        limiter.succeeded(address, username, ticket)
        value, _ = signer.issue(username, accounts.password_stamp(username) or "")
        response = redirect(next_path, status=303)
        cookie(response, SESSION_COOKIE, value, int(signer.lifetime))
        cookie(response, LOGIN_COOKIE, "", 0)
        return response

    # -- session ----------------------------------------------------------------------------------
    @app.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        if request.ctx.session is not None:
            revocations.revoke(request.ctx.session)
        response = redirect("/login", status=303)
        cookie(response, SESSION_COOKIE, "", 0)
        return response

    @app.get("/")
    async def home(request: Request) -> HTTPResponse:
        return redirect("/faq", status=303)

    @app.get("/api/status")
    async def api_status(request: Request) -> HTTPResponse:
        current = current_index_dir(config.index_dir)
        manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8")) if current else {}
        return json_response({"rebuild": rebuilder.status.__dict__, "index": manifest})

    # -- FAQ --------------------------------------------------------------------------------------
    @app.get("/faq")
    async def faq_list(request: Request) -> HTTPResponse:
        query = request.args.get("q", "").strip()
        topic = request.args.get("topic", "")
        state = request.args.get("state", "active")
        items = await asyncio.to_thread(faq.entries)
        words = fold(query).split()
        chosen = [
            item for item in items
            if (state == "all" or item.retired == (state == "retired"))
            and (not topic or item.data["topic"] == topic)
            and all(w in _searchable(item) for w in words)
        ]
        topics = sorted({item.data["topic"] for item in items if item.data["topic"]})
        return page(request, "Câu hỏi thường gặp", pages.faq_list(chosen, query, topic, state, topics))

    def topics() -> List[str]:
        return sorted(faq.topic_files())

    def form_page(request: Request, title: str, data: Dict[str, Any], action: str, version: str,
                  problems: List[Problem] = (), preview: Any = None, item: Optional[StoredEntry] = None,
                  status: int = 200, flash: str = "", flash_kind: str = "ok") -> HTTPResponse:
        session = request.ctx.session
        actions = pages.entry_actions(item, session.csrf) if item is not None else Markup("")
        body = pages.faq_form(data, action, session.csrf, version, tables, topics(), problems, preview,
                              retired=bool(item and item.retired), actions=actions)
        return page(request, title, body, status=status, flash=flash, flash_kind=flash_kind)

    @app.get("/faq/new")
    async def faq_new_form(request: Request) -> HTTPResponse:
        data = {"question": request.args.get("question", ""), "paraphrases": [], "answer": "", "sources": [],
                "programmes": [], "topic": "", "tags": []}
        return form_page(request, "Thêm câu hỏi", data, "/faq/new", "")

    @app.get("/faq/<entry_id:str>/edit")
    async def faq_edit_form(request: Request, entry_id: str) -> HTTPResponse:
        item = await asyncio.to_thread(faq.get, entry_id)
        if item is None:
            return _not_found(request, page)
        return form_page(request, f"Sửa mục {entry_id}", item.data, f"/faq/{entry_id}/edit", item.version, item=item)

    async def save_from_form(request: Request, entry_id: Optional[str]) -> HTTPResponse:
        form = request.form
        user = request.ctx.session.user
        current = await asyncio.to_thread(faq.get, entry_id) if entry_id else None
        if entry_id and current is None:
            return _not_found(request, page)
        data = normalise({**(current.data if current else {}), **pages.entry_data_from_form(form)})
        data["reviewed"] = date.today().isoformat()
        if current is None:
            data["id"] = new_id(data["question"], [item.data["id"] for item in await asyncio.to_thread(faq.entries)])
        action = f"/faq/{entry_id}/edit" if entry_id else "/faq/new"
        title = f"Sửa mục {entry_id}" if entry_id else "Thêm câu hỏi"
        version = form.get("version") or ""

        def check() -> List[Problem]:
            others = faq.entries()
            return knowledge.run(lambda retriever, _: EntryValidator(tables, retriever, threshold).validate(data, others))

        problems = await asyncio.to_thread(check)
        errors = [p for p in problems if p.level == "error"]
        if form.get("do") == "preview" or errors or (problems and not form.get("confirm_warnings")):
            preview = _preview(tables, data) if not any(p.field == "answer" for p in errors) else None
            return form_page(request, title, data, action, version, problems, preview, item=current,
                             status=200 if form.get("do") == "preview" else 422)
        try:
            saved = await asyncio.to_thread(faq.save, data, user, version or None, "edit" if current else "add")
        except ConflictError as error:
            latest = await asyncio.to_thread(faq.get, data["id"])
            return form_page(request, title, data, action, latest.version if latest else version, problems,
                             item=latest, status=409, flash=str(error), flash_kind="error")
        rebuilder.request()
        return redirect(url(f"/faq/{saved.data['id']}/edit", msg="saved"), status=303)

    @app.post("/faq/new")
    async def faq_create(request: Request) -> HTTPResponse:
        return await save_from_form(request, None)

    @app.post("/faq/<entry_id:str>/edit")
    async def faq_update(request: Request, entry_id: str) -> HTTPResponse:
        return await save_from_form(request, entry_id)

    async def set_retired(request: Request, entry_id: str, retired: bool) -> HTTPResponse:
        item = await asyncio.to_thread(faq.get, entry_id)
        if item is None:
            return _not_found(request, page)
        data = {**item.data, "retired": retired}
        if not retired:
            data.pop("retired")
            problems = await asyncio.to_thread(
                lambda: knowledge.run(lambda r, _: EntryValidator(tables, r, threshold).validate(data, faq.entries())))
            errors = [p for p in problems if p.level == "error"]
            if errors:
                return form_page(request, f"Sửa mục {entry_id}", item.data, f"/faq/{entry_id}/edit", item.version,
                                 errors, item=item, status=422,
                                 flash="Chưa dùng lại được: mục cần sửa các lỗi dưới đây trước.", flash_kind="error")
        try:
            await asyncio.to_thread(faq.save, data, request.ctx.session.user, request.form.get("version"),
                                    "retire" if retired else "unretire")
        except ConflictError as error:
            return page(request, "Chưa lưu", pages.simple_message(str(error), f"/faq/{entry_id}/edit", "Mở lại mục"),
                        status=409)
        rebuilder.request()
        return redirect(url(f"/faq/{entry_id}/edit", msg="retired" if retired else "unretired"), status=303)

    @app.post("/faq/<entry_id:str>/retire")
    async def faq_retire(request: Request, entry_id: str) -> HTTPResponse:
        return await set_retired(request, entry_id, True)

    @app.post("/faq/<entry_id:str>/unretire")
    async def faq_unretire(request: Request, entry_id: str) -> HTTPResponse:
        return await set_retired(request, entry_id, False)

    @app.get("/faq/<entry_id:str>/history")
    async def faq_history(request: Request, entry_id: str) -> HTTPResponse:
        item = await asyncio.to_thread(faq.get, entry_id)
        if item is None:
            return _not_found(request, page)
        versions = await asyncio.to_thread(history.versions, "faq", entry_id)
        return page(request, f"Lịch sử mục {entry_id}",
                    pages.faq_history(entry_id, versions, item.version, request.ctx.session.csrf))

    @app.post("/faq/<entry_id:str>/restore")
    async def faq_restore(request: Request, entry_id: str) -> HTTPResponse:
        try:
            number = int(request.form.get("number") or 0)
            await asyncio.to_thread(faq.restore, entry_id, number, request.ctx.session.user)
        except (ValueError, ConflictError) as error:
            message = str(error) if isinstance(error, ConflictError) else "Phiên bản không hợp lệ."
            return page(request, "Chưa khôi phục", pages.simple_message(message, f"/faq/{entry_id}/history", "Về lịch sử"),
                        status=409)
        rebuilder.request()
        return redirect(url(f"/faq/{entry_id}/history", msg="restored"), status=303)

    # -- policy figures: propose, second-person approval, rollback (figure_routes.py) ----------------
    # An approved figure change gets an announcement draft for staff to edit and approve (issue 16 item 4).
    add_figure_routes(app, page, figures, faq, tables,
                      on_approved=lambda group, key, label, start, user: prepare_figure_draft(
                          announcements, group, key, label, start, user))

    # -- announcements to citizens: second-person approval, web widget, Zalo (announcement_routes.py) ------
    add_announcement_routes(app, page, announcements, tables, config.tracker_store)

    # -- statistics and the periodic report for propaganda staff (stats_routes.py) ---------------------
    add_stats_routes(app, page, config, faq, knowledge)

    # -- documents ---------------------------------------------------------------------------------
    @app.get("/documents")
    async def documents_list(request: Request) -> HTTPResponse:
        infos = await asyncio.to_thread(documents.documents)
        return page(request, "Tài liệu", pages.documents_page(infos, request.ctx.session.csrf))

    @app.get("/documents/template.md")
    async def document_template(request: Request) -> HTTPResponse:
        return text(TEMPLATE, content_type="text/markdown; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="mau-tai-lieu.md"'})

    @app.post("/documents/upload")
    async def document_upload(request: Request) -> HTTPResponse:
        upload = request.files.get("file") if request.files else None
        try:
            if upload is None or not upload.body:
                raise DocumentError("Chưa chọn tệp.")
            content = clean_document_text(upload.body)
            document = await asyncio.to_thread(documents.save, content, upload.name or "tai-lieu.md",
                                               request.ctx.session.user, bool(request.form.get("replace")))
        except DocumentError as error:
            infos = await asyncio.to_thread(documents.documents)
            return page(request, "Tài liệu", pages.documents_page(infos, request.ctx.session.csrf,
                                                                   str(error).splitlines()), status=422)
        rebuilder.request()
        return redirect(url(f"/documents/{document.id}", msg="uploaded"), status=303)

    @app.get("/documents/<document_id:str>")
    async def document_view(request: Request, document_id: str) -> HTTPResponse:
        content = await asyncio.to_thread(documents.text, document_id)
        if content is None:
            return _not_found(request, page)
        versions = await asyncio.to_thread(history.versions, "documents", document_id)
        return page(request, f"Tài liệu {document_id}",
                    pages.document_page(document_id, content, versions, request.ctx.session.csrf))

    @app.post("/documents/<document_id:str>/restore")
    async def document_restore(request: Request, document_id: str) -> HTTPResponse:
        try:
            await asyncio.to_thread(documents.restore, document_id, int(request.form.get("number") or 0),
                                    request.ctx.session.user)
        except (ValueError, DocumentError) as error:
            message = str(error) if isinstance(error, DocumentError) else "Phiên bản không hợp lệ."
            return page(request, "Chưa khôi phục", pages.simple_message(message, f"/documents/{document_id}", "Quay lại"),
                        status=409)
        rebuilder.request()
        return redirect(url(f"/documents/{document_id}", msg="restored"), status=303)

    # -- spreadsheets ------------------------------------------------------------------------------
    @app.get("/transfer")
    async def transfer(request: Request) -> HTTPResponse:
        return page(request, "Nhập/Xuất bảng tính", pages.transfer_page(request.ctx.session.csrf))

    @app.get("/export/faq.xlsx")
    async def export_xlsx(request: Request) -> HTTPResponse:
        content = await asyncio.to_thread(lambda: to_xlsx(faq.entries()))
        return _download(content, f"faq-{date.today().isoformat()}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @app.get("/export/faq.csv")
    async def export_csv(request: Request) -> HTTPResponse:
        content = await asyncio.to_thread(lambda: to_csv(faq.entries()))
        return _download(content, f"faq-{date.today().isoformat()}.csv", "text/csv; charset=utf-8")

    @app.post("/import")
    async def import_sheet(request: Request) -> HTTPResponse:
        csrf = request.ctx.session.csrf
        upload = request.files.get("file") if request.files else None
        if upload is None or not upload.body:
            return page(request, "Nhập/Xuất bảng tính", pages.transfer_page(csrf, error="Chưa chọn tệp."), status=422)
        try:
            rows = await asyncio.to_thread(read_sheet, upload.name or "", upload.body)
        except SpreadsheetError as error:
            return page(request, "Nhập/Xuất bảng tính", pages.transfer_page(csrf, error=str(error)), status=422)

        def plan_and_apply() -> Any:
            plan = knowledge.run(lambda r, _: plan_import(rows, faq, EntryValidator(tables, r, threshold)))
            blocked = plan.errors or (plan.warnings and not request.form.get("confirm_warnings"))
            if request.form.get("dry_run") or blocked:
                return plan, None
            return plan, apply_import(plan, faq, request.ctx.session.user)

        try:
            plan, applied = await asyncio.to_thread(plan_and_apply)
        except ConflictError as error:
            return page(request, "Nhập/Xuất bảng tính", pages.transfer_page(csrf, error=str(error)), status=409)
        if applied:
            rebuilder.request()
        status = 422 if plan.errors else 200
        return page(request, "Nhập/Xuất bảng tính", pages.transfer_page(csrf, plan, applied), status=status)

    # -- commune officers --------------------------------------------------------------------------
    @app.get("/check")
    async def check(request: Request) -> HTTPResponse:
        question = request.args.get("q", "").strip()[:500]
        if not question:
            return page(request, "Kiểm tra câu trả lời", pages.check_page("", None))
        intent = await asyncio.to_thread(parse_intent, question, config.rasa_url, config.rasa_token)
        report = await asyncio.to_thread(knowledge.run,
                                         lambda _, checker: checker.check(question, intent) if checker else None)
        error = "" if report else "Chỉ mục tìm kiếm chưa sẵn sàng; hãy thử lại sau ít phút."
        return page(request, "Kiểm tra câu trả lời", pages.check_page(question, report, error))

    @app.get("/review")
    async def review(request: Request) -> HTTPResponse:
        reason = request.args.get("reason", "")
        try:
            days = max(1, min(int(request.args.get("days", "14")), 365))
        except ValueError:
            days = 14
        conversations = await asyncio.to_thread(review_queue, config.tracker_store, days)
        if reason:
            conversations = [c for c in conversations if any(f.reason == reason for f in c.flags)]
        return page(request, "Hàng chờ rà soát",
                    pages.review_page(conversations, days, reason, bool(config.tracker_url) or config.tracker_db.exists()))

    return app


def knowledge_threshold() -> float:
    """The bot's answer threshold: a question above it is one the bot answers with that entry."""
    from knowledge.embedder import load_settings

    return float(load_settings()["answering"]["faq"])


def _searchable(item: StoredEntry) -> str:
    data = item.data
    return fold(" ".join([data["id"], data["question"], *data["paraphrases"], data["answer"], *data["tags"]]))


def _local(path: Optional[str]) -> str:
    """A redirect target inside this app only (no other host, no scheme)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path and "\n" not in path:
        return path
    return "/faq"


def _preview(tables: PolicyTables, data: Dict[str, Any]) -> Any:
    """What the bot would say with this entry: the text and its sources."""
    try:
        answer = faq_answer(FaqEntry.from_dict(data), tables)
    except KeyError:  # an unknown placeholder, already reported by validation
        return None
    return answer.text, answer.sources


def _download(content: bytes, file_name: str, content_type: str) -> HTTPResponse:
    return HTTPResponse(content, content_type=content_type,
                        headers={"content-disposition": f'attachment; filename="{file_name}"'})


def _not_found(request: Request, page: Callable[..., HTTPResponse]) -> HTTPResponse:
    return page(request, "Không tìm thấy", pages.simple_message("Không tìm thấy mục này.", "/faq", "Về danh sách"),
                status=404)


def main() -> None:
    skip_unused_underthesea_modules()  # its translation pipeline would bring torch (~600 MB)
    config = StaffConfig()
    app = create_app(config)
    print(f"[staff] http://{config.host}:{config.port} (nội dung: {config.content_dir}; chỉ mục: {config.index_dir})",
          flush=True)
    if config.content_dir == REPOSITORY_CONTENT.resolve():
        print("[staff] WARNING: CONTENT_DIR is unset, so edits go into the repository's content/ (git status shows "
              "them). make start serves a copy outside git's view (scripts/env.sh; README, 'Content').", flush=True)
    app.run(host=config.host, port=config.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
