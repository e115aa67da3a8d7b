"""Custom actions. Each class is thin: the logic lives in knowledge/ and is tested there."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import knowledge_service
from knowledge.advisor import advice, programme_details
from knowledge.answering import UNAVAILABLE_TEXT, with_calculation
from knowledge.black_credit import (
    Assessment, assess, lends_money, names_loan_shark, names_policy_lender, speaks_of_informal_lending,
)
from knowledge.distress import calm_message, plans_violence, shows_despair, support_message
from knowledge.eligibility import ASKED_CONDITIONS, questions_to_ask
from knowledge.legal_loan_cost import loan_cost, programme_named
from knowledge.loan_calculator import STORY_WORDS
from knowledge.message_parts import asks_something
from knowledge.province import contact_message


def _buttons(questions: List[str]) -> List[Dict[str, str]]:
    return [{"title": q, "payload": q} for q in questions]


BLACK_CREDIT_INTENTS = {"black_credit_victim", "ask_black_credit"}
# Intents a correction of the advisor's inputs ("à không, nhà tôi cận nghèo") comes as.
CORRECTION_INTENTS = {"follow_up", "deny", "inform", "nlu_fallback"}
# After a full answer the advisor's question is an offer, not a condition of the answer.
DETAIL_OFFER = ("Nếu anh/chị muốn tôi xem gia đình mình còn vay được những chương trình nào khác, "
                "anh/chị trả lời thêm câu dưới đây (không bắt buộc; hỏi câu khác thì cứ hỏi):")
UNKNOWN_PROGRAMME = ("Xin lỗi, tôi không tìm thấy chương trình này. Anh/chị hỏi lại tên chương trình, "
                     "hoặc hỏi Tổ trưởng Tổ TK&VV, Điểm giao dịch xã.")
ADVISOR_BUTTON = {"title": "Tôi có được vay vốn chính sách không?", "payload": "Tôi có được vay vốn chính sách không?"}


class ActionAnswerKnowledge(Action):
    """Answers a policy or black-credit question from the FAQ and documents, with sources.

    When the message describes a loan ("vay 5 triệu sau 7 ngày trả 15 triệu") it first
    shows the real yearly rate against the legal limits; if a number is missing it asks
    for it and remembers the description until the next message completes it.
    """

    def name(self) -> Text:
        return "action_answer_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        question = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if _corrects_the_advice(tracker):
            return await ActionAdviseEligibility().run(dispatcher, tracker, domain)
        events: List[EventType] = []
        victim = intent == "black_credit_victim"
        if shows_despair(question):  # safety first, then the victim's way out
            dispatcher.utter_message(text=support_message(knowledge_service.tables()))
            victim = True
        elif plans_violence(question):  # no violence, then the victim's way out
            dispatcher.utter_message(text=calm_message(knowledge_service.tables()))
            victim = True
        pending = tracker.get_slot("pending_loan")
        lender = lends_money(question)
        # A loan-shark or lender's story is assessed whatever intent NLU read it as.
        story = intent in BLACK_CREDIT_INTENTS or names_loan_shark(question) or lender
        assessment: Optional[Assessment] = None
        if (pending or story) and not _about_a_policy_loan(question):
            events, completed, assessment = self._assess_loan(pending, question)
            assessed = assessment is not None
            if completed:  # the rest of the answer is about the loan first described
                question, victim = completed, True
            # After a borrower's loan was assessed (or its missing number asked), the way out
            # follows, never "not sure"; a lender gets the answer to the lender's question.
            victim = (victim or assessed or names_loan_shark(question)) and not lender
        answerer = knowledge_service.answerer()
        if answerer is None:
            dispatcher.utter_message(text=UNAVAILABLE_TEXT)
            return events + [SlotSet("answer_kind", "unavailable")]
        if victim:
            answer = answerer.answer_victim(question)
        else:
            answer = answerer.answer(question, tracker.get_slot("last_answer_id"), follow_up=intent == "follow_up")
        if assessment is not None:  # one reply, one source line: a lender's answer first, a borrower's rate first
            answer = with_calculation(answer, assessment.text, assessment.sources,
                                      first=not lender or assessment.asks_for_number)
        buttons = _buttons(answer.suggestions)
        if victim:
            buttons.append(ADVISOR_BUTTON)  # the legal way out: hand over to the advisor
        dispatcher.utter_message(text=answer.message(), buttons=buttons)
        events.append(SlotSet("answer_kind", answer.kind))
        if answer.kind == "faq":
            events.append(SlotSet("last_answer_id", answer.answer_id))
        return events

    @staticmethod
    def _assess_loan(pending: Optional[str], message: str) -> Tuple[List[EventType], Optional[str], Optional[Assessment]]:
        """The loan's real rate, or the question for its missing number.

        Returns the slot events, the whole loan description when this message completed a
        pending loan, and the assessment to show (None: nothing to say about the loan).
        """
        described = f"{pending} {message}" if pending else message
        assessment = assess(described, knowledge_service.tables())
        # A long story with no loan terms ("mẹ tôi vay app gần 500 triệu…") is no loan to complete:
        # asking it for a number would answer nothing.
        story_without_terms = assessment is not None and assessment.asks_for_number and len(described.split()) > STORY_WORDS
        if assessment is None or (pending and assessment.annual_rate is None) or story_without_terms:
            # Not a loan description (or still incomplete): forget the pending one.
            return ([SlotSet("pending_loan", None), SlotSet("loan_awaiting_number", False)] if pending else []), None, None
        events: List[EventType] = [
            SlotSet("pending_loan", described if assessment.asks_for_number else None),
            SlotSet("loan_awaiting_number", assessment.asks_for_number),
        ]
        return events, described if pending else None, assessment


def _about_a_policy_loan(question: str) -> bool:
    """A question about a policy loan ("tổ trưởng nói hộ nghèo chỉ vay được 50 triệu…") is no
    loan-shark story to complete, even when read as one (checked only then); nor is one that
    names the bank for social policies and no loan shark ("lo hồ sơ vay ngân hàng chính sách mất
    2 triệu phí")."""
    return (loan_cost(question, knowledge_service.tables()) is not None
            or (programme_named(question) is not None and not speaks_of_informal_lending(question))
            or (names_policy_lender(question) and not names_loan_shark(question)))


def _corrects_the_advice(tracker: Tracker) -> bool:
    """True for "à không, nhà tôi cận nghèo" once the advisor has answered.

    Rasa has already put the corrected value in its slot; the advice is simply given
    again for the new values.
    """
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent not in CORRECTION_INTENTS:
        return False  # "lãi suất hộ nghèo bao nhiêu?" after the advice is a new question
    entities = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
    advised = any(e.get("event") == "action" and e.get("name") == "action_advise_eligibility" for e in tracker.events)
    return (
        advised and bool(entities & {"household_tier", "loan_purpose"})
        and bool(tracker.get_slot("household_tier")) and bool(tracker.get_slot("loan_purpose"))
    )


class ValidateEligibilityForm(FormValidationAction):
    """Asks only what the answer depends on; accepts only values the advisor knows.

    After the household tier and the purpose, it asks the few conditions that decide
    between the programmes found (e.g. "đã có giấy báo trúng tuyển chưa?" for a study
    loan), and nothing else.
    """

    def name(self) -> Text:
        return "validate_eligibility_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        basics = [s for s in domain_slots if s not in ASKED_CONDITIONS]
        tier = tracker.get_slot("household_tier")
        purpose = tracker.get_slot("loan_purpose")
        if not tier or not purpose:
            return basics
        needed = questions_to_ask(knowledge_service.tables(), tier, purpose)
        return basics + [c for c in needed if c in domain_slots]

    def validate_household_tier(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return _accept_known_value(
            "household_tier", slot_value, dispatcher, domain,
            "Xin lỗi, tôi chưa rõ hộ gia đình mình thuộc diện nào. Anh/chị chọn một trong các lựa chọn dưới đây giúp tôi nhé.",
        )

    def validate_loan_purpose(self, slot_value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return _accept_known_value(
            "loan_purpose", slot_value, dispatcher, domain,
            "Xin lỗi, tôi chưa rõ anh/chị muốn vay để làm gì. Anh/chị chọn một mục đích dưới đây hoặc nói ngắn gọn, "
            "ví dụ \"nuôi bò\", \"cho con đi học\".",
        )


def _accept_known_value(slot: str, value: Any, dispatcher: CollectingDispatcher, domain: DomainDict,
                        ask_again: str) -> Dict[Text, Any]:
    """Keep a value the domain declares for the slot; otherwise say so and ask again."""
    if value in (domain.get("slots", {}).get(slot, {}).get("values") or []):
        return {slot: value}
    dispatcher.utter_message(text=ask_again)
    return {slot: None}


class ActionAdviseEligibility(Action):
    """Tells which programmes fit the household and purpose, best preference first."""

    def name(self) -> Text:
        return "action_advise_eligibility"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        tier: Optional[str] = tracker.get_slot("household_tier")
        purpose: Optional[str] = tracker.get_slot("loan_purpose")
        conditions = {name: tracker.get_slot(name) for name in ASKED_CONDITIONS if name in domain.get("slots", {})}
        given = advice(knowledge_service.tables(), tier, purpose, conditions)
        dispatcher.utter_message(text=given.text, buttons=given.buttons())
        return []


class ActionProgrammeDetails(Action):
    """One programme's details (term, collateral, papers, where), the advisor's quick reply."""

    def name(self) -> Text:
        return "action_programme_details"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        programme = next((e.get("value") for e in tracker.latest_message.get("entities") or []
                          if e.get("entity") == "programme"), None)
        text = programme_details(knowledge_service.tables(), str(programme or ""))
        dispatcher.utter_message(text=text or UNKNOWN_PROGRAMME)
        return []


class ActionAskFirstAnswering(Action):
    """The advisor's question for one slot, after the answer when the citizen asked one.

    "Nhà tôi thuộc hộ cận nghèo thì có được vay vốn không?" starts the advisor, whose
    first step would be "Anh/chị muốn vay để làm gì?" with no "Có" anywhere. When the
    message that started the advisor is a question the knowledge base answers with
    confidence, that answer comes first and the advisor's question follows as an offer
    to go into detail. The advisor's own button ("Tôi có được vay vốn chính sách không?")
    asks for the questionnaire itself, so it gets the question only.
    """

    slot = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        question = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        # "Tôi buôn bán tạp hóa ở xã miền núi, có chương trình vay cho …không?" comes as "inform"
        # (it tells the situation) but asks too: it gets the same answer first.
        asked = intent == "ask_eligibility" or (intent == "inform" and asks_something(question))
        if asked and question != ADVISOR_BUTTON["payload"] and _first_reply(tracker):
            answerer = knowledge_service.answerer()
            answer = answerer.answer(question) if answerer is not None else None
            if answer is not None and answer.kind == "faq":
                dispatcher.utter_message(text=answer.message())
                dispatcher.utter_message(text=DETAIL_OFFER)
        dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        return []


class ActionAskHouseholdTier(ActionAskFirstAnswering):
    slot = "household_tier"


class ActionAskLoanPurpose(ActionAskFirstAnswering):
    slot = "loan_purpose"


# A message that names the household and the purpose ("em là sinh viên năm nhất, nhà không
# thuộc hộ nghèo…, có được vay không?") starts the advisor at one of its conditions: the
# answer comes first there too. One action per condition the advisor asks (the list lives
# in knowledge/eligibility.py; domain.yml declares each action_ask_<slot>).
def _condition_ask_action(condition: str) -> type:
    """The ask action of one condition, bound to this module's namespace (the action server's
    worker processes find actions by pickling their classes)."""
    name = "ActionAsk" + "".join(part.title() for part in condition.split("_"))
    action = type(name, (ActionAskFirstAnswering,), {"slot": condition, "__module__": __name__})
    globals()[name] = action
    return action


CONDITION_ASK_ACTIONS = {condition: _condition_ask_action(condition) for condition in ASKED_CONDITIONS}


def _first_reply(tracker: Tracker) -> bool:
    """True while the bot has said nothing since the citizen's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "bot":
            return False
    return True


class ActionContactHuman(Action):
    """Where to meet a person: everywhere-valid places plus verified local details."""

    def name(self) -> Text:
        return "action_contact_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=contact_message())
        return []
