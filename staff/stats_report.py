"""Charts of the statistics (PNG for the page) and the periodic report (PDF and xlsx).

One set of charts, drawn with matplotlib on figures of their own (no pyplot state, so
two staff members can download at once), is shown on the «Thống kê» page and put into
both reports. Text is in DejaVu Sans, which has every Vietnamese letter, and the PDF
embeds it as TrueType (``pdf.fonttype`` 42) so the report's text can be copied and
searched. Every citizen's text in a report has passed ``vntext.pii`` masking again.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Sequence, Tuple

from knowledge.clock import VIETNAM
from staff.stats import (
    AMOUNT_BANDS,
    OUTCOME_LABELS,
    OUTCOMES,
    RATE_BANDS,
    Stats,
    band_counts,
    channel_label,
    masked,
    median,
    topic_label,
    vn_number,
    vn_percent,
)
from staff.uploads import strip_control_characters

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _matplotlib() -> Any:
    """matplotlib with the Agg backend, imported when a chart is first drawn.

    Not at import: the staff tools start with this module, and matplotlib is ~40 MB of
    a small server's memory for a page opened once a month (issue 18).
    """
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
BLUE, GREEN, RED, ORANGE, GREY = "#0b5394", "#2e7d32", "#c62828", "#e69138", "#888888"
CHANNEL_COLOURS = ["#0b5394", "#6aa84f", "#e69138", "#8e7cc3", "#999999"]
OUTCOME_COLOURS = {"answered": GREEN, "unsure": ORANGE, "fallback": RED, "busy": GREY}
TITLE = "Báo cáo tình hình người dân hỏi đáp về tín dụng chính sách xã hội"
CHART_TITLES = {
    "per_day": "Số tin nhắn theo ngày và theo kênh",
    "outcomes": "Kết quả trả lời",
    "topics": "Chủ đề được hỏi nhiều nhất",
    "feedback": "Đánh giá của người dân theo chủ đề",
    "black_credit": "Dấu hiệu tín dụng đen theo tuần",
}


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _empty(ax, message: str = "Chưa có dữ liệu trong kỳ") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", color=GREY, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def draw_per_day(stats: Stats, ax) -> None:
    days = sorted(stats.by_day)
    channels = [c for c, _ in stats.by_channel.most_common()]
    if not days or not stats.messages:
        return _empty(ax)
    bottom = [0] * len(days)
    for position, channel in enumerate(channels):
        values = [stats.by_day[d][channel] for d in days]
        ax.bar(range(len(days)), values, bottom=bottom, color=CHANNEL_COLOURS[position % len(CHANNEL_COLOURS)],
               label=channel_label(channel), width=0.8)
        bottom = [b + v for b, v in zip(bottom, values)]
    step = max(1, len(days) // 12)
    ax.set_xticks(range(0, len(days), step))
    ax.set_xticklabels([f"{d:%d/%m}" for d in days[::step]])
    ax.set_ylabel("Số tin nhắn")
    ax.set_ylim(0, max(bottom) * 1.25)
    ax.legend(loc="upper left", frameon=False, ncol=max(1, len(channels)))


def draw_outcomes(stats: Stats, ax) -> None:
    total = sum(stats.outcomes.values())
    if not total:
        return _empty(ax)
    labels = [OUTCOME_LABELS[o] for o in OUTCOMES][::-1]
    values = [stats.outcomes[o] for o in OUTCOMES][::-1]
    bars = ax.barh(labels, values, color=[OUTCOME_COLOURS[o] for o in OUTCOMES][::-1])
    for bar, value in zip(bars, values):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f"  {vn_number(value)} ({vn_percent(value / total)})",
                va="center")
    ax.set_xlim(0, max(values) * 1.35)
    ax.set_xlabel("Số tin nhắn")


def draw_topics(stats: Stats, ax, top: int = 10) -> None:
    items = stats.topics.most_common(top)
    if not items:
        return _empty(ax)
    labels = [topic_label(t) for t, _ in items][::-1]
    values = [n for _, n in items][::-1]
    bars = ax.barh(labels, values, color=BLUE)
    for bar, value in zip(bars, values):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f"  {vn_number(value)}", va="center")
    ax.set_xlim(0, max(values) * 1.2)
    ax.set_xlabel("Số câu trả lời từ mục hỏi đáp")


def feedback_rows(stats: Stats) -> List[Tuple[str, int, int]]:
    rows = [(topic_label(t), c["up"], c["down"]) for t, c in stats.feedback.items()]
    return sorted(rows, key=lambda r: (-(r[1] + r[2]), r[0]))


def draw_feedback(stats: Stats, ax, top: int = 10) -> None:
    rows = feedback_rows(stats)[:top][::-1]
    if not rows:
        return _empty(ax, "Chưa có đánh giá trong kỳ")
    positions = range(len(rows))
    ax.barh([p + 0.2 for p in positions], [r[1] for r in rows], height=0.4, color=GREEN, label="Hài lòng")
    ax.barh([p - 0.2 for p in positions], [r[2] for r in rows], height=0.4, color=RED, label="Chưa hài lòng")
    ax.set_yticks(list(positions))
    ax.set_yticklabels([r[0] for r in rows])
    ax.set_xlabel("Số đánh giá")
    ax.legend(loc="lower right", frameon=False)


def draw_black_credit(stats: Stats, ax) -> None:
    weeks = stats.weeks
    if not weeks:
        return _empty(ax)
    positions = range(len(weeks))
    ax.bar([p - 0.2 for p in positions], [w.criminal_rate for w in weeks], width=0.4, color=RED,
           label="Lãi suất ở mức có thể bị xử lý hình sự")
    ax.bar([p + 0.2 for p in positions], [w.victim for w in weeks], width=0.4, color=ORANGE,
           label="Người dân bị đòi nợ, cần giúp")
    ax.set_xticks(list(positions))
    ax.set_xticklabels([f"tuần {w.week:%d/%m}" for w in weeks])
    ax.set_ylabel("Số hội thoại")
    ax.set_ylim(0, max([w.criminal_rate for w in weeks] + [w.victim for w in weeks] + [1]) * 1.4)
    ax.legend(loc="upper left", frameon=False, ncol=2)
    if not any(w.either for w in weeks):
        ax.text(0.5, 0.5, "Không có dấu hiệu trong kỳ", ha="center", va="center", color=GREY, transform=ax.transAxes)


DRAW: Dict[str, Tuple[Callable[[Stats, object], None], Tuple[float, float]]] = {
    "per_day": (draw_per_day, (9.0, 3.2)),
    "outcomes": (draw_outcomes, (6.0, 2.6)),
    "topics": (draw_topics, (6.0, 3.4)),
    "feedback": (draw_feedback, (6.0, 3.4)),
    "black_credit": (draw_black_credit, (9.0, 3.0)),
}


def chart_png(stats: Stats, name: str, dpi: int = 110, titled: bool = True) -> bytes:
    """One chart as PNG (for the page and the spreadsheet)."""
    draw, size = DRAW[name]
    matplotlib = _matplotlib()
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=size, layout="constrained")
        ax = figure.add_subplot()
        if titled:
            ax.set_title(CHART_TITLES[name], loc="left", fontsize=10, fontweight="bold")
        draw(stats, ax)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


# -- the figures as rows (the page's tables, the PDF's text and the spreadsheet share them) -------------
def summary_rows(stats: Stats) -> List[Tuple[str, str]]:
    rows = [
        ("Kỳ báo cáo", stats.period.label()),
        ("Tổng số tin nhắn của người dân", vn_number(stats.messages)),
        ("Số cuộc hội thoại", vn_number(stats.conversations)),
    ]
    for channel, count in stats.by_channel.most_common():
        rows.append((f"Tin nhắn qua {channel_label(channel)}", vn_number(count)))
    for outcome in OUTCOMES:
        rows.append((OUTCOME_LABELS[outcome], f"{vn_number(stats.outcomes[outcome])} ({vn_percent(stats.share(outcome))})"))
    ups = sum(c["up"] for c in stats.feedback.values())
    downs = sum(c["down"] for c in stats.feedback.values())
    rows += [
        ("Câu hỏi chưa được trả lời (chưa chắc chắn hoặc không hiểu)", vn_number(stats.unanswered_total)),
        ("Đánh giá hài lòng / chưa hài lòng", f"{vn_number(ups)} / {vn_number(downs)}"),
        ("Hội thoại có dấu hiệu tín dụng đen", vn_number(stats.black_credit_conversations)),
    ]
    return rows


def black_credit_rows(stats: Stats) -> List[List[str]]:
    rows = []
    for w in stats.weeks:
        rate, amount = median(w.rates), median(w.amounts)
        rows.append([f"{w.week:%d/%m/%Y}", vn_number(w.criminal_rate), vn_number(w.victim), vn_number(w.either),
                     vn_number(len(w.rates)), vn_number(rate, 0) + " %" if rate is not None else "–",
                     vn_number(max(w.rates), 0) + " %" if w.rates else "–",
                     vn_number(amount) + " đ" if amount is not None else "–"])
    return rows


BLACK_CREDIT_HEAD = ["Tuần từ", "Lãi ở mức hình sự", "Nạn nhân cần giúp", "Tổng hội thoại", "Số lần tính lãi",
                     "Lãi suất trung vị (/năm)", "Lãi suất cao nhất (/năm)", "Số tiền nhận trung vị"]


def band_rows(stats: Stats) -> List[Tuple[str, str, int]]:
    rates = [("Lãi suất", label, n) for label, n in band_counts(stats.all_rates, RATE_BANDS)]
    amounts = [("Số tiền vay", label, n) for label, n in band_counts(stats.all_amounts, AMOUNT_BANDS)]
    return rates + amounts


def _generated() -> str:
    return datetime.now(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


# -- PDF ------------------------------------------------------------------------------------------------
A4 = (8.27, 11.69)


def _page(pdf, title: str, stats: Stats) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=A4)
    figure.text(0.06, 0.965, title, fontsize=13, fontweight="bold", va="top")
    figure.text(0.06, 0.94, f"{stats.period.label()} · lập lúc {_generated()}", fontsize=8.5, color="#555555", va="top")
    return figure


def _table_text(figure: Figure, top: float, rows: Sequence[Sequence[str]], columns: Sequence[float],
                head: Sequence[str] = (), size: float = 8.5, step: float = 0.021) -> float:
    """Rows of text at fixed x positions (fractions of the page); returns the y below them."""
    y = top
    if head:
        for x, cell in zip(columns, head):
            figure.text(x, y, cell, fontsize=size, fontweight="bold", va="top")
        y -= step
    for row in rows:
        for x, cell in zip(columns, row):
            figure.text(x, y, str(cell), fontsize=size, va="top")
        y -= step
    return y


def _chart_axes(figure: Figure, stats: Stats, name: str, rect: Sequence[float]) -> None:
    ax = figure.add_axes(rect)
    ax.set_title(CHART_TITLES[name], loc="left", fontsize=10, fontweight="bold")
    DRAW[name][0](stats, ax)


def report_pdf(stats: Stats) -> bytes:
    """The period's report: key figures, the five charts, unanswered questions, black credit."""
    matplotlib = _matplotlib()
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE), PdfPages(buffer, metadata={"Title": TITLE, "Creator": "Trợ lý Tín dụng Chính sách"}) as pdf:
        first = _page(pdf, TITLE, stats)
        first.text(0.06, 0.905, "1. Số liệu chính", fontsize=11, fontweight="bold", va="top")
        y = _table_text(first, 0.88, summary_rows(stats), (0.08, 0.62), size=9, step=0.022)
        _chart_axes(first, stats, "per_day", [0.1, max(0.06, y - 0.33), 0.84, 0.26])
        pdf.savefig(first)

        second = _page(pdf, "2. Kết quả trả lời và chủ đề", stats)
        _chart_axes(second, stats, "outcomes", [0.3, 0.66, 0.6, 0.22])
        _chart_axes(second, stats, "topics", [0.3, 0.36, 0.6, 0.24])
        topics = [[topic_label(t), vn_number(n)] for t, n in stats.topics.most_common(10)]
        _table_text(second, 0.29, topics, (0.08, 0.6), head=["Chủ đề", "Số câu trả lời"])
        pdf.savefig(second)

        third = _page(pdf, "3. Câu hỏi chưa được trả lời và đánh giá", stats)
        third.text(0.06, 0.905, f"Các câu hỏi bot chưa trả lời được, gộp theo ý nghĩa "
                                f"({vn_number(stats.unanswered_total)} câu trong kỳ):", fontsize=9, va="top")
        rows = [[vn_number(g.count), _shorten(masked(g.example), 95)] for g in stats.unanswered[:15]]
        y = _table_text(third, 0.88, rows, (0.08, 0.16), head=["Số lần", "Câu hỏi (đã che số cá nhân)"], size=8)
        _chart_axes(third, stats, "feedback", [0.3, max(0.05, y - 0.36), 0.6, 0.3])
        pdf.savefig(third)

        fourth = _page(pdf, "4. Dấu hiệu tín dụng đen", stats)
        fourth.text(0.06, 0.905, "Số hội thoại theo tuần; chỉ số liệu tổng hợp, không có thông tin cá nhân.",
                    fontsize=9, va="top")
        _chart_axes(fourth, stats, "black_credit", [0.1, 0.62, 0.84, 0.24])
        y = _table_text(fourth, 0.56, black_credit_rows(stats), (0.04, 0.15, 0.27, 0.39, 0.5, 0.61, 0.74, 0.86),
                        head=["Tuần từ", "Lãi hình sự", "Nạn nhân", "Tổng", "Lần tính", "Lãi trung vị",
                              "Lãi cao nhất", "Tiền nhận"], size=7.5)
        bands = [[kind, label, vn_number(n)] for kind, label, n in band_rows(stats)]
        _table_text(fourth, y - 0.02, bands, (0.08, 0.3, 0.6), head=["", "Khoảng", "Số lần tính lãi"], size=8)
        pdf.savefig(fourth)
    return buffer.getvalue()


# -- xlsx -----------------------------------------------------------------------------------------------
def report_xlsx(stats: Stats) -> bytes:
    """The same figures as sheets (text and numbers, never formulas) and the charts as images."""
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Alignment, Font

    book = Workbook()

    def sheet(title: str, head: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[int]):
        ws = book.create_sheet(title)
        ws.append(list(head))
        for row in rows:
            ws.append([strip_control_characters(c) if isinstance(c, str) else c for c in row])
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for column, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + column)].width = width
        ws.freeze_panes = "A2"
        return ws

    book.remove(book.active)
    sheet("Tổng quan", ["Chỉ tiêu", "Giá trị"], [[TITLE, ""], *[list(r) for r in summary_rows(stats)],
                                               ["Lập lúc", _generated()]], [60, 45])
    channels = [c for c, _ in stats.by_channel.most_common()]
    sheet("Theo ngày", ["Ngày", *[channel_label(c) for c in channels], "Tổng"],
          [[f"{d:%d/%m/%Y}", *[stats.by_day[d][c] for c in channels], sum(stats.by_day[d].values())]
           for d in sorted(stats.by_day)], [14] + [16] * (len(channels) + 1))
    total = sum(stats.outcomes.values())
    sheet("Kết quả trả lời", ["Kết quả", "Số tin nhắn", "Tỷ lệ (%)"],
          [[OUTCOME_LABELS[o], stats.outcomes[o], round(100 * stats.outcomes[o] / total, 1) if total else 0.0]
           for o in OUTCOMES], [28, 14, 12])
    sheet("Chủ đề", ["Chủ đề", "Số câu trả lời"], [[topic_label(t), n] for t, n in stats.topics.most_common()], [30, 16])
    sheet("Mục hỏi đáp", ["Mã mục", "Số câu trả lời"], [[e, n] for e, n in stats.entries.most_common()], [40, 16])
    sheet("Chưa trả lời", ["Số lần", "Câu hỏi (đã che số cá nhân)", "Cách hỏi khác cùng ý"],
          [[g.count, masked(g.example), "\n".join(masked(v) for v in g.variants)] for g in stats.unanswered],
          [10, 70, 70])
    sheet("Đánh giá", ["Chủ đề", "Hài lòng (👍)", "Chưa hài lòng (👎)"], feedback_rows(stats), [30, 16, 18])
    sheet("Tín dụng đen", BLACK_CREDIT_HEAD, black_credit_rows(stats), [14, 16, 16, 14, 14, 20, 20, 20])
    sheet("Tín dụng đen - khoảng", ["Loại", "Khoảng", "Số lần tính lãi"], band_rows(stats), [16, 22, 16])
    charts = book.create_sheet("Biểu đồ")
    row = 1
    for name in DRAW:
        image = Image(io.BytesIO(chart_png(stats, name, dpi=90)))
        charts.add_image(image, f"A{row}")
        row += int(image.height / 20) + 2
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_name(stats: Stats, extension: str) -> str:
    period = stats.period
    channel = f"-{period.channel}" if period.channel else ""
    return f"bao-cao-thong-ke-{period.start:%Y%m%d}-{period.end:%Y%m%d}{channel}.{extension}"


def today_vn() -> date:
    return datetime.now(VIETNAM).date()
