"""Checks of an FAQ entry before it is saved, with messages staff can act on (in Vietnamese).

Errors block the save: an empty question or answer, no source, too few ways of asking,
an unknown ``{{placeholder}}``, a question another entry already has, and any figure
typed in the answer — answers never type a policy figure, they name the table field,
and when the typed figure contradicts the programme table the message says what the
table says and which placeholder to write instead. Warnings need a confirmation: a
question the bot would already answer with another entry (found with the bot's own
retriever and answer threshold, so "near-duplicate" means exactly "the bot would answer
this with entry X"), and an edit after which the bot would answer the entry's own
question with another entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import numpy as np

from vntext.normalise import fold, nfc
from knowledge.eligibility import programmes_named
from knowledge.lexical import BM25Index, analyze
from knowledge.retriever import Retriever, fuse
from staff.faq_store import StoredEntry
from knowledge.tables import FIGURE_FIELDS, PolicyTables, figure_names, typed_figures

MIN_PARAPHRASES = 3
FIELD_LABELS = {
    "rate": "lãi suất", "cap": "mức vay", "term": "thời hạn vay", "overdue": "lãi suất nợ quá hạn",
    "collateral": "tài sản bảo đảm",
}
# Which programme field a kind of figure belongs to.
KIND_FIELDS = {"rate_year": ("rate",), "rate_month": ("rate",), "percent": ("rate", "overdue"),
               "money": ("cap",), "duration": ("term",), "days": ()}
_FIGURE_RE = re.compile(
    r"(\d+(?:[.,]\d+)*)\s*(%|phần trăm|triệu|tỷ|nghìn|tháng|năm|ngày làm việc)(?:\s*/\s*(năm|tháng))?",
    re.IGNORECASE,
)
_MULTIPLIERS = {"triệu": 1e6, "tỷ": 1e9, "nghìn": 1e3}


@dataclass
class Problem:
    """One thing to fix (``error``) or to confirm (``warning``) before saving."""

    field: str
    message: str
    level: str = "error"


def parse_figures(text: str) -> List[Tuple[str, float]]:
    """Figures in a text as (kind, value in a common unit): "6,6%/năm" → ("rate_year", 6.6)."""
    figures = []
    for number, unit, per in _FIGURE_RE.findall(text):
        value = float(re.sub(r"\.(?=\d{3}(?:\D|$))", "", number).replace(",", "."))
        unit, per = unit.lower(), per.lower()
        if unit in ("%", "phần trăm"):
            figures.append(({"năm": "rate_year", "tháng": "rate_month"}.get(per, "percent"), value))
        elif unit in _MULTIPLIERS:
            figures.append(("money", value * _MULTIPLIERS[unit]))
        elif unit in ("tháng", "năm"):
            figures.append(("duration", value * (12 if unit == "năm" else 1)))
        else:
            figures.append(("days", value))
    return figures


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _key(text: str, keep_accents: bool = False) -> str:
    """How two questions are compared for a duplicate: no case or punctuation, and no accents
    unless ``keep_accents`` (an entry's unaccented paraphrase of its own question is wanted)."""
    return " ".join(re.findall(r"\w+", nfc(text).lower() if keep_accents else fold(text)))


class EntryValidator:
    """Validates entries against the tables, the other entries and the bot's retriever."""

    def __init__(self, tables: PolicyTables, retriever: Optional[Retriever] = None, threshold: float = 0.74):
        self.tables = tables
        self.retriever = retriever
        self.threshold = threshold

    def validate(self, data: Mapping[str, Any], others: Sequence[StoredEntry]) -> List[Problem]:
        """Problems of ``data`` (a normalised entry); ``others`` are the saved entries."""
        problems: List[Problem] = []
        problems += self._required(data)
        problems += self._placeholders(data["answer"])
        problems += self._figures(data)
        if not data.get("retired"):
            problems += self._duplicates(data, others)
            problems += self._near_duplicates(data)
            problems += self._own_question(data)
        return problems

    # -- required fields ------------------------------------------------------------------
    @staticmethod
    def _required(data: Mapping[str, Any]) -> List[Problem]:
        problems = []
        if not data["question"]:
            problems.append(Problem("question", "Chưa có câu hỏi."))
        if not data["answer"]:
            problems.append(Problem("answer", "Câu trả lời đang để trống: bot sẽ không có gì để trả lời."))
        if not data["sources"]:
            problems.append(Problem("sources", "Chưa ghi nguồn. Mỗi câu trả lời phải ghi văn bản làm căn cứ "
                                               "(ví dụ: «Quyết định 750/QĐ-TTg năm 2015, Điều 1 khoản 1»)."))
        if len(data["paraphrases"]) < MIN_PARAPHRASES:
            problems.append(Problem("paraphrases", f"Cần ít nhất {MIN_PARAPHRASES} cách hỏi khác (mỗi dòng một câu), "
                                                   "có cả cách viết không dấu, viết tắt như người dân hay gõ."))
        if not data["topic"]:
            problems.append(Problem("topic", "Chưa chọn chủ đề."))
        return problems

    # -- placeholders and figures -----------------------------------------------------------
    def _placeholders(self, answer: str) -> List[Problem]:
        problems = []
        for group, key in figure_names(answer):
            try:
                self.tables.figure(group, key)
            except KeyError:
                problems.append(Problem("answer", f"Không có số liệu {{{{{group}.{key}}}}} trong bảng "
                                                  "(programmes.yml / facts.yml). Kiểm tra lại tên chương trình và trường."))
        return problems

    def _scope(self, data: Mapping[str, Any]) -> List[str]:
        """Programmes the entry is about: listed, used in its placeholders, or named in its question."""
        named = programmes_named(data["question"])
        used = [group for group, _ in figure_names(data["answer"]) if group != "facts"]
        return [p for p in dict.fromkeys([*data["programmes"], *used, *named]) if p in self.tables.programmes]

    def _table_figures(self, programmes: Iterable[str], fields: Iterable[str]) -> List[Tuple[str, str, List[Tuple[str, float]]]]:
        return [(p, f, parse_figures(self.tables.figure(p, f).text)) for p in programmes for f in fields]

    def _figures(self, data: Mapping[str, Any]) -> List[Problem]:
        scope = self._scope(data)
        problems = []
        for typed in dict.fromkeys(typed_figures(data["answer"])):
            parsed = parse_figures(typed)
            problems.append(Problem("answer", self._figure_message(typed, parsed[0] if parsed else None, scope)))
        return problems

    def _figure_message(self, typed: str, figure: Optional[Tuple[str, float]], scope: List[str]) -> str:
        if figure is not None:
            kind, value = figure
            fields = KIND_FIELDS[kind]
            in_scope = self._table_figures(scope, FIGURE_FIELDS)
            for programme, field, values in in_scope:
                if any(k == kind and _same(v, value) for k, v in values):
                    return self._use_placeholder(typed, programme, field)
            for programme, field, values in in_scope:
                if field in fields and any(k == kind for k, _ in values):
                    return self._contradiction(typed, programme, field)
            for programme, field, values in self._table_figures(self.tables.programmes, FIGURE_FIELDS):
                if any(k == kind and _same(v, value) for k, v in values):
                    return self._use_placeholder(typed, programme, field)
            for key, raw in self.tables.facts.items():
                if any(k == kind and _same(v, value) for k, v in parse_figures(str(raw.get("text", "")))):
                    return self._use_placeholder(typed, "facts", key)
        return (f"Câu trả lời gõ trực tiếp con số «{typed}», mà số này không có trong bảng chương trình hay bảng "
                "số liệu. Số liệu chính sách chỉ được lấy từ bảng (có nguồn, ngày áp dụng): nhờ cán bộ kỹ thuật "
                "thêm số này vào content/facts.yml kèm nguồn, rồi viết {{facts.<tên>}} trong câu trả lời.")

    def _describe(self, group: str, key: str) -> str:
        figure = self.tables.figure(group, key)
        where = figure.citation()
        what = (f"«{key}» trong bảng số liệu" if group == "facts"
                else f"{FIELD_LABELS.get(key, key)} của {self.tables.programmes[group]['name']}")
        return f"{what} là «{figure.text}»" + (f" (theo {where})" if where else "")

    def _use_placeholder(self, typed: str, group: str, key: str) -> str:
        return (f"Câu trả lời gõ trực tiếp con số «{typed}». Bảng ghi {self._describe(group, key)}: hãy viết "
                f"{{{{{group}.{key}}}}} thay cho con số, để bot đọc số từ bảng và tự cập nhật khi bảng thay đổi.")

    def _contradiction(self, typed: str, programme: str, field: str) -> str:
        return (f"Con số «{typed}» mâu thuẫn với bảng chương trình: bảng ghi {self._describe(programme, field)}. "
                f"Đừng gõ con số; hãy viết {{{{{programme}.{field}}}}} để bot đọc đúng số trong bảng.")

    # -- duplicates ----------------------------------------------------------------------------
    @staticmethod
    def _duplicates(data: Mapping[str, Any], others: Sequence[StoredEntry]) -> List[Problem]:
        known: Dict[str, StoredEntry] = {}
        for other in others:
            if other.data["id"] != data["id"] and not other.retired:
                for text in other.entry.questions:
                    known.setdefault(_key(text), other)
        problems: List[Problem] = []
        seen: Set[str] = set()
        for field, text in [("question", data["question"])] + [("paraphrases", p) for p in data["paraphrases"]]:
            key, own_key = _key(text), _key(text, keep_accents=True)
            if not key:
                continue
            if own_key in seen:
                problems.append(Problem(field, f"Câu «{text}» bị lặp lại trong chính mục này."))
            elif key in known:
                other = known[key]
                problems.append(Problem(field, f"Câu «{text}» đã có trong mục {other.data['id']} "
                                               f"(«{other.data['question']}»): mục đó đã trả lời câu này."))
            seen.add(own_key)
        return problems

    def _near_duplicates(self, data: Mapping[str, Any]) -> List[Problem]:
        if self.retriever is None or not self.retriever.available:
            return [Problem("question", "Chưa kiểm tra được câu gần trùng vì chỉ mục tìm kiếm chưa sẵn sàng.",
                            "warning")] if data["question"] else []
        problems: List[Problem] = []
        reported: Set[str] = set()
        for field, text in [("question", data["question"])] + [("paraphrases", p) for p in data["paraphrases"]]:
            hits = self.retriever.search(text, top=1).faq if text else []
            best = hits[0] if hits else None  # the entry the bot would answer this question with
            if best is None or best.id == data["id"] or best.id in reported or best.fused < self.threshold:
                continue
            reported.add(best.id)
            problems.append(Problem(field, (
                f"Câu «{text}» gần trùng với mục {best.id} («{best.faq.question}», độ giống "
                f"{best.fused:.2f}".replace(".", ",") + f"): mục {best.id} đã trả lời câu này. Nên sửa mục đó "
                "(hoặc thêm câu này làm cách hỏi khác của nó) thay vì tạo mục mới; nếu hai câu thật sự khác "
                "nhau, đánh dấu «Tôi đã xem các cảnh báo» rồi lưu lại."), "warning"))
        return problems

    def _own_question(self, data: Mapping[str, Any]) -> List[Problem]:
        """Will the bot still answer this entry's own question with it once saved?

        Many ways of asking make an entry's BM25 text long, which lowers its score for its
        own question, and a near-identical entry can win. The ranking is recomputed as the
        bot would after the rebuild: BM25 over every entry with this one's new text, the
        stored vectors of the others and fresh vectors of this entry's questions.
        """
        if self.retriever is None or not self.retriever.available or not data["question"]:
            return []
        index = self.retriever.index
        retrieval = self.retriever.search(data["question"], top=len(index.faq))
        dense_by_id = {hit.id: hit.dense for hit in retrieval.faq}
        position = next((i for i, e in enumerate(index.faq) if e.id == data["id"]), len(index.faq))
        terms = list(index.faq_terms)
        own_terms = list(analyze(" . ".join([data["question"], *data["paraphrases"], *data["tags"]])))
        terms[position:position + 1] = [own_terms]
        ids = [e.id for e in index.faq][:position] + [data["id"]] + [e.id for e in index.faq][position + 1:]
        query = self.retriever.embedder.encode_query(retrieval.embedded_as)
        own_dense = float(np.max(self.retriever.embedder.encode_queries([data["question"], *data["paraphrases"]]) @ query))
        dense = np.array([own_dense if i == position else dense_by_id.get(entry_id, 0.0)
                          for i, entry_id in enumerate(ids)], dtype=np.float32)
        fusion = self.retriever.settings["fusion"]
        best = fuse("faq", dense, BM25Index(terms), analyze(data["question"]), 1,
                    float(fusion["dense_weight"]), float(fusion["lexical_weight"]))[0]
        winner = ids[int(best.id)]
        if winner == data["id"]:
            return []
        other = index.faq_by_id[winner]
        return [Problem("question", (
            f"Sau khi lưu, bot sẽ trả lời câu hỏi chính «{data['question']}» bằng mục {winner} («{other.question}») "
            "chứ không phải mục này. Thường do mục có quá nhiều cách hỏi (làm điểm từ khóa của câu hỏi chính giảm) "
            "hoặc câu hỏi quá giống mục kia: hãy bớt những cách hỏi không cần thiết, hoặc viết câu hỏi chính rõ hơn."),
            "warning")]
