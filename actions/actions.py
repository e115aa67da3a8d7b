"""Custom actions. Each class is thin: the logic lives in knowledge/ and is tested there."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import knowledge_service
from knowledge.advisor import advice_message
from knowledge.answering import UNAVAILABLE_TEXT

TIERS = {"ho_ngheo", "ho_can_ngheo", "ho_moi_thoat_ngheo", "ho_muc_song_trung_binh", "khong_thuoc_dien"}


def _buttons(questions: List[str]) -> List[Dict[str, str]]:
    return [{"title": q, "payload": q} for q in questions]


class ActionAnswerKnowledge(Action):
    """Answers a policy or black-credit question from the FAQ and documents, with sources."""

    def name(self) -> Text:
        return "action_answer_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        answerer = knowledge_service.answerer()
        if answerer is None:
            dispatcher.utter_message(text=UNAVAILABLE_TEXT)
            return []
        question = tracker.latest_message.get("text") or ""
        answer = answerer.answer(question, tracker.get_slot("last_answer_id"))
        dispatcher.utter_message(text=answer.message(), buttons=_buttons(answer.suggestions))
        if answer.kind == "faq":
            return [SlotSet("last_answer_id", answer.answer_id)]
        return []


class ValidateEligibilityForm(FormValidationAction):
    """Accepts only values the advisor knows; anything else is asked again."""

    def name(self) -> Text:
        return "validate_eligibility_form"

    def validate_household_tier(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if slot_value in TIERS:
            return {"household_tier": slot_value}
        dispatcher.utter_message(text="Xin lỗi, tôi chưa rõ hộ gia đình mình thuộc diện nào. Anh/chị chọn một trong các lựa chọn dưới đây giúp tôi nhé.")
        return {"household_tier": None}

    def validate_loan_purpose(self, slot_value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        purposes = domain.get("slots", {}).get("loan_purpose", {}).get("values") or []
        if slot_value in purposes:
            return {"loan_purpose": slot_value}
        dispatcher.utter_message(text="Xin lỗi, tôi chưa rõ anh/chị muốn vay để làm gì. Anh/chị chọn một mục đích dưới đây hoặc nói ngắn gọn, ví dụ \"nuôi bò\", \"cho con đi học\".")
        return {"loan_purpose": None}


class ActionAdviseEligibility(Action):
    """Tells which programmes fit the household and purpose, best preference first."""

    def name(self) -> Text:
        return "action_advise_eligibility"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        tier: Optional[str] = tracker.get_slot("household_tier")
        purpose: Optional[str] = tracker.get_slot("loan_purpose")
        dispatcher.utter_message(text=advice_message(knowledge_service.tables(), tier, purpose))
        return []
