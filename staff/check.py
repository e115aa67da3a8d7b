"""Answer check for commune officers: what the bot would answer to a question, and why.

Shows the intent and its confidence from the running Rasa server (``POST /model/parse``;
if Rasa is down it says so and still shows the retrieval), the answer the knowledge
action would give, the FAQ entries and document passages retrieved with their scores
(dense, lexical, fused) and sources, and for every figure in the answer the table
field it came from, with its legal source, effective date and whether it is confirmed.
Nothing is sent through a channel, so checks never appear as conversations.

Command line: ``python -m staff.check "lãi suất hộ nghèo bao nhiêu"``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Set, Tuple

import requests
import yaml

from knowledge.answering import Answer, Answerer
from knowledge.lexical import skip_unused_underthesea_modules
from knowledge.paths import PROJECT_DIR
from knowledge.retriever import Hit, Retriever
from staff.config import StaffConfig
from knowledge.tables import PolicyTables, figure_names, format_date

KNOWLEDGE_ACTION = "action_answer_knowledge"


@dataclass
class IntentResult:
    """Rasa's reading of the question, or why it is unknown."""

    name: Optional[str] = None
    confidence: float = 0.0
    ranking: List[Tuple[str, float]] = field(default_factory=list)
    entities: List[Tuple[str, str]] = field(default_factory=list)
    error: str = ""


@dataclass
class FigureSource:
    """A figure in the answer and the table field, document and date it comes from."""

    placeholder: str
    text: str
    source: str
    effective: str
    confirmed: bool


@dataclass
class CheckReport:
    question: str
    intent: IntentResult
    route: str  # what the bot does with this intent, in Vietnamese
    answer: Answer
    faq_hits: List[Hit]
    passage_hits: List[Hit]
    figures: List[FigureSource]


def knowledge_intents(rules_dir: Path = PROJECT_DIR / "data" / "rules") -> Set[str]:
    """Intents the rules answer with the knowledge action (read from data/rules)."""
    intents: Set[str] = set()
    for path in sorted(rules_dir.glob("*.yml")):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", []):
            steps = rule.get("steps") or []
            for first, second in zip(steps, steps[1:]):
                if "intent" in first and second.get("action") == KNOWLEDGE_ACTION:
                    intents.add(str(first["intent"]))
    return intents


def parse_intent(question: str, rasa_url: str, token: str = "", timeout: float = 5.0) -> IntentResult:
    """Rasa's ``/model/parse`` of the question; an error message when Rasa cannot be reached."""
    try:
        response = requests.post(f"{rasa_url}/model/parse", json={"text": question},
                                 params={"token": token} if token else None, timeout=timeout)
    except requests.RequestException as error:
        return IntentResult(error=f"Không kết nối được máy chủ Rasa ở {rasa_url} ({type(error).__name__}). "
                                  "Bot có thể đang tắt; phần tra cứu bên dưới vẫn đúng với kho kiến thức hiện tại.")
    if response.status_code != 200:
        return IntentResult(error=f"Máy chủ Rasa ở {rasa_url} trả lỗi {response.status_code} "
                                  "(có cần RASA_API_TOKEN không?).")
    data = response.json()
    intent = data.get("intent") or {}
    return IntentResult(
        name=intent.get("name"), confidence=float(intent.get("confidence") or 0.0),
        ranking=[(r.get("name", ""), float(r.get("confidence") or 0.0)) for r in data.get("intent_ranking") or []][:5],
        entities=[(e.get("entity", ""), str(e.get("value", ""))) for e in data.get("entities") or []],
    )


class AnswerChecker:
    """Runs checks against one index and one set of tables."""

    def __init__(self, retriever: Retriever, tables: PolicyTables, config: StaffConfig):
        self.retriever = retriever
        self.tables = tables
        self.answerer = Answerer(retriever, tables)
        self.config = config
        self.knowledge_intents = knowledge_intents()

    def check(self, question: str, intent: Optional[IntentResult] = None) -> CheckReport:
        """The report; ``intent`` when the caller already asked Rasa."""
        self.retriever.refresh()  # the latest saved content, as the action server will have it
        intent = intent or parse_intent(question, self.config.rasa_url, self.config.rasa_token)
        answer = self.answerer.answer(question)
        retrieval = answer.retrieval or (self.retriever.search(question) if self.retriever.available else None)
        return CheckReport(
            question=question, intent=intent, route=self._route(intent), answer=answer,
            faq_hits=retrieval.faq[:5] if retrieval else [], passage_hits=retrieval.passages[:5] if retrieval else [],
            figures=self._figures(answer),
        )

    def _route(self, intent: IntentResult) -> str:
        if intent.error:
            return "Chưa biết ý định (Rasa không trả lời); câu trả lời dưới đây là câu bot sẽ tra cứu được."
        if intent.name in self.knowledge_intents:
            return "Bot tra cứu kho kiến thức và trả lời như bên dưới."
        if intent.name == "ask_eligibility":
            return "Bot mở phần tư vấn điều kiện vay (hỏi diện hộ, mục đích vay), không trả lời thẳng từ kho kiến thức."
        return (f"Với ý định «{intent.name}», bot trả lời theo kịch bản có sẵn, không tra cứu kho kiến thức; "
                "phần tra cứu bên dưới chỉ để tham khảo.")

    def _figures(self, answer: Answer) -> List[FigureSource]:
        if answer.kind != "faq" or not self.retriever.available:
            return []
        entry = self.retriever.index.faq_by_id.get(answer.answer_id or "")
        figures = []
        for group, key in dict.fromkeys(figure_names(entry.answer if entry else "")):
            figure = self.tables.figure(group, key)
            figures.append(FigureSource(f"{{{{{group}.{key}}}}}", figure.text, figure.source,
                                        format_date(figure.effective) if figure.effective else "", figure.confirmed))
        return figures


def format_report(report: CheckReport) -> str:
    """The report as plain text for the command line."""
    lines = [f"Câu hỏi: {report.question}", ""]
    if report.intent.error:
        lines.append(f"Ý định: (không rõ) — {report.intent.error}")
    else:
        lines.append(f"Ý định: {report.intent.name} (độ tin cậy {report.intent.confidence:.2f})")
        lines += [f"  - {name}: {confidence:.2f}" for name, confidence in report.intent.ranking[1:]]
    lines += [report.route, "", f"Bot trả lời ({report.answer.kind}, độ tin cậy {report.answer.confidence:.2f}):",
              report.answer.message()]
    if report.answer.suggestions:
        lines += ["Gợi ý:"] + [f"  - {s}" for s in report.answer.suggestions]
    if report.figures:
        lines += ["", "Số liệu trong câu trả lời:"]
        for figure in report.figures:
            status = "đã xác nhận" if figure.confirmed else "CHƯA xác nhận"
            lines.append(f"  {figure.placeholder} = «{figure.text}» — nguồn: {figure.source or 'không có'}"
                         + (f", áp dụng từ {figure.effective}" if figure.effective else "") + f" ({status})")
    lines += ["", "Mục hỏi đáp tìm được (điểm gộp, điểm ngữ nghĩa, điểm từ khóa):"]
    for hit in report.faq_hits:
        lines.append(f"  {hit.fused:.3f}  {hit.dense:.3f}  {hit.lexical:.3f}  {hit.id}: {hit.faq.question}")
        lines.append(f"         nguồn: {'; '.join(hit.faq.sources)}")
    lines += ["", "Đoạn văn bản tìm được:"]
    for hit in report.passage_hits:
        lines.append(f"  {hit.fused:.3f}  {hit.dense:.3f}  {hit.lexical:.3f}  {hit.passage.citation}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Kiểm tra bot sẽ trả lời một câu hỏi của người dân thế nào.")
    parser.add_argument("question", help="câu hỏi của người dân")
    args = parser.parse_args(argv)
    skip_unused_underthesea_modules()
    config = StaffConfig()
    checker = AnswerChecker(Retriever(index_dir=config.index_dir), PolicyTables.load(config.content_dir), config)
    print(format_report(checker.check(args.question)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
