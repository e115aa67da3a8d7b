"""Every action of actions/actions.py on tracker fixtures (issue 17, item 5).

In the style of RasaHQ's rasa-demo and financial-demo: a ``rasa_sdk.Tracker`` is built
from the conversation's events (what Rasa would send the action server), the action runs
with a ``CollectingDispatcher`` and the real domain (domain.yml), and the tests assert on
the messages sent and the events returned. The knowledge answerer is a stub where the
test is about the action's own decisions (which answer, which slots); the policy tables,
the advisor and the loan calculator are the real ones. tests/unit/test_ask_actions.py
holds the answer-first cases of the advisor's ask actions.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterable, List, Optional

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, BotUttered, EventType, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, knowledge_service
from knowledge.answering import UNAVAILABLE_TEXT, Answer
from knowledge.eligibility import ASKED_CONDITIONS
from knowledge.province import CONTACT_INTRO, contact_message
from evaluation.servers import ROOT

DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


# --- fixtures -------------------------------------------------------------------------

def user(text: str, intent: str, entities: Iterable[Dict[str, Any]] = ()) -> EventType:
    """The citizen's message as NLU parsed it."""
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.95},
             "entities": [{"entity": e["entity"], "value": e["value"]} for e in entities]}
    return UserUttered(text, parse, input_channel="rest")


def conversation(*events: EventType, sender: str = "citizen") -> Tracker:
    """A tracker as Rasa sends it: slots, latest message and active loop follow from the events."""
    slots: Dict[str, Any] = {name: None for name in DOMAIN["slots"]}
    slots["requested_slot"] = None
    latest: Dict[str, Any] = {}
    loop: Dict[str, Any] = {}
    latest_action: Optional[str] = None
    for event in events:
        if event["event"] == "slot":
            slots[event["name"]] = event["value"]
        elif event["event"] == "user":
            latest = event["parse_data"]
        elif event["event"] == "active_loop":
            loop = {"name": event["name"]} if event["name"] else {}
        elif event["event"] == "action":
            latest_action = event["name"]
    return Tracker.from_dict({"sender_id": sender, "slots": slots, "latest_message": latest,
                              "events": [dict(e) for e in events], "active_loop": loop,
                              "latest_action_name": latest_action})


def start(text: str, intent: str, entities: Iterable[Dict[str, Any]] = ()) -> Tracker:
    """A new conversation whose first message is ``text``."""
    return conversation(ActionExecuted("action_listen"), user(text, intent, entities))


def run(action: Action, tracker: Tracker, dispatcher: CollectingDispatcher) -> List[EventType]:
    return asyncio.run(action.run(dispatcher, tracker, DOMAIN))


def texts(dispatcher: CollectingDispatcher) -> List[str]:
    return [m.get("text") or "" for m in dispatcher.messages]


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


class StubAnswerer:
    """Records what the action asked; answers with a fixed FAQ entry (or ``kind``)."""

    def __init__(self, kind: str = "faq") -> None:
        self.kind = kind
        self.asked: List[Dict[str, Any]] = []
        self.victim_asked: List[str] = []

    def answer(self, question: str, last_answer_id: Optional[str] = None, follow_up: bool = False) -> Answer:
        self.asked.append({"question": question, "last_answer_id": last_answer_id, "follow_up": follow_up})
        if self.kind != "faq":
            return Answer(self.kind, "Tôi chưa chắc chắn về câu trả lời.")
        return Answer("faq", "Hộ nghèo vay tối đa 100 triệu đồng.", ["Quyết định 15/2013/QĐ-TTg"],
                      answer_id="ho_ngheo_muc_vay", suggestions=["Lãi suất hộ nghèo?", "Thủ tục vay?"])

    def answer_victim(self, question: str) -> Answer:
        self.victim_asked.append(question)
        return Answer("faq", "Báo ngay cho Công an xã, phường.", ["Cảnh báo của công an"], answer_id="tin_dung_den")


@pytest.fixture
def answerer(monkeypatch) -> StubAnswerer:
    stub = StubAnswerer()
    monkeypatch.setattr(knowledge_service, "answerer", lambda: stub)
    return stub


# --- action_answer_knowledge --------------------------------------------------------------

def test_a_question_gets_the_faq_answer_with_its_source_and_suggestions(answerer, dispatcher):
    events = run(actions.ActionAnswerKnowledge(), start("hộ nghèo được vay bao nhiêu?", "ask_loan_limit"), dispatcher)
    assert dispatcher.messages[0]["text"] == "Hộ nghèo vay tối đa 100 triệu đồng.\n\nNguồn: Quyết định 15/2013/QĐ-TTg"
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["Lãi suất hộ nghèo?", "Thủ tục vay?"]
    assert events == [SlotSet("answer_kind", "faq"), SlotSet("last_answer_id", "ho_ngheo_muc_vay")]
    assert answerer.asked == [{"question": "hộ nghèo được vay bao nhiêu?", "last_answer_id": None, "follow_up": False}]


def test_a_follow_up_is_answered_in_the_context_of_the_last_answer(answerer, dispatcher):
    tracker = conversation(
        ActionExecuted("action_listen"), user("hộ nghèo được vay bao nhiêu?", "ask_loan_limit"),
        ActionExecuted("action_answer_knowledge"), BotUttered("Hộ nghèo vay tối đa 100 triệu đồng."),
        SlotSet("answer_kind", "faq"), SlotSet("last_answer_id", "ho_ngheo_muc_vay"),
        ActionExecuted("action_listen"), user("còn hộ cận nghèo thì sao?", "follow_up"),
    )
    run(actions.ActionAnswerKnowledge(), tracker, dispatcher)
    assert answerer.asked == [{"question": "còn hộ cận nghèo thì sao?", "last_answer_id": "ho_ngheo_muc_vay",
                               "follow_up": True}]


def test_an_unsure_answer_keeps_no_answer_to_follow_up_on(monkeypatch, dispatcher):
    monkeypatch.setattr(knowledge_service, "answerer", lambda: StubAnswerer("unsure"))
    events = run(actions.ActionAnswerKnowledge(), start("vay mua xe hơi được không", "ask_loan_limit"), dispatcher)
    assert texts(dispatcher) == ["Tôi chưa chắc chắn về câu trả lời."]
    assert events == [SlotSet("answer_kind", "unsure")]


def test_without_the_knowledge_base_the_answer_is_a_polite_unavailable(monkeypatch, dispatcher):
    monkeypatch.setattr(knowledge_service, "answerer", lambda: None)
    events = run(actions.ActionAnswerKnowledge(), start("lãi suất hộ nghèo?", "ask_interest_rate"), dispatcher)
    assert texts(dispatcher) == [UNAVAILABLE_TEXT]
    assert events == [SlotSet("answer_kind", "unavailable")]


def test_a_loan_without_its_term_is_asked_for_the_number_then_assessed_when_it_comes(answerer, dispatcher):
    first = "vay nóng 5 triệu, phải trả 7 triệu"
    events = run(actions.ActionAnswerKnowledge(), start(first, "black_credit_victim"), dispatcher)
    assert texts(dispatcher)[0].startswith("Để tính lãi thật của khoản vay, tôi cần thêm một con số.")
    assert SlotSet("pending_loan", first) in events and SlotSet("loan_awaiting_number", True) in events

    second = CollectingDispatcher()
    tracker = conversation(
        ActionExecuted("action_listen"), user(first, "black_credit_victim"),
        ActionExecuted("action_answer_knowledge"), BotUttered(texts(dispatcher)[0]), *events,
        ActionExecuted("action_listen"), user("sau 10 ngày", "inform"),
    )
    events = run(actions.ActionAnswerKnowledge(), tracker, second)
    assert "1.460%/năm" in texts(second)[0], texts(second)
    assert events[:2] == [SlotSet("pending_loan", None), SlotSet("loan_awaiting_number", False)]
    # The way out for the borrower, about the loan first described, with the advisor offered.
    assert answerer.victim_asked[-1] == f"{first} sau 10 ngày" and not answerer.asked
    assert second.messages[-1]["buttons"][-1] == actions.ADVISOR_BUTTON


def test_a_message_without_the_number_forgets_the_pending_loan(answerer, dispatcher):
    tracker = conversation(
        ActionExecuted("action_listen"), user("vay app 5 triệu trả 7 triệu", "black_credit_victim"),
        ActionExecuted("action_answer_knowledge"), SlotSet("pending_loan", "vay app 5 triệu trả 7 triệu"),
        SlotSet("loan_awaiting_number", True),
        ActionExecuted("action_listen"), user("tôi phải báo công an ở đâu?", "ask_black_credit"),
    )
    events = run(actions.ActionAnswerKnowledge(), tracker, dispatcher)
    assert events[:2] == [SlotSet("pending_loan", None), SlotSet("loan_awaiting_number", False)]
    assert not any("tính lãi thật" in text for text in texts(dispatcher))


def test_despair_gets_support_and_emergency_numbers_before_the_way_out(answerer, dispatcher):
    run(actions.ActionAnswerKnowledge(), start("bị app đòi nợ khủng bố, tôi không muốn sống nữa", "ask_other"),
        dispatcher)
    assert texts(dispatcher)[0].startswith("Tôi rất tiếc khi anh/chị phải chịu đựng như vậy.")
    assert "113" in texts(dispatcher)[0] and "{{" not in texts(dispatcher)[0]
    assert answerer.victim_asked and texts(dispatcher)[-1].startswith("Báo ngay cho Công an xã")


def test_meaning_to_hit_back_at_debt_collectors_gets_a_word_against_violence_first(answerer, dispatcher):
    run(actions.ActionAnswerKnowledge(), start("tụi nó tạt sơn nhà tôi, mai tôi gọi anh em đến đánh lại cho biết tay",
                                               "out_of_scope"), dispatcher)
    assert texts(dispatcher)[0].startswith("Tôi hiểu anh/chị rất bức xúc, nhưng xin đừng tự giải quyết bằng bạo lực")
    assert "113" in texts(dispatcher)[0] and "{{" not in texts(dispatcher)[0]
    assert answerer.victim_asked


def test_a_correction_after_the_advice_gives_the_advice_again_for_the_new_values(answerer, dispatcher):
    tracker = conversation(
        ActionExecuted("action_listen"), user("tôi muốn vay nuôi bò", "ask_eligibility"),
        SlotSet("household_tier", "ho_ngheo"), SlotSet("loan_purpose", "chan_nuoi"),
        ActionExecuted("action_advise_eligibility"), BotUttered("Với hộ nghèo vay để chăn nuôi…"),
        ActionExecuted("action_listen"),
        user("à không, nhà tôi cận nghèo", "inform", [{"entity": "household_tier", "value": "ho_can_ngheo"}]),
        SlotSet("household_tier", "ho_can_ngheo"),
    )
    events = run(actions.ActionAnswerKnowledge(), tracker, dispatcher)
    assert texts(dispatcher)[0].startswith("Với hộ cận nghèo vay để chăn nuôi"), texts(dispatcher)
    assert events == [] and answerer.asked == []


def test_a_new_question_after_the_advice_is_no_correction(answerer, dispatcher):
    tracker = conversation(
        SlotSet("household_tier", "ho_ngheo"), SlotSet("loan_purpose", "chan_nuoi"),
        ActionExecuted("action_advise_eligibility"), ActionExecuted("action_listen"),
        user("lãi suất hộ cận nghèo bao nhiêu?", "ask_interest_rate",
             [{"entity": "household_tier", "value": "ho_can_ngheo"}]),
    )
    run(actions.ActionAnswerKnowledge(), tracker, dispatcher)
    assert [a["question"] for a in answerer.asked] == ["lãi suất hộ cận nghèo bao nhiêu?"]


# --- validate_eligibility_form -------------------------------------------------------------

def form_turn(requested: str, text: str, intent: str, candidates: Dict[str, Any],
              filled: Optional[Dict[str, Any]] = None) -> Tracker:
    """The form asked ``requested``; the citizen answered; Rasa extracted the candidate slots."""
    return conversation(
        ActiveLoop("eligibility_form"), *(SlotSet(k, v) for k, v in (filled or {}).items()),
        SlotSet("requested_slot", requested), ActionExecuted("action_listen"), user(text, intent),
        ActionExecuted("eligibility_form"), *(SlotSet(k, v) for k, v in candidates.items()),
    )


def test_the_form_keeps_a_known_household_tier_and_asks_the_purpose_next(dispatcher):
    tracker = form_turn("household_tier", "hộ nghèo", "inform", {"household_tier": "ho_ngheo"})
    events = run(actions.ValidateEligibilityForm(), tracker, dispatcher)
    assert events == [SlotSet("household_tier", "ho_ngheo"), SlotSet("requested_slot", "loan_purpose")]
    assert dispatcher.messages == []


@pytest.mark.parametrize("slot,value,asks", [
    ("household_tier", "ho_giau", "chưa rõ hộ gia đình mình thuộc diện nào"),
    ("loan_purpose", "mua_xe_hoi", "chưa rõ anh/chị muốn vay để làm gì"),
])
def test_the_form_refuses_a_value_it_does_not_know_and_asks_again(dispatcher, slot, value, asks):
    filled = {"household_tier": "ho_ngheo"} if slot == "loan_purpose" else {}
    events = run(actions.ValidateEligibilityForm(), form_turn(slot, value, "inform", {slot: value}, filled), dispatcher)
    assert events == [SlotSet(slot, None), SlotSet("requested_slot", slot)]
    assert asks in texts(dispatcher)[0]


def test_the_form_asks_only_the_conditions_that_decide_between_the_programmes(dispatcher):
    """Clean water for a poor household depends on living in the countryside and having no latrine yet."""
    tracker = form_turn("loan_purpose", "nước sạch", "inform", {"loan_purpose": "nuoc_sach_ve_sinh"},
                        {"household_tier": "ho_ngheo"})
    events = run(actions.ValidateEligibilityForm(), tracker, dispatcher)
    assert events == [SlotSet("loan_purpose", "nuoc_sach_ve_sinh"), SlotSet("requested_slot", "nong_thon")]


def test_the_form_ends_when_no_condition_changes_the_answer(dispatcher):
    tracker = form_turn("loan_purpose", "nuôi bò", "inform", {"loan_purpose": "chan_nuoi"},
                        {"household_tier": "ho_ngheo"})
    events = run(actions.ValidateEligibilityForm(), tracker, dispatcher)
    assert events == [SlotSet("loan_purpose", "chan_nuoi"), SlotSet("requested_slot", None)]


# --- action_advise_eligibility ---------------------------------------------------------------

def test_the_advice_names_the_programmes_best_first_with_a_details_button_each(dispatcher):
    tracker = conversation(SlotSet("household_tier", "ho_ngheo"), SlotSet("loan_purpose", "chan_nuoi"),
                           ActionExecuted("eligibility_form"), ActiveLoop(None))
    events = run(actions.ActionAdviseEligibility(), tracker, dispatcher)
    message = dispatcher.messages[0]
    assert message["text"].startswith("Với hộ nghèo vay để chăn nuôi")
    assert message["text"].index("Cho vay hộ nghèo") < message["text"].index("Cho vay hỗ trợ tạo việc làm")
    assert message["buttons"][0] == {"title": "Chi tiết: vay hộ nghèo",
                                     "payload": '/programme_details{"programme": "ho_ngheo"}'}
    assert events == []


def test_the_advice_reads_the_conditions_the_citizen_confirmed(dispatcher):
    asked = dict(household_tier="ho_can_ngheo", loan_purpose="hoc_tap")
    without = run(actions.ActionAdviseEligibility(), conversation(*(SlotSet(k, v) for k, v in asked.items())),
                  dispatcher)
    studying = CollectingDispatcher()
    run(actions.ActionAdviseEligibility(),
        conversation(*(SlotSet(k, v) for k, v in {**asked, "dang_hoc": True}.items())), studying)
    assert without == [] and "Cho vay học sinh, sinh viên" in texts(studying)[0]
    assert "programme_details" in str(studying.messages[0]["buttons"])


# --- action_programme_details ------------------------------------------------------------------

def test_the_details_button_shows_that_programme_and_its_sources(dispatcher):
    tracker = start('/programme_details{"programme": "ho_ngheo"}', "programme_details",
                    [{"entity": "programme", "value": "ho_ngheo"}])
    events = run(actions.ActionProgrammeDetails(), tracker, dispatcher)
    assert "Cho vay hộ nghèo" in texts(dispatcher)[0] and "Nguồn:" in texts(dispatcher)[0]
    assert events == []


def test_details_without_a_programme_say_so(dispatcher):
    run(actions.ActionProgrammeDetails(), start("/programme_details", "programme_details"), dispatcher)
    assert texts(dispatcher) == [actions.UNKNOWN_PROGRAMME]


# --- action_ask_<slot> -------------------------------------------------------------------------

@pytest.mark.parametrize("slot", ["household_tier", "loan_purpose", *ASKED_CONDITIONS])
def test_each_ask_action_asks_its_question_when_the_message_asked_nothing(answerer, dispatcher, slot):
    action = next(cls() for cls in actions.ActionAskFirstAnswering.__subclasses__() if cls.slot == slot)
    tracker = conversation(ActiveLoop("eligibility_form"), SlotSet("requested_slot", slot),
                           ActionExecuted("action_listen"), user("có", "affirm"))
    events = run(action, tracker, dispatcher)
    assert [m["response"] for m in dispatcher.messages] == [f"utter_ask_{slot}"]
    assert f"utter_ask_{slot}" in DOMAIN["responses"] and events == [] and answerer.asked == []


# --- action_contact_human ----------------------------------------------------------------------

def test_contact_human_points_to_the_places_that_exist_everywhere(dispatcher):
    events = run(actions.ActionContactHuman(), start("cho tôi gặp cán bộ", "contact_human"), dispatcher)
    assert texts(dispatcher) == [contact_message()]
    assert texts(dispatcher)[0].startswith(CONTACT_INTRO) and events == []


# --- every action is tested here -------------------------------------------------------------------

TESTED = {
    "action_answer_knowledge", "validate_eligibility_form", "action_advise_eligibility",
    "action_programme_details", "action_contact_human",
    *(f"action_ask_{slot}" for slot in ("household_tier", "loan_purpose", *ASKED_CONDITIONS)),
}


def _concrete_actions() -> List[Action]:
    found, todo = [], list(Action.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__ == actions.__name__ and cls is not actions.ActionAskFirstAnswering:
            found.append(cls())
    return found


def test_every_action_of_the_action_server_has_a_test_here_and_is_in_the_domain():
    defined = {action.name() for action in _concrete_actions()}
    assert defined == TESTED, "a new action needs its tracker-fixture test in this file"
    assert defined - {"validate_eligibility_form"} <= set(DOMAIN["actions"])
