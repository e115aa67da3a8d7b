"""The «Thống kê» page and the periodic report: routes under ``/stats`` (issue 16).

- ``GET /stats?from=YYYY-MM-DD&to=YYYY-MM-DD&channel=web`` — the page (this month by
  default): key figures, charts as PNG images from ``/stats/chart/<name>.png`` with the
  same query (the app's content policy allows images from itself only, no inline
  ones), and the tables behind them.
- ``GET /stats/report.pdf`` and ``/stats/report.xlsx`` with the same query — the report.
- ``GET /stats/stats.css`` — the page's few extra styles.

All need a login (the app's middleware). Statistics of one period are computed once and
kept a minute, so the page and its charts read the store once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import date, timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple

from sanic import Request, Sanic
from sanic.response import HTTPResponse, text

from staff.html import Markup, render, stylesheet, url
from staff.stats import (
    CHANNEL_LABELS,
    OUTCOME_LABELS,
    OUTCOMES,
    Period,
    Stats,
    channel_label,
    compute,
    faq_topics,
    masked,
    meaning_encoder,
    topic_label,
    vn_number,
    vn_percent,
)
from staff.stats_report import (
    BLACK_CREDIT_HEAD,
    CHART_TITLES,
    DRAW,
    band_rows,
    black_credit_rows,
    chart_png,
    feedback_rows,
    report_name,
    report_pdf,
    report_xlsx,
    today_vn,
)

MAX_DAYS = 366
CACHE_SECONDS = 60.0
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
def parse_period(args: Any, today: Optional[date] = None) -> Tuple[Period, str]:
    """The period asked for (this month by default) and a Vietnamese error, "" when valid."""
    today = today or today_vn()
    default = Period.month_of(today)
    channel = (args.get("channel") or "").strip()
    channel = channel if channel in CHANNEL_LABELS or channel.replace("_", "").isalnum() else ""
    month = (args.get("month") or "").strip()
    try:
        if month:
            year, number = (int(part) for part in month.split("-"))
            return Period.month_of(date(year, number, 1), channel[:40]), ""
        start = date.fromisoformat(args.get("from")) if args.get("from") else default.start
        end = date.fromisoformat(args.get("to")) if args.get("to") else default.end
    except (TypeError, ValueError):
        return Period(default.start, default.end, channel[:40]), "Ngày không hợp lệ; đang hiện tháng này."
    if end < start:
        return Period(default.start, default.end, channel[:40]), "Ngày kết thúc trước ngày bắt đầu; đang hiện tháng này."
    if (end - start).days >= MAX_DAYS:
        return Period(end - timedelta(days=MAX_DAYS - 1), end, channel[:40]), "Mỗi lần xem tối đa một năm."
    return Period(start, end, channel[:40]), ""


def query_of(period: Period) -> Dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "channel": period.channel}


class StatsCache:
    """Statistics per period for a minute (the page and its five charts read the store once)."""

    def __init__(self, compute_stats: Callable[[Period], Stats]):
        self._compute = compute_stats
        self._kept: Dict[Period, Tuple[float, Stats]] = {}
        self._lock = threading.Lock()

    def get(self, period: Period) -> Stats:
        with self._lock:
            kept = self._kept.get(period)
            if kept and time.monotonic() - kept[0] < CACHE_SECONDS:
                return kept[1]
            stats = self._compute(period)
            self._kept = {p: v for p, v in self._kept.items() if time.monotonic() - v[0] < CACHE_SECONDS}
            self._kept[period] = (time.monotonic(), stats)
            return stats


def add_stats_routes(app: Sanic, page: Callable[..., HTTPResponse], config: Any, faq: Any, knowledge: Any) -> None:
    """Register the page, its charts and the reports. ``knowledge``: the app's KnowledgeView (embeddings)."""

    def encode(texts: List[str]) -> Any:
        vectors = knowledge.run(lambda retriever, _: meaning_encoder(retriever)(texts) if retriever else None)
        if vectors is None:
            raise RuntimeError("the bot's index is not loaded")
        return vectors

    def compute_stats(period: Period) -> Stats:
        topics = faq_topics(faq.entries())
        try:
            return compute(config.tracker_store, period, topics, encode=encode)
        except Exception:  # noqa: BLE001 - without the embedder, identical questions are still grouped
            return compute(config.tracker_store, period, topics, encode=None)

    cache = StatsCache(compute_stats)

    @app.get("/stats")
    async def stats_page(request: Request) -> HTTPResponse:
        period, error = parse_period(request.args)
        stats = await asyncio.to_thread(cache.get, period)
        return page(request, "Thống kê", stats_body(stats, error), flash=error, flash_kind="warning")

    style_sheet = stylesheet("stats.css")

    @app.get("/stats/stats.css")
    async def stats_css(request: Request) -> HTTPResponse:
        return text(style_sheet, content_type="text/css; charset=utf-8", headers={"cache-control": "max-age=3600"})

    @app.get("/stats/chart/<name:str>")
    async def stats_chart(request: Request, name: str) -> HTTPResponse:
        chart = name[:-4] if name.endswith(".png") else name
        if chart not in DRAW:
            return text("Không có biểu đồ này.", status=404)
        period, _ = parse_period(request.args)
        stats = await asyncio.to_thread(cache.get, period)
        content = await asyncio.to_thread(chart_png, stats, chart, 110, False)  # the page's heading names it
        return HTTPResponse(content, content_type="image/png", headers={"cache-control": "private, max-age=60"})

    @app.get("/stats/report.pdf")
    async def stats_report_pdf(request: Request) -> HTTPResponse:
        period, _ = parse_period(request.args)
        stats = await asyncio.to_thread(cache.get, period)
        content = await asyncio.to_thread(report_pdf, stats)
        return _download(content, report_name(stats, "pdf"), "application/pdf")

    @app.get("/stats/report.xlsx")
    async def stats_report_xlsx(request: Request) -> HTTPResponse:
        period, _ = parse_period(request.args)
        stats = await asyncio.to_thread(cache.get, period)
        content = await asyncio.to_thread(report_xlsx, stats)
        return _download(content, report_name(stats, "xlsx"), XLSX)


def _download(content: bytes, file_name: str, content_type: str) -> HTTPResponse:
    return HTTPResponse(content, content_type=content_type,
                        headers={"content-disposition": f'attachment; filename="{file_name}"'})


# -- HTML -----------------------------------------------------------------------------------------------
def _chart(stats: Stats, name: str, description: str) -> Dict[str, Any]:
    """An image of a chart (drawn by /stats/chart/<name>.png), with its text for screen readers."""
    return {"src": url(f"/stats/chart/{name}.png", **query_of(stats.period)),
            "alt": f"Biểu đồ: {CHART_TITLES[name]}. {description}",
            "width": int(DRAW[name][1][0] * 110), "height": int(DRAW[name][1][1] * 110)}


def _table(head: List[str], rows: List[List[Any]], numeric: Tuple[int, ...] = (), table_id: str = "") -> Dict[str, Any]:
    return {"head": head, "rows": rows, "numeric": numeric, "id": table_id}


def stats_body(stats: Stats, error: str = "") -> Markup:
    period = stats.period
    query = query_of(period)
    channels_seen = sorted(set(stats.channels_seen) | {"web", "zalo", "rest"} | ({period.channel} if period.channel else set()))
    today = today_vn()
    this_month = Period.month_of(today)
    last_month = Period.month_of(this_month.start - timedelta(days=1))
    quick = [(label, url("/stats", month=f"{p.start:%Y-%m}", channel=period.channel))
             for label, p in (("Tháng này", this_month), ("Tháng trước", last_month))]
    tiles = [("total-messages", vn_number(stats.messages), "tin nhắn của người dân", ""),
             ("total-conversations", vn_number(stats.conversations), "cuộc hội thoại", "")]
    for outcome in OUTCOMES:
        tiles.append((f"share-{outcome}", vn_percent(stats.share(outcome)),
                      f"{OUTCOME_LABELS[outcome].lower()} ({vn_number(stats.outcomes[outcome])} tin)",
                      "warn" if outcome != "answered" else ""))
    tiles.append(("black-credit", vn_number(stats.black_credit_conversations), "hội thoại có dấu hiệu tín dụng đen",
                  "warn" if stats.black_credit_conversations else ""))
    channels = [[channel_label(c), vn_number(n), vn_percent(n / stats.messages if stats.messages else 0)]
                for c, n in stats.by_channel.most_common()]
    topics = [[topic_label(t), vn_number(n)] for t, n in stats.topics.most_common(10)]
    questions = [[vn_number(g.count), masked(g.example), "; ".join(masked(v) for v in g.variants),
                  render("stats_link.html", link=url("/faq/new", question=masked(g.example)))]
                 for g in stats.unanswered]
    feedback = [[label, vn_number(up), vn_number(down)] for label, up, down in feedback_rows(stats)]
    bands = [[kind, label, vn_number(n)] for kind, label, n in band_rows(stats)]
    return render(
        "stats.html", period=period, label=period.label(),
        channel_options=[(c, channel_label(c)) for c in channels_seen if c], quick=quick,
        pdf=url("/stats/report.pdf", **query), xlsx=url("/stats/report.xlsx", **query), tiles=tiles,
        per_day=_chart(stats, "per_day", f"{vn_number(stats.messages)} tin nhắn trong kỳ."),
        channels=_table(["Kênh", "Số tin nhắn", "Tỷ lệ"], channels, (1, 2), "by-channel"),
        outcomes=_chart(stats, "outcomes", "; ".join(
            f"{OUTCOME_LABELS[o]}: {vn_percent(stats.share(o))}" for o in OUTCOMES)),
        topics_chart=_chart(stats, "topics", "Số câu trả lời theo chủ đề."),
        topics=_table(["Chủ đề", "Số câu trả lời"], topics, (1,), "topics"),
        unanswered=vn_number(stats.unanswered_total),
        questions=_table(["Số lần", "Câu hỏi", "Cách hỏi khác cùng ý", ""], questions, (0,), "unanswered"),
        feedback_chart=_chart(stats, "feedback", "Số đánh giá hài lòng và chưa hài lòng theo chủ đề."),
        feedback=_table(["Chủ đề", "👍 Hài lòng", "👎 Chưa hài lòng"], feedback, (1, 2), "feedback"),
        black_chart=_chart(stats, "black_credit", "Số hội thoại theo tuần."),
        black=_table(BLACK_CREDIT_HEAD, black_credit_rows(stats), (1, 2, 3, 4, 5, 6, 7), "black-credit"),
        bands=_table(["", "Khoảng", "Số lần tính lãi"], bands, (2,), "black-credit-bands"))
