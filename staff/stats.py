"""Statistics of what citizens ask, for the «Thống kê» page and the periodic report (issue 16).

Computed from the tracker store (read through ``tracker_reader.py``: SQLite, or
PostgreSQL in the scale-out) for a period of days in Vietnam time and an optional
channel. One *turn* is a citizen's message (a ``user`` event) and what the bot stored
until the next one. Its outcome is one of:

- ``answered``: the bot replied and the knowledge action did not say it was unsure;
- ``unsure``: ``answer_kind`` was set to ``unsure`` (the «chưa chắc chắn» answer);
- ``fallback``: the message was read as ``nlu_fallback`` and the bot answered with
  ``action_default_fallback``, or the action ran with no reply from the knowledge;
- ``busy``: the citizen got the guard's "hệ thống đang bận" reply. That reply is sent by
  the channel and never stored, so it is recognised from the store as the guard decides
  it: no bot reply stored for the turn, or the first one stored later than the answer
  deadline (``ANSWER_DEADLINE_SECONDS``, 4.5 s); ``answer_kind`` ``unavailable`` (the
  knowledge part was down, the same "try later" for the citizen) counts here too.

Topics come from the FAQ entry answered (``last_answer_id`` set in the turn → the
entry's ``topic``); 👍/👎 from ``answer_feedback`` slots, matched to the turn whose bot
text was rated. Black-credit signals are conversations where the loan calculator's
reply says the lender "có thể bị xử lý hình sự" (the rate found, and the amount
received, read from that reply) or a message was read as ``black_credit_victim``;
only counts, weeks and figures are kept, never a text or a sender. Every text the
statistics keep (unanswered questions) is masked again with ``vntext.pii``.
"""

from __future__ import annotations

import json
import os
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from vntext.pii import mask_personal_data
from vntext.normalise import fold
from knowledge.clock import VIETNAM
from staff.tracker_reader import TrackerReader, reader_for

OUTCOMES = ("answered", "unsure", "fallback", "busy")
OUTCOME_LABELS = {
    "answered": "Đã trả lời",
    "unsure": "Chưa chắc chắn",
    "fallback": "Không hiểu (dự phòng)",
    "busy": "Hệ thống bận",
}
CHANNEL_LABELS = {"rest": "REST / trang web", "web": "Khung chat web", "zalo": "Zalo", "": "Không rõ"}
TOPIC_LABELS = {
    "black_credit": "Tín dụng đen",
    "collateral": "Tài sản bảo đảm",
    "repayment": "Trả nợ, gia hạn",
    "directives": "Chỉ thị, chỉ đạo",
    "documents": "Văn bản",
    "eligibility": "Đối tượng được vay",
    "fund_for_poor": "Quỹ Vì người nghèo",
    "general": "Chung",
    "limits_terms": "Mức vay, thời hạn",
    "out_of_scope": "Ngoài phạm vi",
    "priority": "Ưu tiên",
    "procedure": "Thủ tục, hồ sơ",
    "rates": "Lãi suất",
    "where": "Nơi giao dịch",
}
NO_TOPIC = "Không từ mục hỏi đáp"
CRIMINAL_MARK = "có thể bị xử lý hình sự"
VICTIM_INTENT = "black_credit_victim"
BUSY_DEADLINE_SECONDS = float(os.environ.get("ANSWER_DEADLINE_SECONDS", "4.5"))
_RATE = re.compile(r"(?:Kết quả|Lãi thật của khoản vay anh/chị kể): khoảng ([\d.,]+)%/năm")
_AMOUNT = re.compile(r"(?:Nhận|Vay|vay|nhận) ([\d.]+) đồng")
RATE_BANDS = ((100, 365, "100–365%/năm"), (365, 1000, "365–1.000%/năm"), (1000, 5000, "1.000–5.000%/năm"),
              (5000, float("inf"), "trên 5.000%/năm"))
AMOUNT_BANDS = ((0, 5e6, "dưới 5 triệu"), (5e6, 20e6, "5–20 triệu"), (20e6, 50e6, "20–50 triệu"),
                (50e6, float("inf"), "từ 50 triệu"))
# Cosine of two questions with the same meaning (accents restored first, as the bot does): 0.94-0.97
# for rewordings in the test sets, 0.80-0.93 for different questions on the same subject.
DEFAULT_CLUSTER_THRESHOLD = 0.94


@dataclass(frozen=True)
class Period:
    """Days ``start``..``end`` (both included) in Vietnam time, and a channel ("" = all)."""

    start: date
    end: date
    channel: str = ""

    @property
    def start_ts(self) -> float:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=VIETNAM).timestamp()

    @property
    def end_ts(self) -> float:
        after = self.end + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=VIETNAM).timestamp()

    @property
    def days(self) -> List[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def label(self) -> str:
        text = f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"
        return text + (f", kênh {channel_label(self.channel)}" if self.channel else ", mọi kênh")

    @classmethod
    def month_of(cls, day: date, channel: str = "") -> "Period":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return cls(first, last, channel)


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel)


def topic_label(topic: str) -> str:
    return TOPIC_LABELS.get(topic, topic or NO_TOPIC)


def vn_day(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, VIETNAM).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class QuestionGroup:
    """Unanswered questions close in meaning: the most frequent wording, and how many."""

    example: str
    count: int
    variants: List[str] = field(default_factory=list)


@dataclass
class WeekSignals:
    week: date  # Monday
    criminal_rate: int = 0  # conversations where the calculator found a rate above the criminal threshold
    victim: int = 0  # conversations with a message read as black_credit_victim
    either: int = 0
    rates: List[float] = field(default_factory=list)  # %/year, one per calculation
    amounts: List[float] = field(default_factory=list)  # VND received, one per calculation


@dataclass
class Stats:
    period: Period
    messages: int = 0
    conversations: int = 0
    by_day: Dict[date, Counter] = field(default_factory=dict)  # day -> channel -> messages
    by_channel: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)  # topic -> FAQ answers
    entries: Counter = field(default_factory=Counter)  # FAQ entry id -> answers
    unanswered: List[QuestionGroup] = field(default_factory=list)
    unanswered_total: int = 0
    feedback: Dict[str, Counter] = field(default_factory=dict)  # topic -> {"up": n, "down": n}
    weeks: List[WeekSignals] = field(default_factory=list)
    channels_seen: List[str] = field(default_factory=list)

    def share(self, outcome: str) -> float:
        total = sum(self.outcomes.values())
        return self.outcomes[outcome] / total if total else 0.0

    @property
    def black_credit_conversations(self) -> int:
        return sum(w.either for w in self.weeks)

    @property
    def all_rates(self) -> List[float]:
        return [r for w in self.weeks for r in w.rates]

    @property
    def all_amounts(self) -> List[float]:
        return [a for w in self.weeks for a in w.amounts]


def masked(text: Any) -> str:
    return mask_personal_data(str(text or "")).text


def _number(raw: str) -> float:
    return float(raw.replace(".", "").replace(",", "."))


def loan_figures(bot_text: str) -> Tuple[Optional[float], Optional[float]]:
    """(yearly rate %, amount received in VND) from the loan calculator's reply, None when absent."""
    rate = _RATE.search(bot_text)
    amount = _AMOUNT.search(bot_text)
    return (_number(rate.group(1)) if rate else None, _number(amount.group(1)) if amount else None)


@dataclass
class _Turn:
    at: float
    text: str
    intent: str
    channel: str
    counted: bool  # inside the period and the channel filter
    bot_texts: List[str] = field(default_factory=list)
    first_bot_at: Optional[float] = None
    answer_kind: Optional[str] = None
    answer_id: Optional[str] = None
    default_fallback: bool = False

    def outcome(self) -> str:
        if self.answer_kind == "unavailable":
            return "busy"
        if self.first_bot_at is None or self.first_bot_at - self.at > BUSY_DEADLINE_SECONDS:
            return "busy"
        if self.answer_kind == "unsure":
            return "unsure"
        if self.default_fallback:
            return "fallback"
        return "answered"


def conversation_turns(events: Sequence[Dict[str, Any]], period: Period) -> Tuple[List[_Turn], List[Tuple[float, str, str]]]:
    """The turns of one conversation and its ratings (time, "up"/"down", rated bot text)."""
    turns: List[_Turn] = []
    ratings: List[Tuple[float, str, str]] = []
    for event in events:
        kind, at = event.get("event"), float(event.get("timestamp") or 0.0)
        turn = turns[-1] if turns else None
        if kind == "user":
            channel = str(event.get("input_channel") or "")
            intent = str(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")
            counted = period.start_ts <= at < period.end_ts and (not period.channel or channel == period.channel)
            turns.append(_Turn(at, str(event.get("text") or ""), intent, channel, counted))
        elif turn is None:
            continue
        elif kind == "bot":
            if event.get("text"):
                turn.bot_texts.append(str(event.get("text")))
            if turn.first_bot_at is None:
                turn.first_bot_at = at
        elif kind == "action" and event.get("name") == "action_default_fallback":
            turn.default_fallback = True
        elif kind == "slot" and event.get("name") == "answer_kind":
            turn.answer_kind = str(event.get("value") or "")
        elif kind == "slot" and event.get("name") == "last_answer_id" and event.get("value"):
            turn.answer_id = str(event["value"])
        elif kind == "slot" and event.get("name") == "answer_feedback":
            value = event.get("value")
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    value = {}
            if isinstance(value, dict) and value.get("rating") in ("up", "down"):
                ratings.append((at, str(value["rating"]), str(value.get("bot_text") or "")))
    return turns, ratings


def compute(store: Union[Path, str, TrackerReader, None], period: Period, topics_of: Dict[str, str],
            encode: Optional[Callable[[List[str]], np.ndarray]] = None,
            threshold: float = DEFAULT_CLUSTER_THRESHOLD, top: int = 15) -> Stats:
    """The period's statistics. ``topics_of``: FAQ entry id → topic; ``encode``: texts → unit vectors."""
    reader = reader_for(store)
    stats = Stats(period, by_day={day: Counter() for day in period.days})
    unanswered: List[str] = []
    weeks: Dict[date, WeekSignals] = {}
    channels = set()
    for _, events in reader.conversations_between(period.start_ts, period.end_ts):
        turns, ratings = conversation_turns(events, period)
        counted = [t for t in turns if t.counted]
        channels.update(t.channel for t in turns)
        if not counted:
            continue
        stats.conversations += 1
        criminal_weeks, victim_weeks = set(), set()
        for turn in counted:
            day = vn_day(turn.at)
            stats.messages += 1
            stats.by_day[day][turn.channel] += 1
            stats.by_channel[turn.channel] += 1
            outcome = turn.outcome()
            stats.outcomes[outcome] += 1
            if turn.answer_kind == "faq" and turn.answer_id:
                stats.entries[turn.answer_id] += 1
                stats.topics[topics_of.get(turn.answer_id, "")] += 1
            if outcome in ("unsure", "fallback") and turn.text.strip():
                unanswered.append(masked(turn.text).strip())
            week = week_start(day)
            if turn.intent == VICTIM_INTENT:
                victim_weeks.add(week)
            for text in turn.bot_texts:
                if CRIMINAL_MARK in text:
                    criminal_weeks.add(week)
                    rate, amount = loan_figures(text)
                    signals = weeks.setdefault(week, WeekSignals(week))
                    if rate is not None:
                        signals.rates.append(rate)
                    if amount is not None:
                        signals.amounts.append(amount)
        for week in criminal_weeks | victim_weeks:
            signals = weeks.setdefault(week, WeekSignals(week))
            signals.criminal_rate += week in criminal_weeks
            signals.victim += week in victim_weeks
            signals.either += 1
        _count_ratings(stats, turns, ratings, topics_of)
    stats.channels_seen = sorted(channels)
    stats.unanswered_total = len(unanswered)
    stats.unanswered = group_questions(unanswered, encode, threshold)[:top]
    first_week, last_week = week_start(period.start), week_start(period.end)
    all_weeks = [first_week + timedelta(weeks=n) for n in range((last_week - first_week).days // 7 + 1)]
    stats.weeks = [weeks.get(w, WeekSignals(w)) for w in all_weeks]
    return stats


def _count_ratings(stats: Stats, turns: List[_Turn], ratings: List[Tuple[float, str, str]],
                   topics_of: Dict[str, str]) -> None:
    """Each rating in the period (and of a counted channel) under the topic of the answer rated."""
    for at, rating, bot_text in ratings:
        if not stats.period.start_ts <= at < stats.period.end_ts:
            continue
        rated = next((t for t in reversed(turns) if t.at <= at and bot_text and
                      any(text.strip() == bot_text.strip() for text in t.bot_texts)), None)
        if rated is None:
            rated = next((t for t in reversed(turns) if t.at <= at), None)
        if rated is None or (stats.period.channel and rated.channel != stats.period.channel):
            continue
        topic = topics_of.get(rated.answer_id or "", "") if rated.answer_kind == "faq" else ""
        stats.feedback.setdefault(topic, Counter())[rating] += 1


def group_questions(texts: Sequence[str], encode: Optional[Callable[[List[str]], np.ndarray]],
                    threshold: float = DEFAULT_CLUSTER_THRESHOLD) -> List[QuestionGroup]:
    """Questions grouped by meaning, most frequent group first.

    Identical questions (after folding accents and case) are merged first; then, with
    ``encode``, each distinct question joins the first group (by size) whose first
    question's embedding has a cosine ≥ ``threshold`` with it (greedy). Without
    ``encode`` only identical questions are grouped.
    """
    by_form: Dict[str, List[str]] = defaultdict(list)
    for text in texts:
        if text:
            by_form[" ".join(fold(text).split())].append(text)
    forms = sorted(by_form.items(), key=lambda item: (-len(item[1]), item[0]))
    if not forms:
        return []
    vectors = encode([Counter(v).most_common(1)[0][0] for _, v in forms]) if encode else None
    groups: List[Tuple[int, List[int]]] = []  # (leader form index, member form indexes)
    for index in range(len(forms)):
        home = None
        if vectors is not None:
            for leader, members in groups:
                if float(np.dot(vectors[index], vectors[leader])) >= threshold:
                    home = members
                    break
        if home is None:
            groups.append((index, [index]))
        else:
            home.append(index)
    result = []
    for leader, members in groups:
        wordings = Counter(text for member in members for text in by_form[forms[member][0]])
        # The wording asked most, written with accents when one is (easier to read and to reuse).
        ranked = sorted(wordings, key=lambda t: (-wordings[t], fold(t) == t.lower(), t))
        example = ranked[0]
        variants = [t for t in ranked[1:] if fold(t) != fold(example)][:3]
        result.append(QuestionGroup(masked(example), sum(wordings.values()), [masked(v) for v in variants]))
    return sorted(result, key=lambda g: (-g.count, g.example))


def meaning_encoder(retriever: Any) -> Callable[[List[str]], np.ndarray]:
    """Texts → unit vectors with the bot's own embedder, accents restored as the retriever does."""
    from vntext.diacritics import needs_restoration

    def encode(texts: List[str]) -> np.ndarray:
        restorer = retriever.index.restorer
        return retriever.embedder.encode_queries([restorer.restore(t) if needs_restoration(t) else t for t in texts])

    return encode


def faq_topics(entries: Iterable[Any]) -> Dict[str, str]:
    """Entry id → topic, from FaqStore entries (or mappings with ``id`` and ``topic``)."""
    topics = {}
    for item in entries:
        data = getattr(item, "data", item)
        topics[str(data.get("id"))] = str(data.get("topic") or "")
    return topics


def band_counts(values: Sequence[float], bands: Sequence[Tuple[float, float, str]]) -> List[Tuple[str, int]]:
    return [(label, sum(1 for v in values if low <= v < high)) for low, high, label in bands]


def median(values: Sequence[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def vn_number(value: float, decimals: int = 0) -> str:
    """1234567.8 → "1.234.568" (Vietnamese grouping and decimal comma)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def vn_percent(share: float) -> str:
    return vn_number(share * 100, 1) + " %"
