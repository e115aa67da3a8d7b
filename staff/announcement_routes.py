"""The staff app's routes for announcements: write, preview, approve (another account), withdraw, send on Zalo.

Added by ``create_app`` (login and CSRF are enforced there). After every approval or
withdrawal, and whenever the day or the figures change, the approved announcements are
published for the channels (``bot/stores/announcements.py``). Sending to Zalo runs in the
app's event loop in the background; the page shows the counts as they grow.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Dict, Mapping, Optional, Set, Tuple

from sanic import Request, Sanic
from sanic.response import HTTPResponse, redirect

from bot.stores.announcements import ZALO_SENDER_PREFIX as SENDER_PREFIX
from bot.stores.announcements import FollowerBook, vietnam_today
from bot.channels.zalo_client import client_from_env
from staff import announcement_pages as pages
from staff.announcements import (
    APPROVED, PENDING, AnnouncementError, AnnouncementStore, SelfApprovalError, check_announcement, render_text,
)
from staff.html import Markup, url
from staff.pages import simple_message
from staff.tracker_reader import reader_for
from staff.zalo_broadcast import send_announcement
from knowledge.tables import PolicyTables

logger = logging.getLogger(__name__)
REPUBLISH_SECONDS = 300.0
MESSAGES = {
    "created": "Đã gửi thông báo để duyệt. Người dân chỉ thấy thông báo sau khi một cán bộ khác duyệt.",
    "approved": "Đã duyệt: thông báo hiện trên trang hỏi đáp ngay bây giờ.",
    "rejected": "Đã từ chối thông báo; người dân không thấy thông báo này.",
    "withdrawn": "Đã thu hồi; người dân không thấy thông báo này nữa.",
    "sending": "Đang gửi qua Zalo; số người nhận được cập nhật trên trang này.",
}


def add_announcement_routes(app: Sanic, page: Callable[..., HTTPResponse], store: AnnouncementStore,
                            tables: PolicyTables, tracker_store: str) -> None:
    """Register the routes; ``tables`` is the app's (refreshed when figures change)."""
    running: Set[int] = set()
    published: Dict[str, Any] = {"key": None}
    followers: Dict[str, FollowerBook] = {}

    def book() -> FollowerBook:
        if "book" not in followers:
            followers["book"] = FollowerBook()
        return followers["book"]

    def publish(force: bool = False) -> None:
        """Write the approved announcements for the channels when something they depend on changed."""
        changed = tables.refresh()
        day = vietnam_today()
        if force or changed or published["key"] != day:
            count = store.publish(tables, day=day)
            published["key"] = day
            logger.info("announcements published for %s: %d shown", day, count)

    @app.before_server_start
    async def start_publishing(app: Sanic) -> None:
        async def loop() -> None:
            while True:
                try:
                    await asyncio.to_thread(publish, published["key"] is None)
                except Exception:  # noqa: BLE001 - try again at the next round
                    logger.exception("publishing announcements failed")
                await asyncio.sleep(REPUBLISH_SECONDS)

        app.add_task(loop(), name="publish-announcements")

    def rendered(text: str) -> str:
        return render_text(tables, text)

    def card(request: Request, item: Any) -> Markup:
        session = request.ctx.session
        return pages.announcement_card(item, rendered(item.text), session.user, session.csrf, store.counts(item.id),
                                       item.id in running, client_from_env() is not None)

    async def list_response(request: Request, form: Optional[Mapping[str, str]] = None, problems: Any = (),
                            preview: str = "", status: int = 200) -> HTTPResponse:
        def build() -> Markup:
            items = store.all()
            day = vietnam_today()
            shown = next(((i.id, rendered(i.text)) for i in sorted(items, key=lambda i: i.decided_at, reverse=True)
                          if i.shown_on(day)), None)
            return pages.list_page([card(request, i) for i in items], request.ctx.session.csrf, form or {}, problems,
                                   preview, shown, day)

        return page(request, "Thông báo cho người dân", await asyncio.to_thread(build), status=status,
                    flash=MESSAGES.get(request.args.get("msg", ""), ""))

    def checked(form: Any) -> Tuple[Dict[str, str], str, Any, list, bool]:
        fields = {"text": form.get("text") or "", "expires": (form.get("expires") or "").strip()}
        text, expires, problems = check_announcement(tables, fields["text"], fields["expires"])
        errors = [p for p in problems if p.level == "error"]
        blocked = bool(errors) or form.get("do") == "preview" or (problems and not form.get("confirm_warnings"))
        return fields, text, expires, problems, blocked

    @app.get("/announcements")
    async def announcement_list(request: Request) -> HTTPResponse:
        return await list_response(request)

    @app.post("/announcements/new")
    async def announcement_create(request: Request) -> HTTPResponse:
        fields, text, expires, problems, blocked = await asyncio.to_thread(checked, request.form)
        if blocked:
            preview = rendered(text) if not any(p.level == "error" for p in problems) else ""
            return await list_response(request, fields, problems, preview,
                                       200 if request.form.get("do") == "preview" else 422)
        number = await asyncio.to_thread(store.create, text, expires, request.ctx.session.user)
        return redirect(url(f"/announcements/{number}", msg="created"), status=303)

    async def detail_response(request: Request, number: int, form: Optional[Mapping[str, str]] = None,
                              problems: Any = (), preview: str = "", status: int = 200, flash: str = "",
                              flash_kind: str = "ok") -> HTTPResponse:
        item = await asyncio.to_thread(store.get, number)
        if item is None:
            return page(request, "Không tìm thấy", simple_message("Không có thông báo này.", "/announcements",
                                                                   "Về các thông báo"), status=404)

        def build() -> Markup:
            editor = Markup("")
            if item.state in ("draft", PENDING):
                shown = form or {"text": item.text,
                                 "expires": item.expires.strftime("%d/%m/%Y") if item.expires else ""}
                editor = pages.announcement_form(f"/announcements/{number}/edit", request.ctx.session.csrf, shown,
                                                 problems, preview, item.version,
                                                 "Lưu và gửi để duyệt" if item.state == PENDING else "Gửi để duyệt")
            return pages.detail_page(card(request, item), editor, store.events(number), store.reasons(number))

        return page(request, f"Thông báo #{number}", await asyncio.to_thread(build), status=status,
                    flash=flash or MESSAGES.get(request.args.get("msg", ""), ""), flash_kind=flash_kind)

    @app.get("/announcements/<number:int>")
    async def announcement_view(request: Request, number: int) -> HTTPResponse:
        return await detail_response(request, number)

    def version_of(request: Request) -> int:
        try:
            return int(request.form.get("version") or "")
        except ValueError:
            raise AnnouncementError("Yêu cầu không hợp lệ.") from None

    @app.post("/announcements/<number:int>/edit")
    async def announcement_edit(request: Request, number: int) -> HTTPResponse:
        fields, text, expires, problems, blocked = await asyncio.to_thread(checked, request.form)
        if blocked:
            preview = rendered(text) if not any(p.level == "error" for p in problems) else ""
            return await detail_response(request, number, fields, problems, preview,
                                         200 if request.form.get("do") == "preview" else 422)
        try:
            await asyncio.to_thread(store.edit, number, version_of(request), text, expires, request.ctx.session.user)
        except AnnouncementError as error:
            return await detail_response(request, number, fields, status=409, flash=str(error), flash_kind="error")
        return redirect(url(f"/announcements/{number}", msg="created"), status=303)

    async def decide(request: Request, number: int, action: str) -> HTTPResponse:
        user = request.ctx.session.user
        try:
            version = version_of(request)
            if action == "approve":
                await asyncio.to_thread(store.approve, number, version, user)
                message = "approved"
            elif action == "reject":
                state = await asyncio.to_thread(store.reject, number, version, user)
                message = "withdrawn" if state == "withdrawn" else "rejected"
            else:
                await asyncio.to_thread(store.withdraw, number, version, user)
                message = "withdrawn"
        except AnnouncementError as error:
            return await detail_response(request, number, status=403 if isinstance(error, SelfApprovalError) else 409,
                                         flash=str(error), flash_kind="error")
        await asyncio.to_thread(publish, True)
        return redirect(url(f"/announcements/{number}", msg=message), status=303)

    @app.post("/announcements/<number:int>/approve")
    async def announcement_approve(request: Request, number: int) -> HTTPResponse:
        return await decide(request, number, "approve")

    @app.post("/announcements/<number:int>/reject")
    async def announcement_reject(request: Request, number: int) -> HTTPResponse:
        return await decide(request, number, "reject")

    @app.post("/announcements/<number:int>/withdraw")
    async def announcement_withdraw(request: Request, number: int) -> HTTPResponse:
        return await decide(request, number, "withdraw")

    @app.post("/announcements/<number:int>/send")
    async def announcement_send(request: Request, number: int) -> HTTPResponse:
        item = await asyncio.to_thread(store.get, number)
        client = client_from_env()
        problem = ("Không có thông báo này." if item is None else
                   "Chỉ gửi được thông báo đã duyệt và còn hạn." if not item.shown_on(vietnam_today()) else
                   "Kênh Zalo chưa được cấu hình." if client is None else
                   "Thông báo này đang được gửi." if number in running else "")
        if problem:
            return await detail_response(request, number, status=409, flash=problem, flash_kind="error")
        text = rendered(item.text)
        user = request.ctx.session.user
        senders = [s[len(SENDER_PREFIX):] for s in
                   await asyncio.to_thread(reader_for(tracker_store).senders_starting, SENDER_PREFIX)]
        await asyncio.to_thread(store.log, number, user, "send", text=text, known_users=len(senders))
        running.add(number)

        async def run() -> None:
            try:
                await send_announcement(store, number, text, client, book(), user, senders)
            except Exception:  # noqa: BLE001 - the counts on the page say what was reached
                logger.exception("sending announcement %s failed", number)
            finally:
                running.discard(number)
                await client.close()

        app.add_task(run(), name=f"send-announcement-{number}")
        return redirect(url(f"/announcements/{number}", msg="sending"), status=303)


__all__ = ["add_announcement_routes", "APPROVED"]
