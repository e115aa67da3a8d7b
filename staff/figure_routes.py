"""The staff app's routes for policy figures: list, figure page, propose, preview, approve, reject, roll back, sheets.

Added to the app by ``create_app`` (login and CSRF are enforced there, for these routes
as for every other). File work runs in worker threads; after a change the app's own
tables reload, and the bot's action server picks the saved file up within seconds.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, Callable, List, Mapping, Optional, Sequence

from sanic import Request, Sanic
from sanic.response import HTTPResponse, redirect

from vntext.normalise import fold
from knowledge import dated
from knowledge.clock import today
from staff import figure_pages, figure_sheet
from staff.faq_store import FaqStore
from staff.figure_effects import advisor_programmes, affected_names, dependents, faq_uses, preview
from staff.figure_store import (
    FigureError, FigureStore, SelfApprovalError, check_proposal, exists, figure_fields, figure_label, form_fields,
    history_form, numeric, own_entries, rollback_gap, rollback_target, tables_with,
)
from staff.html import Markup, render, url
from staff.pages import simple_message
from staff.spreadsheet import SpreadsheetError
from staff.validation import Problem
from knowledge.tables import PolicyTables

MESSAGES = {
    "proposed": "Đã gửi đề xuất. Mức mới chỉ được bot dùng sau khi một cán bộ khác duyệt.",
    "approved": "Đã duyệt. Bot dùng mức này từ ngày áp dụng; nếu ngày đó đã đến, bot nói mức mới trong vòng vài giây. "
                "Một bản nháp thông báo cho người dân đã được soạn sẵn ở mục «Thông báo».",
    "rejected": "Đã từ chối đề xuất; bot không dùng mức này.",
    "withdrawn": "Đã rút đề xuất.",
    "rolled_back": "Đã hoàn tác: bot nói lại mức trước đó trong vòng vài giây.",
}


def add_figure_routes(app: Sanic, page: Callable[..., HTTPResponse], figures: FigureStore, faq: FaqStore,
                      tables: PolicyTables, on_approved: Optional[Callable[[str, str, str, date, str], Any]] = None
                      ) -> None:
    """Register the figure routes on ``app``; ``page`` wraps a body in the app's layout;
    ``on_approved(group, key, label, start, user)`` runs after a value is approved."""

    def figure_body(request: Request, current: PolicyTables, group: str, key: str,
                    form: Optional[Mapping[str, str]] = None, problems: Sequence[Problem] = (),
                    preview_html: Markup = Markup("")) -> Markup:
        session = request.ctx.session
        day = today()
        raw = current.raw(group, key)
        entries = own_entries(raw)
        values = current.values(group, key)
        names = affected_names(current, group, key)
        target = rollback_target(values)
        rollback = Markup("")
        if target is not None:
            trial = history_form(raw)
            trial["history"][target.index]["state"] = dated.WITHDRAWN
            gap = rollback_gap(dated.values(trial), target)
            when = max(day, target.start) if target.start else day
            after = "" if gap else tables_with(current, group, key, withdraw=target.index).figure(group, key, on=when).spoken()
            rollback = figure_pages.rollback_card(group, key, (target.index, entries[target.index]),
                                                  str(raw.get("unit") or ""), after, gap, session.csrf)
        spoken = {v.index: tables_with(current, group, key, approve=v.index).figure(group, key, on=v.start or day).spoken()
                  for v in values if v.state == dated.PENDING}
        return figure_pages.figure_page(
            group, key, figure_label(current, group, key), current.figure(group, key, on=day),
            current.upcoming(group, key, on=day), day, entries, str(raw.get("unit") or ""), session.user, session.csrf,
            form or {"status": "confirmed"}, problems, numeric(values),
            faq_uses(faq.entries(), names, f"{group}.{key}"), dependents(current, group, key),
            [(pid, current.programmes[pid]["name"]) for pid in advisor_programmes(current, names)], rollback, spoken,
            preview_html)

    def not_found(request: Request) -> HTTPResponse:
        return page(request, "Không tìm thấy", simple_message("Không có số liệu này.", "/figures", "Về danh sách số liệu"),
                    status=404)

    async def figure_response(request: Request, group: str, key: str, status: int = 200, flash: str = "",
                              flash_kind: str = "ok", **extra: Any) -> HTTPResponse:
        current = await asyncio.to_thread(figures.tables)
        if not exists(current, group, key):
            return not_found(request)
        body = await asyncio.to_thread(figure_body, request, current, group, key, **extra)
        return page(request, f"Số liệu {group}.{key}", body, status=status,
                    flash=flash or MESSAGES.get(request.args.get("msg", ""), ""), flash_kind=flash_kind)

    @app.get("/figures")
    async def figure_list(request: Request) -> HTTPResponse:
        query = request.args.get("q", "").strip()
        group = request.args.get("group", "")
        waiting = bool(request.args.get("waiting"))

        def build() -> Any:
            current = figures.tables()
            day = today()
            words = fold(query).split()
            groups = [("facts", "Số liệu chung (facts)")] + [(pid, p["name"]) for pid, p in current.programmes.items()]
            names = dict(groups)
            rows: List[figure_pages.FigureRow] = []
            for g, k in sorted(figure_fields(current), key=lambda n: n[0] != "facts"):
                if group and g != group:
                    continue
                figure = current.figure(g, k, on=day)
                label = figure_label(current, g, k)
                if words and not all(w in fold(f"{g}.{k} {label} {figure.text}") for w in words):
                    continue
                row = figure_pages.FigureRow(g, k, names[g], label, figure,
                                             sum(v.state == dated.PENDING for v in current.values(g, k)),
                                             current.upcoming(g, k, on=day))
                if waiting and not (row.pending or row.upcoming):
                    continue
                rows.append(row)
            return figure_pages.figure_list(rows, query, group, groups, waiting, day)

        return page(request, "Số liệu chính sách", await asyncio.to_thread(build))

    @app.get("/figures/<group:str>/<key:str>")
    async def figure_view(request: Request, group: str, key: str) -> HTTPResponse:
        return await figure_response(request, group, key)

    @app.post("/figures/<group:str>/<key:str>/propose")
    async def figure_propose(request: Request, group: str, key: str) -> HTTPResponse:
        form = request.form
        fields = form_fields({name: form.get(name) for name in ("value", "text", "from", "to", "source", "status", "note")})
        user = request.ctx.session.user
        current = await asyncio.to_thread(figures.tables)
        if not exists(current, group, key):
            return not_found(request)

        def check() -> Any:
            proposal, problems = check_proposal(current, group, key, fields)
            shown = Markup("")
            if proposal is not None:
                then = tables_with(current, group, key, proposal.entry(user, ""))
                shown = figure_pages.preview_section(
                    preview(current, then, group, key, proposal.start, faq.entries(), figure_label(current, group, key)),
                    "Xem trước: bot sẽ nói thế nào khi đề xuất này được duyệt")
            return proposal, problems, shown

        proposal, problems, shown = await asyncio.to_thread(check)
        errors = [p for p in problems if p.level == "error"]
        if form.get("do") == "preview" or errors or (problems and not form.get("confirm_warnings")):
            return await figure_response(request, group, key, status=200 if form.get("do") == "preview" else 422,
                                         form=fields, problems=problems, preview_html=shown)
        try:
            await asyncio.to_thread(figures.propose, proposal, user)
        except FigureError as error:
            return await figure_response(request, group, key, status=409, flash=str(error), flash_kind="error",
                                         form=fields)
        return redirect(url(f"/figures/{group}/{key}", msg="proposed"), status=303)

    @app.get("/figures/<group:str>/<key:str>/preview")
    async def figure_preview(request: Request, group: str, key: str) -> HTTPResponse:
        current = await asyncio.to_thread(figures.tables)
        if not exists(current, group, key):
            return not_found(request)
        entries = own_entries(current.raw(group, key))
        try:
            index = int(request.args.get("entry", ""))
            entry = entries[index]
        except (ValueError, IndexError):
            return not_found(request)

        def build() -> Markup:
            values = current.values(group, key)
            day = values[index].start or today()
            then = tables_with(current, group, key, approve=index)
            state = figure_pages.STATE_NAMES.get(dated.state_of(entry), "")
            return render("figure_entry_preview.html", group=group, key=key, n=index + 1, state=state,
                          preview=figure_pages.preview_section(
                              preview(current, then, group, key, day, faq.entries(), figure_label(current, group, key)),
                              f"Bot sẽ nói thế nào khi mục #{index + 1} được duyệt"))

        return page(request, f"Xem trước số liệu {group}.{key}", await asyncio.to_thread(build))

    def after_approval(group: str, key: str, index: int, user: str) -> None:
        current = figures.tables()
        start = current.values(group, key)[index].start or today()
        on_approved(group, key, figure_label(current, group, key), start, user)

    async def decide(request: Request, group: str, key: str, action: str) -> HTTPResponse:
        form = request.form
        user = request.ctx.session.user
        try:
            index, version = int(form.get("entry") or ""), str(form.get("version") or "")
        except ValueError:
            return await figure_response(request, group, key, status=422, flash="Yêu cầu không hợp lệ.",
                                         flash_kind="error")
        try:
            if action == "approve":
                await asyncio.to_thread(figures.approve, group, key, index, version, user)
                message = "approved"
                if on_approved is not None:
                    await asyncio.to_thread(after_approval, group, key, index, user)
            elif action == "reject":
                state = await asyncio.to_thread(figures.reject, group, key, index, version, user)
                message = "withdrawn" if state == dated.WITHDRAWN else "rejected"
            else:
                await asyncio.to_thread(figures.rollback, group, key, index, version, user)
                message = "rolled_back"
        except FigureError as error:
            status = 403 if isinstance(error, SelfApprovalError) else 409
            return await figure_response(request, group, key, status=status, flash=str(error), flash_kind="error")
        await asyncio.to_thread(tables.refresh)
        return redirect(url(f"/figures/{group}/{key}", msg=message), status=303)

    @app.post("/figures/<group:str>/<key:str>/approve")
    async def figure_approve(request: Request, group: str, key: str) -> HTTPResponse:
        return await decide(request, group, key, "approve")

    @app.post("/figures/<group:str>/<key:str>/reject")
    async def figure_reject(request: Request, group: str, key: str) -> HTTPResponse:
        return await decide(request, group, key, "reject")

    @app.post("/figures/<group:str>/<key:str>/rollback")
    async def figure_rollback(request: Request, group: str, key: str) -> HTTPResponse:
        return await decide(request, group, key, "rollback")

    # -- spreadsheets ------------------------------------------------------------------------------
    @app.get("/figures/transfer")
    async def figure_transfer(request: Request) -> HTTPResponse:
        return page(request, "Nhập/Xuất bảng số liệu", figure_pages.figure_transfer_page(request.ctx.session.csrf))

    def download(content: bytes, name: str, content_type: str) -> HTTPResponse:
        return HTTPResponse(content, content_type=content_type,
                            headers={"content-disposition": f'attachment; filename="{name}"'})

    @app.get("/export/figures.xlsx")
    async def export_figures_xlsx(request: Request) -> HTTPResponse:
        content = await asyncio.to_thread(lambda: figure_sheet.to_xlsx(figures.tables()))
        return download(content, f"so-lieu-{today().isoformat()}.xlsx",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @app.get("/export/figures.csv")
    async def export_figures_csv(request: Request) -> HTTPResponse:
        content = await asyncio.to_thread(lambda: figure_sheet.to_csv(figures.tables()))
        return download(content, f"so-lieu-{today().isoformat()}.csv", "text/csv; charset=utf-8")

    @app.post("/import/figures")
    async def import_figures(request: Request) -> HTTPResponse:
        csrf = request.ctx.session.csrf
        title = "Nhập/Xuất bảng số liệu"
        upload = request.files.get("file") if request.files else None
        if upload is None or not upload.body:
            return page(request, title, figure_pages.figure_transfer_page(csrf, error="Chưa chọn tệp."), status=422)
        try:
            records = await asyncio.to_thread(figure_sheet.read_sheet, upload.name or "", upload.body)
        except SpreadsheetError as error:
            return page(request, title, figure_pages.figure_transfer_page(csrf, error=str(error)), status=422)

        def plan_and_apply() -> Any:
            plan = figure_sheet.plan_import(records, figures.tables())
            blocked = plan.errors or (plan.warnings and not request.form.get("confirm_warnings"))
            if request.form.get("dry_run") or blocked:
                return plan, None
            return plan, figure_sheet.apply_import(plan, figures, request.ctx.session.user)

        try:
            plan, applied = await asyncio.to_thread(plan_and_apply)
        except FigureError as error:
            return page(request, title, figure_pages.figure_transfer_page(csrf, error=str(error)), status=409)
        return page(request, title, figure_pages.figure_transfer_page(csrf, plan, applied),
                    status=422 if plan.errors else 200)
