"""«Thống kê» and the periodic report (issue 16) against an independent recount of the store.

About 2,100 conversations of the test sets (tests/integration/stats_store.py) are written
into the tracker store of a staff app on a copy of the content, for November 2026 plus
an hour on each side. The page, the PDF (rendered to PNG with pdftoppm, read back with
pdftotext) and the xlsx must show the figures counted while writing them and recounted
here with plain SQL; no personal number of tests/data/bad_input_cases.yml (stored
unmasked on purpose) may appear anywhere. The same replay into a throwaway PostgreSQL
(the scale-out's database) must give the same statistics. A headless Chromium
screenshot of the page goes to ``$TEST_OUTPUT/browser/``.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import requests

from knowledge.clock import VIETNAM
from staff.faq_store import FaqStore
from staff.history import History
from staff.review import review_queue
from staff.stats import OUTCOME_LABELS, Period, compute, faq_topics, topic_label, vn_number, vn_percent
from tests.integration import staff_client
from evaluation.servers import ROOT, BotServers, free_port
from tests.integration.stats_store import Replayed, personal_cases, replay

MONTH = date(2026, 11, 1)
CONVERSATIONS = 2000
QUERY = {"from": "2026-11-01", "to": "2026-11-30"}
OUTPUT = Path(os.environ.get("TEST_OUTPUT", ROOT / "test-output"))


@pytest.fixture(scope="module")
def staff(tmp_path_factory) -> Iterator[Tuple[BotServers, Replayed]]:
    base = tmp_path_factory.mktemp("stats")
    pair = staff_client.servers_on_a_copy(base)
    content = Path(pair.extra_env["CONTENT_DIR"])
    topics = faq_topics(FaqStore(content, History(content / "history")).entries())
    expected = replay(f"sqlite:///{base / 'conversations.db'}", MONTH, CONVERSATIONS, topics_of=topics)
    try:
        pair.start_staff_app()
        yield pair, expected
    finally:
        pair.stop_all()


@pytest.fixture(scope="module")
def session(staff) -> requests.Session:
    return staff_client.login(staff[0].staff_url, "an")


@pytest.fixture(scope="module")
def page(staff, session) -> str:
    response = session.get(f"{staff[0].staff_url}/stats", params=QUERY, timeout=300)
    assert response.status_code == 200, response.text[-2000:]
    return html.unescape(response.text)


def recount(db: Path) -> Dict[str, object]:
    """The period's messages straight from the events table, without the app's code."""
    start = datetime(2026, 11, 1, tzinfo=VIETNAM).timestamp()
    end = datetime(2026, 12, 1, tzinfo=VIETNAM).timestamp()
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT sender_id, timestamp, data FROM events WHERE type_name = 'user' AND timestamp >= ? AND timestamp < ?",
            (start, end)).fetchall()
    by_channel = Counter(json.loads(data)["input_channel"] for _, _, data in rows)
    by_day = Counter(datetime.fromtimestamp(at, VIETNAM).date() for _, at, _ in rows)
    return {"messages": len(rows), "conversations": len({sender for sender, _, _ in rows}),
            "by_channel": by_channel, "by_day": by_day}


def cell(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', page)
    assert match, element_id
    return match.group(1)


def table_rows(page: str, table_id: str) -> List[List[str]]:
    body = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', page, re.DOTALL).group(1)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def test_the_page_shows_the_replayed_counts_and_an_independent_recount(staff, page):
    pair, expected = staff
    counted = recount(pair.workdir / "conversations.db")
    assert counted["messages"] == expected.messages > 2000
    assert counted["conversations"] == expected.conversations >= CONVERSATIONS
    assert counted["by_channel"] == expected.by_channel and counted["by_day"] == expected.by_day
    assert cell(page, "total-messages") == vn_number(expected.messages)
    assert cell(page, "total-conversations") == vn_number(expected.conversations)
    total = sum(expected.outcomes.values())
    for outcome in OUTCOME_LABELS:
        assert cell(page, f"share-{outcome}") == vn_percent(expected.outcomes[outcome] / total), outcome
    assert {row[1] for row in table_rows(page, "by-channel")} == {vn_number(n) for n in expected.by_channel.values()}
    shown_topics = {row[0]: row[1] for row in table_rows(page, "topics")}
    for topic, count in expected.topics.most_common(10):
        assert shown_topics[topic_label(topic)] == vn_number(count)
    feedback = {row[0]: (row[1], row[2]) for row in table_rows(page, "feedback")}
    for topic, ratings in expected.feedback.items():
        assert feedback[topic_label(topic)] == (vn_number(ratings["up"]), vn_number(ratings["down"]))
    weeks = {row[0]: row[1:4] for row in table_rows(page, "black-credit")}
    assert sum(expected.either_weeks.values()) > 20
    for week, either in expected.either_weeks.items():
        assert weeks[f"{week:%d/%m/%Y}"] == [vn_number(expected.criminal_weeks[week]),
                                             vn_number(expected.victim_weeks[week]), vn_number(either)]
    assert cell(page, "black-credit") == vn_number(sum(expected.either_weeks.values()))
    # Unanswered questions grouped by meaning: the three wordings of one unknown question in one group.
    groups = table_rows(page, "unanswered")
    bike = next(row for row in groups if "xe máy" in row[1] or "xe may" in row[1])
    assert int(bike[0].replace(".", "")) >= 24 and bike[2].count("xe m") >= 2
    assert "Chưa có dữ liệu" not in page.split('id="unanswered"')[1][:400]


def test_a_channel_filter_and_the_charts(staff, session):
    pair, expected = staff
    zalo = html.unescape(session.get(f"{pair.staff_url}/stats", params={**QUERY, "channel": "zalo"}, timeout=300).text)
    assert cell(zalo, "total-messages") == vn_number(expected.by_channel["zalo"])
    for name in ("per_day", "outcomes", "topics", "feedback", "black_credit"):
        image = session.get(f"{pair.staff_url}/stats/chart/{name}.png", params=QUERY, timeout=120)
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert image.content[:8] == b"\x89PNG\r\n\x1a\n" and len(image.content) > 5000
    assert requests.get(f"{pair.staff_url}/stats/chart/per_day.png", allow_redirects=False,
                        timeout=30).status_code == 303  # login first


def test_the_pdf_report_renders_with_the_months_totals(staff, session, tmp_path):
    pair, expected = staff
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm missing: apt-get install poppler-utils (tests/browser/setup.sh installs it)")
    response = session.get(f"{pair.staff_url}/stats/report.pdf", params={"month": "2026-11"}, timeout=300)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "bao-cao-thong-ke-20261101-20261130.pdf" in response.headers["content-disposition"]
    out = OUTPUT / "stats"
    out.mkdir(parents=True, exist_ok=True)
    pdf = out / "bao-cao-thong-ke-2026-11.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(out / "report-page")], check=True)
    pages = sorted(out.glob("report-page-*.png"))
    assert len(pages) == 4
    from PIL import Image

    for png in pages:  # each page drawn, not blank
        colours = Image.open(png).convert("L").getextrema()
        assert colours[0] < 100 and colours[1] > 200, png
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "Báo cáo tình hình người dân hỏi đáp về tín dụng chính sách xã hội" in text
    assert "01/11/2026 – 30/11/2026" in text
    for label, value in (("Tổng số tin nhắn của người dân", expected.messages),
                         ("Số cuộc hội thoại", expected.conversations),
                         ("Chưa chắc chắn", expected.outcomes["unsure"]), ("Hệ thống bận", expected.outcomes["busy"]),
                         ("Hội thoại có dấu hiệu tín dụng đen", sum(expected.either_weeks.values()))):
        line = next(line for line in text.splitlines() if label in line)
        assert vn_number(value) in line, (label, line)
    assert "Dấu hiệu tín dụng đen theo tuần" in text and "Chủ đề được hỏi nhiều nhất" in text


def test_the_xlsx_report_has_the_same_figures(staff, session):
    pair, expected = staff
    from openpyxl import load_workbook

    response = session.get(f"{pair.staff_url}/stats/report.xlsx", params=QUERY, timeout=300)
    assert response.status_code == 200
    (OUTPUT / "stats").mkdir(parents=True, exist_ok=True)
    (OUTPUT / "stats" / "bao-cao-thong-ke-2026-11.xlsx").write_bytes(response.content)
    book = load_workbook(io.BytesIO(response.content))
    days = list(book["Theo ngày"].iter_rows(min_row=2, values_only=True))
    assert len(days) == 30
    assert {datetime.strptime(row[0], "%d/%m/%Y").date(): row[-1] for row in days} == \
        {MONTH + timedelta(days=n): expected.by_day[MONTH + timedelta(days=n)] for n in range(30)}
    outcomes = {row[0]: row[1] for row in book["Kết quả trả lời"].iter_rows(min_row=2, values_only=True)}
    assert outcomes == {OUTCOME_LABELS[o]: expected.outcomes[o] for o in OUTCOME_LABELS}
    topics = {row[0]: row[1] for row in book["Chủ đề"].iter_rows(min_row=2, values_only=True)}
    assert topics == {topic_label(t): n for t, n in expected.topics.items()}
    assert book["Biểu đồ"]._images, "the charts are in the workbook"


def personal_strings() -> List[str]:
    """What must never be shown: each case's must-not-echo strings and its 9+ digit runs."""
    found = set()
    for case in personal_cases():
        found.update(s for s in case.get("must_not_echo") or [] if re.search(r"\d{6}|@", s))
        found.update(re.sub(r"\D", "", run) for run in re.findall(r"\d[\d .-]{7,}\d", case["message"]))
    return sorted(s for s in found if len(re.sub(r"\D", "", s)) >= 9 or "@" in s)


def test_no_personal_number_on_the_page_or_in_the_reports(staff, session, page):
    pair, _ = staff
    secrets = personal_strings()
    assert len(secrets) >= 10
    pdf = session.get(f"{pair.staff_url}/stats/report.pdf", params=QUERY, timeout=300).content
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        pdf_text = subprocess.run(["pdftotext", file.name, "-"], capture_output=True, text=True).stdout \
            if shutil.which("pdftotext") else ""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(session.get(f"{pair.staff_url}/stats/report.xlsx", params=QUERY, timeout=300).content))
    xlsx_text = "\n".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "đã ẩn]" in page and "đã ẩn]" in xlsx_text  # the personal-data questions are listed, masked
    for name, shown in (("page", page), ("pdf", pdf_text), ("xlsx", xlsx_text)):
        digits = re.sub(r"[ .\-]", "", shown)
        for secret in secrets:
            assert secret not in shown, (name, secret)
            assert re.sub(r"[ .\-]", "", secret) not in digits or "@" in secret, (name, secret)


def test_a_screenshot_of_the_page_in_headless_chromium(staff):
    pair, expected = staff
    script = ROOT / "tests" / "browser" / "staff_figure_page.mjs"
    if not (shutil.which("node") and Path("/usr/bin/chromium").exists()
            and (ROOT / "tests" / "browser" / "node_modules" / "playwright-core").exists()):
        pytest.skip("Chromium or playwright-core missing: bash tests/browser/setup.sh")
    result = subprocess.run(["node", str(script), pair.staff_url, "an", staff_client.PASSWORD,
                             "/stats?from=2026-11-01&to=2026-11-30"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "TEST_OUTPUT": str(OUTPUT)})
    assert result.returncode == 0, result.stderr[-2000:]
    shot = Path(result.stdout.strip().splitlines()[-1])
    assert shot.exists() and shot.stat().st_size > 50_000, shot


# -- the same statistics from PostgreSQL (the scale-out's tracker store) ---------------------------------
@pytest.fixture(scope="module")
def postgresql(tmp_path_factory) -> Iterator[str]:
    """A throwaway PostgreSQL server (as scripts/scale_out.sh starts it, without the rest of the deployment)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not bins or os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("PostgreSQL is not installed (scripts/scale_out.sh installs it) or not running as root")
    pg_bin = bins[-1].parent
    work = Path(tempfile.mkdtemp(prefix="stats-pg-"))
    work.chmod(0o755)
    data = work / "data"
    data.mkdir()
    shutil.chown(data, "postgres", "postgres")
    as_postgres = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
    subprocess.run([*as_postgres, str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8"], check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([*as_postgres, str(pg_bin / "postgres"), "-D", str(data), "-p", str(port), "-k", str(data),
                               "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(60):
            ready = subprocess.run([str(pg_bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True)
            if ready.returncode == 0:
                break
            time.sleep(0.5)
        subprocess.run([str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "rasa"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/rasa"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


def test_postgresql_gives_the_same_statistics_as_sqlite(postgresql, tmp_path, staff):
    pair, _ = staff
    content = Path(pair.extra_env["CONTENT_DIR"])
    topics = faq_topics(FaqStore(content, History(content / "history")).entries())
    on_pg = replay(postgresql, MONTH, 500, topics_of=topics, seed=5)
    on_sqlite = replay(f"sqlite:///{tmp_path / 'same.db'}", MONTH, 500, topics_of=topics, seed=5)
    period = Period(MONTH, date(2026, 11, 30))
    from_pg = compute(postgresql, period, topics)
    from_sqlite = compute(tmp_path / "same.db", period, topics)
    assert from_pg.messages == on_pg.messages == on_sqlite.messages == from_sqlite.messages
    assert from_pg.conversations == on_pg.conversations
    assert from_pg.by_channel == on_pg.by_channel and from_pg.outcomes == on_pg.outcomes
    assert from_pg.topics == on_pg.topics == from_sqlite.topics
    assert {t: dict(c) for t, c in from_pg.feedback.items()} == {t: dict(c) for t, c in on_pg.feedback.items()}
    assert [(w.week, w.criminal_rate, w.victim, w.either) for w in from_pg.weeks] == \
        [(w.week, w.criminal_rate, w.victim, w.either) for w in from_sqlite.weeks]
    assert [g.count for g in from_pg.unanswered] == [g.count for g in from_sqlite.unanswered]
    # The review queue reads the same store through the same reader.
    flagged = review_queue(postgresql, days=(date.today() - MONTH).days + 2, limit=5)
    assert len(flagged) == 5 and all(c.flags for c in flagged)
