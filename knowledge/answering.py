"""Turn retrieval results into a sourced answer, or an honest "not sure".

Order of preference: an FAQ entry whose question matches confidently (its answer is
reviewed text, with figures rendered from the tables); else the most relevant document
passage, trimmed to the sentences that answer; else no answer, with where to ask and
the closest questions we do know as suggestions. Every factual answer ends with a
"Nguồn:" line naming the documents and the articles or sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any, Callable, Dict, List, Optional, Tuple

from vntext.replies import EMPTY_REPLY
from vntext.lexicon import load_lexicon
from vntext.normalise import fold, has_diacritics, nfc
from knowledge.black_credit import about_an_informal_loan, lends_money, names_loan_shark, speaks_of_informal_lending
from knowledge.black_credit_points import points_for
from knowledge.corpus import FaqEntry
from knowledge.eligibility import ENTITY_PROGRAMME, LISTED_TIERS, persons_named, programmes_named, tiers_denied
from knowledge.legal_loan_cost import loan_cost
from knowledge.key_figures import key_figures
from knowledge.letter_reader import Matter, own_question_words, own_words_needed, programmes_of, read_letter
from knowledge.lexical import analyze
from knowledge.other_places import other_place
from knowledge.message_parts import MIN_WORDS, AskedPart, asked_parts, question_focus
from knowledge.petitions import is_petition, petition_subject
from knowledge.question_aspects import asked_topics
from knowledge.places import find_place
from knowledge.premises import with_premise_checked
from knowledge.province import load as load_province
from knowledge.retriever import Hit, Retrieval, Retriever
from knowledge.tables import PolicyTables, split_citations, undated
from knowledge.where_to_go import where_to_go_sources, where_to_go_text

SOURCE_PREFIX = "Nguồn: "
CHECK_FIGURES_NOTE = (
    "Số liệu có thể thay đổi theo văn bản mới; anh/chị nên kiểm tra lại tại Điểm giao dịch xã "
    "hoặc với Tổ tiết kiệm và vay vốn."
)
# Figures of the law (civil cap, criminal threshold) change only with a new law: no reason to
# send someone asking about a loan shark to the bank's commune point to check them.
LAW_FIGURES_NOTE = "Số liệu theo văn bản pháp luật hiện hành; có thể thay đổi khi có văn bản mới."
FIGURE_NOTES = (CHECK_FIGURES_NOTE, LAW_FIGURES_NOTE)  # the first one present wins when answers are joined
NOT_THE_BANKS_TOPICS = {"black_credit", "out_of_scope"}
# Answers on these topics, about one programme, end with its cap, rate and term if they did not say them.
KEY_FIGURE_TOPICS = {"eligibility", "limits_terms", "rates", "collateral"}
# On these, only for a programme of its own (going abroad, social housing), not a household tier's
# paperwork ("mất sổ vay vốn" needs no poor-household rate).
KEY_FIGURE_TOPICS_OWN_PROGRAMME = {"documents", "procedure", "where"}
UNSURE_TEXT = (
    "Tôi chưa đủ chắc chắn để trả lời câu này nên không muốn trả lời đoán. "
    "Anh/chị vui lòng hỏi Tổ trưởng Tổ tiết kiệm và vay vốn ở thôn, xóm hoặc cán bộ Ngân hàng "
    "Chính sách xã hội tại Điểm giao dịch xã (ngày giao dịch cố định hằng tháng tại trụ sở UBND xã)."
)
PETITION_RULE_INTRO = "Quy định đang áp dụng về nội dung này: "
# A question of a long message that no answer found covers: said, not dropped.
MISSED_QUESTION = "Câu anh/chị hỏi {questions} tôi chưa đủ chắc chắn để trả lời; anh/chị hỏi thêm {where} giúp tôi."
ASK_THE_BANK = "Tổ trưởng Tổ tiết kiệm và vay vốn hoặc cán bộ tại Điểm giao dịch xã"
ASK_A_LAWYER = "Trung tâm trợ giúp pháp lý nhà nước của tỉnh, thành phố hoặc luật sư"
# "Not sure" about a private lender's or a loan shark's loan: the bank's commune staff are
# not the ones to ask; the legal-aid centre and the police are.
UNSURE_INFORMAL_TEXT = (
    UNSURE_TEXT.split(" Anh/chị vui lòng")[0] + " Với khoản vay ngoài ngân hàng, đòi nợ hay cho vay lãi cao, anh/chị "
    "có thể hỏi Trung tâm trợ giúp pháp lý nhà nước của tỉnh, thành phố hoặc luật sư; nếu bị đe dọa, quấy rối, "
    "báo Công an xã, phường hoặc phản ánh qua ứng dụng VNeID."
)
UNDERSTOOD_AS = "(Tôi hiểu anh/chị hỏi: «{question}». Nếu chưa đúng ý, anh/chị hỏi lại ngắn gọn giúp tôi.)"
SUGGESTION_INTRO = "Có thể anh/chị muốn hỏi một trong các câu dưới đây."
# A letter that asks in words of its own, which the matter its story tells does not answer:
# the matter is offered as a question to tap, not given as the answer.
GUESS_TEXT = (
    "Tôi chưa chắc đã hiểu đúng điều anh/chị hỏi nên không muốn trả lời đoán. Câu gần nhất tôi biết là: "
    "«{question}». Anh/chị bấm vào câu hỏi bên dưới để xem câu trả lời, hoặc hỏi lại ngắn gọn giúp tôi. "
    "Cũng có thể hỏi Tổ trưởng Tổ tiết kiệm và vay vốn ở thôn, xóm hoặc cán bộ Ngân hàng Chính sách xã hội "
    "tại Điểm giao dịch xã."
)
CAPABILITIES = (
    "Tôi có thể giúp về vốn vay ưu đãi của Ngân hàng Chính sách xã hội (ai được vay, lãi suất, "
    "mức vay, thời hạn, thủ tục, giấy tờ, nơi giao dịch, trả nợ) và cách phòng tránh tín dụng đen."
)
OUT_OF_SCOPE_INTRO = (
    "Câu này nằm ngoài phạm vi tôi trả lời. Tôi là trợ lý về vốn vay ưu đãi của Ngân hàng Chính sách "
    "xã hội (ai được vay, lãi suất, mức vay, thủ tục, trả nợ) và cách phòng tránh tín dụng đen. Với câu hỏi "
    "này, anh/chị nên hỏi "
)
OUT_OF_SCOPE_TEXT = OUT_OF_SCOPE_INTRO + "cơ quan, đơn vị phụ trách việc đó, hoặc UBND xã/phường nơi mình ở."


def out_of_scope_text(message: str) -> str:
    """The out-of-scope reply, naming the right place when the subject is a known one."""
    place = other_place(message)
    return f"{OUT_OF_SCOPE_INTRO}{place}." if place else OUT_OF_SCOPE_TEXT
EMPTY_TEXT = EMPTY_REPLY  # one wording: the channels answer an empty message the same way
NOT_VIETNAMESE_TEXT = (
    "Xin lỗi, tôi chỉ hiểu tiếng Việt (có dấu hoặc không dấu). Anh/chị vui lòng hỏi bằng tiếng Việt. "
    "Sorry, I only understand Vietnamese."
)
UNAVAILABLE_TEXT = (
    "Phần tra cứu tài liệu đang tạm thời gián đoạn, tôi chưa trả lời được câu này ngay. "
    "Anh/chị vui lòng thử lại sau ít phút, hoặc hỏi cán bộ tại Điểm giao dịch xã."
)

# Words of the bot's subject: a message with none of them and no FAQ entry near it is out of scope.
# ("tiền" and "trả" alone are not: "tiền điện", "trả lời").
# Folded, "lãi"/"lại", "nợ"/"nó", "mượn"/"muốn" and "góp"/"góp ý" look alike: only the credit sense counts.
_CREDIT_WORDS = re.compile(r"\b(vay|lai suat|tien lai|lai (?:ngay|thang|nam|cao|nang|gop)|(?:tra|dong|chiu|an) lai"
                           r"|tra (?:no|tien|gop|dan|goc)|(?:khat|vo|mac|dang|con|so|doi|tra|bi) no|no (?:xau|nan|qua han|goc)"
                           r"|gop (?:ngay|tien|hang|von)|von|ngan hang|nhcs|chinh sach|tin dung|ngheo|to tk|tiet kiem"
                           r"|the chap|ho so|giai ngan|cho vay|(?:vay|cho) muon|muon (?:tien|no)|app|nang lai"
                           r"|doi no|chu no|tat son)\b")


def about_credit(text: str) -> bool:
    """True when the message speaks of money, loans or the bank at all (even to ask something odd)."""
    return bool(_CREDIT_WORDS.search(fold(text))) or any(
        span.term is not None for span in load_lexicon().segment(text))


# Other institutions' services: a question about them that no FAQ entry answers is out of
# scope (not "not sure"), unless it also speaks of the bank for social policies or a policy loan.
_OTHER_SERVICES = re.compile(
    r"\b(ngan hang thuong mai|agribank|vietcombank|vietinbank|bidv|techcombank|sacombank|vpbank|mb ?bank|acb|tpbank"
    r"|shb|lpbank|hdbank|ocb|gui tiet kiem|so tiet kiem|the tin dung|the atm|tra gop (?:xe|dien thoai|tu lanh)"
    r"|mua (?:xe(?: may)?|o to|dien thoai|tu lanh|ti ?vi|may giat) tra gop|chung khoan|co phieu|vang|bat dong san|so do cho|bao lanh cho"
    r"|bao hiem (?:y te|xa hoi|nhan tho|xe|that nghiep|suc khoe)|(?:mua|dong|goi|the) bao hiem|bhxh|bhyt"
    r"|tro cap (?:that nghiep|thai san|huu tri)|luong huu|che do thai san"
    r"|muon (?:mot |cai |cuon )?so (?:do|hong)|so (?:do|hong) (?:cua \w+ )?(?:de|cho \w+) the chap)\b")
_POLICY_BANK = re.compile(r"\b(chinh sach|nhcs|csxh|to tk|to tiet kiem|ho ngheo|can ngheo|thoat ngheo|sinh vien"
                          r"|tin dung den|vay nong|nang lai|app)\b")


def about_other_services(text: str) -> bool:
    """True when the message is about another institution's service (a commercial bank's
    savings rate, an insurance, a motorbike on instalment) and not about policy credit."""
    folded = fold(text)
    return bool(_OTHER_SERVICES.search(folded)) and not _POLICY_BANK.search(folded) and not names_loan_shark(text)


_LAW_NUMBER = re.compile(r"\b(?:nghi dinh|nd|quyet dinh|qd|thong tu|tt)[\s-]*(?:so\s*)?(\d{1,4})(?=\s*/|\b)")
_COMPARISON_RE = re.compile(r"(co )?(bang|hon|cao hon|thap hon|so voi|khac|giong)\b")
_WHERE_RE = re.compile(r"\b(o dau|cho nao|noi nao|dia chi|lam ho so|nop ho so|giao dich|den dau|di dau)\b")
_FOLLOW_UP_RE = re.compile(r"^(con|the con|vay con|con voi|con doi voi|neu la|voi)\b|\b(thi sao|the nao|thi the nao|sao a|thi sao a)\s*\??$")


def _group_words(text: str) -> List[str]:
    """The household tiers and purposes a text names, as the lexicon writes them."""
    return [span.term.canonical for span in load_lexicon().segment(text)
            if span.term is not None and span.term.value in ENTITY_PROGRAMME]


@dataclass
class Answer:
    """What the bot says, and why (for commune officers)."""

    kind: str  # "faq" | "passage" | "unsure" | "unavailable"
    text: str
    sources: List[str] = field(default_factory=list)
    answer_id: Optional[str] = None
    confidence: float = 0.0
    suggestions: List[str] = field(default_factory=list)
    retrieval: Optional[Retrieval] = None
    reason: str = ""

    @property
    def source_line(self) -> str:
        return SOURCE_PREFIX + "; ".join(self.sources) if self.sources else ""

    def message(self) -> str:
        """The full reply: answer, then its source line on its own paragraph."""
        return f"{self.text}\n\n{self.source_line}" if self.sources else self.text


def _cite_once(citations: List[str]) -> List[str]:
    """Distinct non-empty citations, first occurrence first; a document cited with and
    without the date a figure took effect is cited once, with the date."""
    by_document: Dict[str, str] = {}
    for citation in (c.strip() for c in citations):
        if citation:
            document = undated(citation)
            if by_document.get(document, document) == document:
                by_document[document] = citation
    return list(by_document.values())


def _joined(answers: List["Answer"], before_note: str = "") -> str:
    """Answers' texts in order, ``before_note`` after them, then one figures note (if any had one)."""
    notes = [note for note in FIGURE_NOTES if any(f"\n{note}" in a.text for a in answers)]
    texts = []
    for answer in answers:
        text = answer.text
        for note in FIGURE_NOTES:
            text = text.replace(f"\n{note}", "")
        texts.append(text)
    return "\n".join(part for part in ("\n\n".join(texts), before_note, notes[0] if notes else "") if part)


# The figures by which an entry of another topic still answers an aspect (its placeholders).
_ASPECT_FIGURES = {"rates": (".rate}}", "rate_ratio"), "limits_terms": (".cap}}", ".term}}"), "collateral": (".collateral}}",)}


def with_calculation(answer: Answer, calculation: str, sources: List[str], first: bool) -> Answer:
    """The answer with a loan's worked-out rate in the same reply, before it (a borrower's
    story: the rate is the answer) or after it (a lender's question), and one source line."""
    text = f"{calculation}\n{answer.text}" if first else _before_notes(answer.text, calculation)
    answer.text = text
    answer.sources = _cite_once([*sources, *answer.sources] if first else [*answer.sources, *sources])
    return answer


def _questions_of_their_own(message: str) -> List[AskedPart]:
    """The questions of a long message that ask in words of their own: not "em cảm ơn" nor
    "phải làm sao?", which have nothing of their own to answer."""
    return [part for part in asked_parts(message) if len(own_question_words(part.question)) >= own_words_needed()]


def _before_notes(text: str, block: str) -> str:
    """``text`` with ``block`` on its own line after the answer proper: before the question
    understood, the questions left unanswered and the figures note."""
    starts = (UNDERSTOOD_AS.split("«")[0], MISSED_QUESTION.split("{")[0], *FIGURE_NOTES)
    found = [text.find(f"\n{start}") for start in starts if f"\n{start}" in text]
    cut = min(found) if found else len(text)
    return f"{text[:cut]}\n{block}{text[cut:]}"


def faq_answer(entry: FaqEntry, tables: PolicyTables) -> Answer:
    """An FAQ entry's answer with figures rendered and all sources cited (also the staff preview)."""
    rendered = tables.render(entry.answer)
    text = rendered.text
    if rendered.figures:
        text = f"{text}\n{LAW_FIGURES_NOTE if entry.topic in NOT_THE_BANKS_TOPICS else CHECK_FIGURES_NOTE}"
    # A figure's citation is its source plus the date it took effect: cite each document
    # once, also when the figure's source names several ("A; B").
    figure_sources = {part.strip() for figure in rendered.figures for part in split_citations(figure.source)}
    entry_sources = [part for source in entry.sources for part in split_citations(source)]
    sources = _cite_once([s for s in entry_sources if s.strip() not in figure_sources]
                      + [part for figure in rendered.figures for part in split_citations(figure.citation())])
    return Answer("faq", text, sources, answer_id=entry.id, reason="FAQ")


class Answerer:
    """Chooses and composes answers from the retriever and the policy tables."""

    def __init__(self, retriever: Retriever, tables: PolicyTables, settings: Optional[Dict[str, Any]] = None):
        self.retriever = retriever
        self.tables = tables
        self.thresholds = (settings or retriever.settings)["answering"]

    def answer(self, question: str, previous_answer_id: Optional[str] = None,
               follow_up: bool = False) -> Answer:
        """Answer a question; ``follow_up`` says NLU read it as "còn … thì sao?". An answer
        about one programme ends with that programme's key figures it did not give."""
        answer = self._answer(question, previous_answer_id, follow_up)
        self._add_black_credit_points(answer, question)
        entry = self.retriever.index.faq_by_id.get(answer.answer_id or "") if self.retriever.available else None
        if answer.kind == "faq" and entry is not None:
            programme = self._programme_of(entry, question)
            own = programme is not None and programme not in LISTED_TIERS
            if programme is not None and (entry.topic in KEY_FIGURE_TOPICS
                                          or own and entry.topic in KEY_FIGURE_TOPICS_OWN_PROGRAMME):
                self._add_key_figures(answer, programme)
        if answer.kind == "faq" and entry is not None and entry.topic != "black_credit":
            checked = with_premise_checked(question, answer.text, self.tables, entry.topic)
            if checked is not None:
                answer.text = checked
                answer.reason = f"{answer.reason}; a figure heard is not the one in force"
        return answer

    def _add_black_credit_points(self, answer: Answer, message: str) -> None:
        """After an answer to a borrower's story about a loan shark: what else such a
        borrower should know (knowledge/black_credit_points.py), before the figures note."""
        entry = self.retriever.index.faq_by_id.get(answer.answer_id or "") if self.retriever.available else None
        if answer.kind != "faq" or entry is None or entry.topic != "black_credit" \
                or "Những điều anh/chị nên biết" in answer.text \
                or not about_an_informal_loan(message) or lends_money(message):
            return
        points = points_for(self.tables, message, answer.text, entry.id)
        if points is None:
            return
        answer.text = _before_notes(answer.text, points.text)
        answer.sources = _cite_once([*answer.sources, *points.sources])
        answer.reason = f"{answer.reason}; black-credit points: {', '.join(points.names)}"

    @staticmethod
    def _programme_of(entry: FaqEntry, message: str) -> Optional[str]:
        """The one programme an answer is about: its entry's only one, or the one of its
        programmes the message names; None when the message also names another programme
        of its own ("đang vay hộ nghèo, muốn vay thêm nước sạch": not the poor-household figures)."""
        named = programmes_of(message)
        if not entry.programmes:  # an answer for every programme ("bị cắt khoản vay"): the one named, if one
            own = [p for p in named if p not in LISTED_TIERS]
            return own[0] if len(own) == 1 else None
        if any(p not in entry.programmes and p not in LISTED_TIERS for p in named):
            return None
        if len(entry.programmes) == 1:
            return entry.programmes[0]
        inside = {p for p in named if p in entry.programmes}
        return inside.pop() if len(inside) == 1 else None

    def _add_key_figures(self, answer: Answer, programme: str) -> None:
        """Insert the key-figures line after the answer's own text (before the question
        understood and the figures note), and cite its figures."""
        found = key_figures(self.tables, programme, answer.text)
        if found is None:
            return
        line, figures = found
        text = _before_notes(answer.text, line)
        if not any(f"\n{note}" in text for note in FIGURE_NOTES):
            text = f"{text}\n{CHECK_FIGURES_NOTE}"
        answer.text = text
        answer.sources = _cite_once([*answer.sources, *(part for f in figures for part in split_citations(f.citation()))])
        answer.reason = f"{answer.reason}; key figures of {programme}"

    def _answer(self, question: str, previous_answer_id: Optional[str], follow_up: bool) -> Answer:
        question = nfc(question).strip()
        letters = [ch for ch in question if ch.isalpha()]
        if not letters:
            return Answer("unsure", EMPTY_TEXT, reason="no words in the message")
        if sum(1 for ch in letters if ch.isascii() or has_diacritics(ch) or ch in "đĐ") < len(letters) / 2:
            return Answer("unsure", NOT_VIETNAMESE_TEXT, reason="not written in Latin script")
        if not self.retriever.available:
            return Answer("unavailable", UNAVAILABLE_TEXT, reason="index missing")
        petition = is_petition(question)  # read on the whole message: "Bạn đọc … phản ánh:" frames one
        question = question_focus(question)  # a reader's column frame ("Bà … (xã …) hỏi:") is no question
        switched = self._follow_up(question, previous_answer_id, follow_up)
        if switched is not None:
            return switched
        direct = self._computed(question)
        if direct is not None:
            return direct
        proposal = self._petition(question) if petition and about_credit(question) else None
        if proposal is not None:
            return proposal
        retrieval = self.retriever.search(question)
        parts_found = cache(partial(self._parts_found, question))  # a long message's questions, searched once
        several = self._each_question(question, parts_found)
        if several is not None:
            several.retrieval = retrieval
            return several
        best_faq = self._of_the_named_group(question, retrieval)
        if best_faq is not None and self._confident(best_faq, "faq"):
            best_faq = self._of_the_asked_aspect(question, retrieval, best_faq)
            answer = self.from_faq(best_faq.faq)
            answer.confidence, answer.retrieval = self._confidence(best_faq), retrieval
            answer.reason = self._why(best_faq)
            return answer
        agreed = self._aspect_and_programme_agree(question, retrieval)
        if agreed is not None:
            answer = self.from_faq(agreed.faq)
            answer.confidence, answer.retrieval = self._confidence(agreed), retrieval
            answer.reason = f"aspect and programme asked agree with a near entry: {self._why(agreed)}"
            return answer
        by_parts = self._by_parts(question, parts_found())
        if by_parts is not None:
            by_parts.retrieval = retrieval
            return by_parts
        best_passage = retrieval.passages[0] if retrieval.passages else None
        if best_passage is not None and self._confident(best_passage, "passage"):
            answer = self._from_passage(best_passage, question)
            answer.retrieval = retrieval
            return answer
        nearest = self._clear_parts(question) or self._clear_nearest(question, retrieval) or self._read_letter(question)
        if nearest is not None:
            nearest.retrieval = retrieval
            if nearest.kind != "unsure":
                return nearest
        suggestions = [hit.faq.question for hit in retrieval.faq[:3]
                       if hit.faq is not None and self._confident(hit, "suggest")]
        if nearest is not None:  # the letter's guessed matter, offered first
            nearest.suggestions = list(dict.fromkeys([*nearest.suggestions, *suggestions]))[:3]
            return nearest
        if not about_credit(question) or about_other_services(question):  # suggestions would not help
            return Answer("unsure", out_of_scope_text(question), retrieval=retrieval,
                          reason="out of scope: no word about policy loans or the bank, or about another "
                                 "institution's service; no FAQ entry sure enough")
        unsure = UNSURE_INFORMAL_TEXT if about_an_informal_loan(question) or names_loan_shark(question) else UNSURE_TEXT
        text = f"{unsure}\n{SUGGESTION_INTRO if suggestions else CAPABILITIES}"
        return Answer("unsure", text, suggestions=suggestions, retrieval=retrieval,
                      confidence=self._confidence(best_faq) if best_faq else 0.0,
                      reason="no FAQ entry or passage above the confidence thresholds")

    def _of_the_named_group(self, question: str, retrieval: Retrieval, level: str = "faq") -> Optional[Hit]:
        """The best FAQ hit, unless it is about another group than the one the citizen named
        ("hộ nghèo vay lãi bao nhiêu 1 tháng" must not get the near-poor rate because a
        near-poor paraphrase shares "1 tháng"): then the best confident hit about that group.
        A kind of person named ("vừa ra tù") comes before a purpose named ("học nghề")."""
        best = retrieval.faq[0] if retrieval.faq else None
        persons = set(persons_named(question))
        if best is not None and persons:  # the person's own programme before the purpose named
            for hit in retrieval.faq:
                if persons & set(hit.faq.programmes) and (hit is best or self._confident(hit, "suggest")):
                    return hit
        denied = set(tiers_denied(question))
        if best is not None and denied and best.faq.programmes and set(best.faq.programmes) <= denied:
            # "không phải hộ nghèo, cũng không phải cận nghèo": not an answer about those tiers.
            return next((hit for hit in retrieval.faq[1:] if not (hit.faq.programmes and set(hit.faq.programmes) <= denied)
                         and self._confident(hit, level)), best)
        named = set(programmes_named(question))
        if best is None or not named or not best.faq.programmes or named & set(best.faq.programmes):
            return best
        for hit in retrieval.faq[1:]:
            if named & set(hit.faq.programmes) and self._confident(hit, level):
                return hit
        return best

    def _of_the_asked_aspect(self, question: str, retrieval: Retrieval, best: Hit) -> Hit:
        """The best hit, unless it answers another aspect than the one asked ("vay tới bao
        nhiêu?" near the rate entry): then the first entry of its nearest on the asked aspect
        (knowledge/question_aspects.py), about the same programme, at the suggestion level and
        within ``aspect_margin`` of the best."""
        asked = " ".join(part.question for part in asked_parts(question, min_words=0)) or question
        topics = asked_topics(asked)
        if not topics or best.faq.topic in topics or not best.faq.programmes:
            return best  # an entry about no programme (the civil cap, a loan shark) is no other aspect of one
        if persons_named(question) and any(figure in best.faq.answer for topic in topics
                                           for figure in _ASPECT_FIGURES.get(topic, ())):
            return best  # "Có, người khuyết tật được vay với lãi {{ho_ngheo.rate}}": that person's own rate
        margin = float(self.thresholds.get("aspect_margin", 0.05))
        for hit in retrieval.faq[1:int(self.thresholds.get("aspect_top", 5))]:
            same_programme = bool(set(hit.faq.programmes) & set(best.faq.programmes))
            if hit.faq.topic in topics and same_programme and self._confident(hit, "suggest") \
                    and best.fused - hit.fused <= margin:
                return hit
        return best

    def _aspect_and_programme_agree(self, question: str, retrieval: Retrieval) -> Optional[Hit]:
        """A short question no entry matches confidently, whose near entry (from ``aspect_agree``)
        is on the aspect it asks (knowledge/question_aspects.py) and about the programme it names:
        two readings independent of the wording agree ("cận nghèo vay thì lãi răng?")."""
        if len(question.split()) >= int(self.thresholds.get("long_message_words", 15)):
            return None
        topics = asked_topics(question)
        named = set(programmes_named(question)) | set(persons_named(question))
        if not topics or not named:
            return None
        floor = float(self.thresholds.get("aspect_agree", 1.0))
        return next((hit for hit in retrieval.faq[:int(self.thresholds.get("aspect_top", 5))]
                     if hit.fused >= floor and hit.faq.topic in topics and named & set(hit.faq.programmes)), None)

    def _petition(self, message: str) -> Optional[Answer]:
        """A proposal about the policy: the rule in force on its subject (when an FAQ entry
        answers it), then who decides such a change and where a proposal goes."""
        entry = self.retriever.index.faq_by_id.get(self.thresholds["petition_answer_id"])
        if entry is None:  # removed by the staff: the petition is searched like any question
            return None
        channel = self.from_faq(entry)
        retrieval = self.retriever.search(petition_subject(message))
        retrieval.faq = [hit for hit in retrieval.faq if hit.faq.id != channel.answer_id]
        subject = self._of_the_named_group(message, retrieval, "petition_subject")
        parts = [channel]
        reason = "petition: no FAQ entry near its subject"
        # What it proposes to change ("nâng mức cho vay", "thủ tục rườm rà", "mở rộng đối
        # tượng") names the rule to quote before the nearest entry does.
        rules, why, _ = self._letter_entries(message, overview=False)
        near = subject is not None and subject.faq.topic != "out_of_scope" and self._confident(subject, "petition_subject")
        if not rules and not near:
            rules, why, _ = self._letter_entries(message)  # the named programme's conditions, at least
        if rules:
            parts[:0] = [self.from_faq(rule) for rule in rules[:1]]
            reason = f"petition: {why}"
        elif near:
            parts.insert(0, self.from_faq(subject.faq))
            reason = f"petition about {self._why(subject)}"
        prefix = PETITION_RULE_INTRO if len(parts) > 1 else ""
        return Answer("faq", prefix + _joined(parts), _cite_once([s for part in parts for s in part.sources]),
                      answer_id=parts[0].answer_id, confidence=self._confidence(subject) if subject else 0.0,
                      retrieval=retrieval, reason=reason)

    def _clear_nearest(self, message: str, retrieval: Retrieval) -> Optional[Answer]:
        """A long message whose nearest FAQ entry stands clearly above the others.

        A story of forty words embeds as the story: its cosine to the one FAQ question it
        asks stays below the threshold calibrated on short questions, although that entry
        leads the others by a clear margin. Such a message gets that entry's answer, with
        the question it answers named at the end, so the citizen sees what was understood.
        """
        settings = self.thresholds
        words = len(message.split())
        hits = retrieval.faq
        if words < int(settings.get("long_message_words", 15)) or len(hits) < 2:
            return None
        best = self._of_the_named_group(message, retrieval)
        runner_up = max((h.fused for h in hits if h.faq.id != best.faq.id), default=0.0)
        if best.fused < float(settings["faq_long"]) or best.fused - runner_up < float(settings["faq_margin"]):
            return None
        why = f"long message, nearest entry clearly ahead (margin {best.fused - runner_up:.3f}): {self._why(best)}"
        if not self._question_agrees(message, [best.faq.id]):
            return self._guess([best.faq], why)
        answer = self.from_faq(best.faq)
        understood = UNDERSTOOD_AS.format(question=best.faq.question)
        answer.text = _joined([answer], before_note=understood)
        answer.confidence, answer.retrieval = self._confidence(best), retrieval
        answer.reason = why
        return answer

    def _clear_parts(self, message: str) -> Optional[Answer]:
        """The questions of a long message, asked in words of their own, whose nearest entry
        (searched with the words before them) stands clearly above the others at the level of a
        long message (``faq_long``, ``faq_margin``): what is asked before what the story matches."""
        settings = self.thresholds
        found: List[Hit] = []
        own = [p for p in programmes_of(message) if p not in LISTED_TIERS]
        for part in _questions_of_their_own(message):
            hits = self.retriever.search(part.with_context).faq
            if len(hits) < 2 or any(hit.faq.id == hits[0].faq.id for hit in found):
                continue
            if hits[0].fused >= float(settings["faq_long"]) and hits[0].fused - hits[1].fused >= float(settings["faq_margin"]):
                found.append(self._of_own_programme(part.with_context, hits[0], own))
        if not found:
            return None
        return self._combined(found, "questions of a long message, each clearly nearest one entry",
                              self._missed_questions(message, found), understood=True)

    def _of_own_programme(self, question: str, hit: Hit, own: List[str]) -> Hit:
        """The hit, unless the letter is about a programme of its own (``own``: social housing,
        a line of Nghị định 28, the student loan…) and the hit is about others: an entry listing
        several programmes but not it ("lãi vay nhà ở xã hội đã giảm, khoản vay cũ có được giảm
        không?" is not the household loans' rate cut), or one about household tiers only ("không
        có sổ đỏ có vay được không?" after "vay làm nhà theo Nghị định 28"). Then that programme's
        entry, of the same topic when its question finds one. An entry about one programme of
        its own (the STEM loan for "gói STEM 4,8%") stays."""
        programmes = set(hit.faq.programmes)
        if not own or not programmes or programmes & set(own):
            return hit
        tiers_only = programmes <= set(LISTED_TIERS) and hit.faq.topic in KEY_FIGURE_TOPICS | KEY_FIGURE_TOPICS_OWN_PROGRAMME
        several = len(programmes) >= 2 and hit.faq.topic in KEY_FIGURE_TOPICS  # figures differ by programme
        if not (tiers_only or several):  # an extension, a procedure for several programmes: the same for its own
            return hit
        name = str((self.tables.programmes.get(own[0]) or {}).get("short_name") or "")
        theirs = [h for h in self.retriever.search(f"{name} {question}", top=10).faq if own[0] in h.faq.programmes]
        same_topic = [h for h in theirs if h.faq.topic == hit.faq.topic]
        return (same_topic or (theirs if tiers_only else []) or [hit])[0]

    def _question_agrees(self, message: str, entry_ids: List[str]) -> bool:
        """False when the message asks in words of its own (letter_reader.own_question_words)
        and none of its question sentences, searched alone, finds one of these entries among
        its nearest: the whole story chose them, not what is asked."""
        if len(own_question_words(message)) < own_words_needed():
            return True
        top = int(self.thresholds.get("question_agrees_top", 2))
        return any(hit.faq.id in entry_ids for part in asked_parts(message, min_words=0)
                   for hit in self.retriever.search(part.with_context, top=top).faq)

    @staticmethod
    def _guess(entries: List[FaqEntry], why: str) -> Answer:
        """The entries offered as questions to tap, not given as the answer."""
        return Answer("unsure", GUESS_TEXT.format(question=entries[0].question),
                      suggestions=[entry.question for entry in entries], answer_id=entries[0].id,
                      reason=f"{why}; offered as a guess: the message asks in words of its own, which "
                             f"searched alone do not find it")

    def _read_letter(self, message: str) -> Optional[Answer]:
        """A long letter no entry is near: the entries of the matters it raises, for the
        programme it concerns (knowledge/letter_reader.py); the question understood is
        named at the end. None when the letter raises no known matter."""
        if len(message.split()) < int(self.thresholds.get("long_message_words", 15)):
            return None
        found, why, told_only = self._letter_entries(message)
        if not found:
            return None
        if told_only and not self._question_agrees(message, [entry.id for entry in found]):
            return self._guess(found, why)
        answers = [self.from_faq(entry) for entry in found]
        understood = UNDERSTOOD_AS.format(question=found[0].question)
        return Answer("faq", _joined(answers, before_note=understood),
                      _cite_once([source for a in answers for source in a.sources]),
                      answer_id=found[0].id, confidence=0.0, reason=why)

    def _letter_entries(self, message: str, overview: bool = True) -> Tuple[List[FaqEntry], str, bool]:
        """The entries answering the matters a message raises, why (for the officers), and
        whether they are a guess (the letter asks in words of its own that raise none of
        them); ``overview``: a named programme's conditions when it raises nothing known."""
        if about_other_services(message):
            return [], "", False  # a relative's bank loan on one's land title is not ours
        reading = read_letter(message, "black_credit" if about_an_informal_loan(message) else "policy", overview)
        found: List[FaqEntry] = []
        folded = fold(message)
        questions = [part.question for part in asked_parts(message, min_words=0)]
        for matter in reading.matters:
            if matter.domain == "fallback" and self._cites_other_law(message, reading.programmes[0]):
                continue  # "vay theo Nghị định 28 được không?" is not about the job-creation loan the words suggest
            # A matter asked is searched in the citizen's own question ("đang còn nợ thì có được
            # vay thêm không?"), not the matter's general one ("ai được vay?").
            asked = next((q for q in questions if matter.raised_in(fold(q), folded) >= 0), "")
            entry = self._entry_for(matter, reading.programmes, exclude={e.id for e in found}, asked=asked)
            if entry is not None:
                found.append(entry)
        why = (f"letter read as {', '.join(m.name for m in reading.matters)} about "
               f"{', '.join(reading.programmes) or 'no named programme'}: " + ", ".join(e.id for e in found))
        return found, why, reading.asks_other

    def _cites_other_law(self, message: str, programme: str) -> bool:
        """True when the message cites a decree or decision by number that is not among the
        programme's legal bases (then the programme was guessed from other words)."""
        cited = set(_LAW_NUMBER.findall(fold(message)))
        bases = " ".join(str(b.get("document") or "") for b in (self.tables.programmes.get(programme) or {}).get("legal_basis") or [])
        return bool(cited) and not cited & set(re.findall(r"(\d{1,4})/\d{4}", bases))

    def _entry_for(self, matter: Matter, programmes: List[str], exclude: set, asked: str = "") -> Optional[FaqEntry]:
        """The entry answering a matter for the programmes named: the first entry of its
        topics about a named programme that its short question finds; else from its listed
        entries, the first about a named programme, else the general last one. A letter
        listing three programmes or more ("hộ nghèo, cận nghèo, học sinh sinh viên…") is
        about none of them in particular."""
        programmes = programmes if len(programmes) < 3 else []
        for programme in programmes if matter.topics else []:
            name = str((self.tables.programmes.get(programme) or {}).get("short_name") or "")
            for hit in self.retriever.search(f"{asked or matter.query} {name}", top=10).faq:
                if hit.faq.topic in matter.topics and programme in hit.faq.programmes and hit.faq.id not in exclude:
                    return hit.faq
        by_id = self.retriever.index.faq_by_id
        listed = [by_id[i] for i in matter.entries if i in by_id and i not in exclude]
        return next((e for e in listed if set(programmes) & set(e.programmes)), listed[-1] if listed else None)

    def _each_question(self, message: str, parts_found: Callable[[], List[Hit]]) -> Optional[Answer]:
        """A message asking two things ("hộ nghèo vay tối đa bao nhiêu, bao lâu phải trả?"):
        each clause of a short one searched alone, kept to the group the message names; each
        question of a long one with the words before it. None unless two different entries
        answer with confidence."""
        parts = asked_parts(message, min_words=0)
        if len(parts) < 2:
            return None
        if len(message.split()) >= MIN_WORDS:  # a story: each question with the words before it
            found = parts_found()
            return self._combined(found, "questions of a long message", self._missed_questions(message, found)) \
                if len(found) >= 2 else None
        named = set(programmes_named(message))
        found: List[Hit] = []
        for part in parts:
            # "bao lâu phải trả?" is about the group the message named in its first clause:
            # searched with that group, and kept only if the clause alone finds the same
            # entry among its nearest (its own words decide what is asked).
            if _COMPARISON_RE.match(fold(part.question)):
                continue  # "…, có bằng hộ cận nghèo không?" compares; it asks nothing new
            missing = [] if _group_words(part.question) else _group_words(message)
            alone_hits = self.retriever.search(part.question, top=30).faq
            alone = {h.faq.id for h in alone_hits}
            grouped = (self.retriever.search(" ".join([*missing, part.question]), top=10).faq if missing
                       else alone_hits[:10])  # the same query: its first ten (``top`` only truncates)
            hit = next((h for h in grouped
                        if h.faq.id in alone and h.faq.topic != "out_of_scope" and all(f.faq.id != h.faq.id for f in found)
                        and self._confident(h, "faq")
                        and (not named or not h.faq.programmes or named & set(h.faq.programmes))), None)
            if hit is not None:
                found.append(hit)
        return self._combined(found, "questions of one message") if len(found) >= 2 else None

    def _combined(self, found: List[Hit], what: str, missed: Optional[List[str]] = None,
                  understood: bool = False) -> Answer:
        """Several FAQ answers in order, one figures note at the end, each source once; the
        questions of the message none of them answers (``missed``) are named, not dropped, and
        with ``understood`` the question the first answer was understood as."""
        answers = [self.from_faq(hit.faq) for hit in found]
        private = all(hit.faq.topic in NOT_THE_BANKS_TOPICS for hit in found)  # a private loan's questions
        missed_note = MISSED_QUESTION.format(questions=" và ".join(f"«{q}?»" for q in missed),
                                             where=ASK_A_LAWYER if private else ASK_THE_BANK) if missed else ""
        understood_note = UNDERSTOOD_AS.format(question=found[0].faq.question) if understood else ""
        notes = "\n".join(note for note in (understood_note, missed_note) if note)
        return Answer("faq", _joined(answers, before_note=notes),
                      _cite_once([source for a in answers for source in a.sources]),
                      answer_id=answers[0].answer_id, confidence=min(self._confidence(h) for h in found),
                      reason=f"{what}: " + "; ".join(self._why(h) for h in found))

    def _by_parts(self, message: str, found: List[Hit]) -> Optional[Answer]:
        """A long message answered question by question, in order, each searched with the
        words before it (the whole story embeds as the story, not as the question)."""
        return self._combined(found, "questions of a long message", self._missed_questions(message, found)) \
            if found else None

    def _missed_questions(self, message: str, found: List[Hit]) -> List[str]:
        """The questions of a long message, asked in words of their own, whose nearest entry
        is none of the answers found and is not confident: said to be unanswered."""
        answered = {hit.faq.id for hit in found}
        missed = []
        for part in _questions_of_their_own(message):
            hits = self.retriever.search(part.with_context).faq
            if hits and hits[0].faq.id not in answered and not self._confident(hits[0], "faq"):
                missed.append(part.question.strip().rstrip("?").strip())
        return missed

    def _parts_found(self, message: str) -> List[Hit]:
        """The confident FAQ hit of each question of a long message, searched with its context.
        A kind of person the message names ("cháu tôi đang thi hành án, khi ra tù muốn học
        nghề") chooses among the answers: that person's programme before the purpose's."""
        persons = persons_named(message)
        names = [str((self.tables.programmes.get(p) or {}).get("short_name") or "") for p in persons]
        # A programme of its own named ("con đi làm việc ở Đài Loan"): the papers, the signer or
        # the place of the household tiers' loans ("khoản vay hộ nghèo do chủ hộ đứng tên") are not its own.
        own_programmes = [p for p in programmes_of(message) if p not in LISTED_TIERS and p not in persons]
        found: List[Hit] = []
        for part in asked_parts(message):
            hits = self.retriever.search(part.with_context).faq
            if hits:
                hits[:1] = [self._of_own_programme(part.with_context, hits[0], own_programmes)]
            if persons:
                own = [h for h in self.retriever.search(" ".join([*names, part.question]), top=10).faq
                       if set(persons) & set(h.faq.programmes) and self._confident(h, "suggest")]
                # Only an answer about another programme of its own (the student loan for "ra tù học
                # nghề") gives way; one about the household ("ai đứng tên vay") stays.
                other_programme = bool(hits) and bool(hits[0].faq.programmes) and not (
                    set(persons) | set(LISTED_TIERS)) & set(hits[0].faq.programmes)
                hits = own[:1] + hits if own and other_programme else hits
            if hits and self._confident(hits[0], "faq" if not persons else "suggest") \
                    and all(h.faq.id != hits[0].faq.id for h in found):
                found.append(hits[0])
        return found

    def _computed(self, question: str) -> Optional[Answer]:
        """Answers worked out rather than retrieved: where to apply in a named commune (old or
        current name, after the 2025 merger), and what a legal loan costs at today's rate."""
        if _WHERE_RE.search(fold(question)):
            place = find_place(question)
            if place is not None:
                local = load_province()
                return Answer("faq", where_to_go_text(place, local), where_to_go_sources(local),
                              answer_id="where-to-go-commune", confidence=1.0,
                              reason=f"where to go: {place.old_name} → {', '.join(place.current_names)}")
        cost = loan_cost(question, self.tables)
        if cost is not None:
            sources = _cite_once([part for figure in cost.figures for part in split_citations(figure.citation())])
            return Answer("faq", f"{cost.text}\n{CHECK_FIGURES_NOTE}", sources, answer_id="legal-loan-cost",
                          confidence=1.0, reason="cost of a legal loan at the rate in force today")
        return None

    def answer_victim(self, message: str) -> Answer:
        """Someone caught in black credit always gets the safety advice, never "not sure";
        after a story, what else such a borrower should know."""
        answer = self._answer_victim(message)
        self._add_black_credit_points(answer, message)
        return answer

    def _answer_victim(self, message: str) -> Answer:
        answer = self.answer(message)
        entry = self.retriever.index.faq_by_id.get(answer.answer_id or "")
        if entry is not None and entry.topic == "black_credit" and answer.kind != "unsure":
            return answer
        letter = self._read_letter(message)
        guess = letter if letter is not None and letter.kind == "unsure" else None
        letter = None if guess is not None else letter  # a guess is offered below the safety advice
        if letter is not None and (about_an_informal_loan(message)
                                   or self.retriever.index.faq_by_id[letter.answer_id].topic == "black_credit"):
            return letter  # what the story raises (a relative's debt, interest paid, threats, a loan shark to repay the bank)
        if not speaks_of_informal_lending(message) or (answer.kind == "faq" and not about_an_informal_loan(message)):
            # Read as a victim's message but about no loan shark (a middleman kept part of a
            # policy loan, a student loan was cut): its own answer, even "not sure", since the
            # loan-shark advice would answer another question.
            answer.reason = f"read as a victim's message, but it speaks of no informal lending: {answer.reason}"
            return answer
        fallback = self.from_faq(self.retriever.index.faq_by_id[self.thresholds["victim_answer_id"]])
        fallback.reason = f"black-credit victim: standard advice (retrieval gave {answer.kind} {answer.answer_id})"
        if guess is not None:
            fallback.suggestions, fallback.reason = guess.suggestions, f"{fallback.reason}; {guess.reason}"
        return fallback

    def from_faq(self, entry: FaqEntry) -> Answer:
        """An FAQ entry's answer with figures rendered and all sources cited."""
        return faq_answer(entry, self.tables)

    # -- confidence -------------------------------------------------------------------
    @staticmethod
    def _confidence(hit: Hit) -> float:
        return hit.fused

    def _confident(self, hit: Hit, level: str) -> bool:
        return hit.fused >= float(self.thresholds[level])

    @staticmethod
    def _why(hit: Hit) -> str:
        return (f"{hit.kind} {hit.id}: fused {hit.fused:.3f} = cosine {hit.dense:.3f} "
                f"and BM25 {hit.lexical:.2f} of its maximum")

    # -- passages -----------------------------------------------------------------------
    def _from_passage(self, hit: Hit, question: str) -> Answer:
        passage = hit.passage
        text = trim_to_answer(passage.text, question, self.thresholds.get("passage_sentences", 3))
        if passage.summary_of_original:
            text = f"Theo tóm tắt văn bản {passage.citation}: {text}"
        # A document whose figures are partly history says so with every passage quoted from it.
        if passage.history_note:
            text = f"{text}\nLưu ý: {passage.history_note}"
        return Answer("passage", text, [passage.citation], answer_id=passage.id,
                      confidence=self._confidence(hit), reason=self._why(hit))

    # -- follow-ups ---------------------------------------------------------------------
    def _follow_up(self, question: str, previous_answer_id: Optional[str], flagged: bool) -> Optional[Answer]:
        """ "còn hộ cận nghèo thì sao?" after an FAQ answer → same topic, new group."""
        if not previous_answer_id or len(question.split()) > 12:
            return None
        index = self.retriever.index
        previous = index.faq_by_id.get(previous_answer_id)
        if previous is None:
            return None
        if not (flagged or _FOLLOW_UP_RE.search(fold(question))):
            # "vay tối đa bao nhiêu?" right after the near-poor rate keeps its subject too.
            return self._same_subject(question, previous) if len(question.split()) <= 8 else None
        programmes = programmes_named(question)
        for programme in programmes:
            if programme in previous.programmes:
                continue
            for entry in index.faq:
                if entry.topic == previous.topic and programme in entry.programmes and len(entry.programmes) <= 2:
                    return self._switched(entry, previous, f"programme {programme}")
        # No known group named: first the same subject with the new question ("vay tối đa
        # bao nhiêu?" after the near-poor rate is the near-poor cap), then the previous
        # question together with this one, kept only if it stays on the same topic.
        kept = self._same_subject(question, previous)
        if kept is not None:
            return kept
        retrieval = self.retriever.search(f"{previous.question} {question}", top=3)
        for hit in retrieval.faq:
            if hit.faq.id != previous.id and hit.faq.topic == previous.topic and self._confident(hit, "suggest"):
                return self._switched(hit.faq, previous, f"combined search, fused {hit.fused:.3f}")
        return None

    def _same_subject(self, question: str, previous: FaqEntry) -> Optional[Answer]:
        """A short question naming no group, after an answer about one programme: the new
        question about that programme, if the knowledge base answers it with confidence.
        After a black-credit answer, the subject is the loan shark's loan ("vậy tôi có phải
        trả 7 triệu không" is about that loan, not a policy loan)."""
        if previous.topic == "black_credit" and not programmes_named(question):
            for hit in self.retriever.search(question, top=10).faq:
                if hit.faq.topic == "black_credit" and self._confident(hit, "suggest"):
                    return self._switched(hit.faq, previous, f"same subject (black credit), fused {hit.fused:.3f}")
            return None
        if len(previous.programmes) != 1 or programmes_named(question):
            return None
        programme = previous.programmes[0]
        name = (self.tables.programmes.get(programme) or {}).get("short_name")
        if not name:
            return None
        # The question alone decides what is asked; the programme only chooses among its answers.
        alone = self.retriever.search(question, top=10).faq
        for hit in alone:
            if programme in hit.faq.programmes and self._confident(hit, "suggest"):
                return self._switched(hit.faq, previous, f"same subject ({programme}), fused {hit.fused:.3f}")
        asked = alone[0].faq.topic if alone else None
        for hit in self.retriever.search(f"{question} {name}", top=3).faq:
            if programme in hit.faq.programmes and hit.faq.topic == asked and self._confident(hit, "faq"):
                return self._switched(hit.faq, previous, f"same subject ({programme}) and topic, fused {hit.fused:.3f}")
        return None

    def _switched(self, entry: FaqEntry, previous: FaqEntry, how: str) -> Answer:
        answer = self.from_faq(entry)
        answer.reason = f"follow-up of {previous.id} (topic '{entry.topic}'): {how}"
        answer.confidence = 1.0
        return answer


_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")  # a list item is one unit: "…: tối đa 77,5 triệu; lãi suất …" is not cut at ";" or ":"


def trim_to_answer(text: str, question: str, keep: int = 3) -> str:
    """The ``keep`` sentences sharing most terms with the question, in original order."""
    sentences = [s.strip(" -•\t") for s in _SENTENCE_RE.split(text) if len(s.strip(" -•\t")) > 1]
    if len(sentences) <= keep:
        return " ".join(sentences)
    query_terms = set(analyze(question))
    scored = [(len(query_terms & set(analyze(s))), -i) for i, s in enumerate(sentences)]
    chosen = sorted(sorted(range(len(sentences)), key=lambda i: scored[i], reverse=True)[:keep])
    return " ".join(sentences[i] for i in chosen)
