"""The advisor's questions come after the answer when the citizen asked one (tracker fixtures)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, knowledge_service
from knowledge.answering import Answer


def tracker(text: str, intent: str, events: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    events = events if events is not None else [{"event": "user", "text": text, "parse_data": message}]
    return Tracker("citizen", {}, message, events, False, None, {"name": "eligibility_form"}, "action_listen")


class StubAnswerer:
    def __init__(self, kind: str):
        self.kind = kind
        self.asked: List[str] = []

    def answer(self, question: str, *context: Any, **flags: Any) -> Answer:
        self.asked.append(question)
        return Answer(self.kind, "Có, hộ cận nghèo được vay vốn.", ["Quyết định 15/2013/QĐ-TTg"])


def run(action: actions.Action, state: Tracker) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, state, {}))
    return dispatcher.messages


@pytest.fixture
def answerer(monkeypatch):
    stub = StubAnswerer("faq")
    monkeypatch.setattr(knowledge_service, "answerer", lambda: stub)
    return stub


def test_a_question_gets_its_answer_before_the_advisors_question(answerer):
    messages = run(actions.ActionAskLoanPurpose(), tracker("Nhà tôi thuộc hộ cận nghèo thì có được vay vốn không?",
                                                           "ask_eligibility"))
    assert messages[0]["text"].startswith("Có, hộ cận nghèo được vay vốn.")
    assert "Nguồn:" in messages[0]["text"]
    assert messages[-1]["response"] == "utter_ask_loan_purpose"


def test_the_advisor_button_and_answers_to_the_advisor_get_the_question_only(answerer):
    button = run(actions.ActionAskHouseholdTier(), tracker(actions.ADVISOR_BUTTON["payload"], "ask_eligibility"))
    told = run(actions.ActionAskLoanPurpose(), tracker("Hộ cận nghèo", "inform"))
    assert [m["response"] for m in button] == ["utter_ask_household_tier"]
    assert [m["response"] for m in told] == ["utter_ask_loan_purpose"]
    assert answerer.asked == []


def test_a_situation_told_with_a_question_gets_the_answer_first(answerer):
    """Issue 14 (dev split): "Tôi buôn bán tạp hóa ở xã miền núi, có chương trình vay … không?" came as
    "inform" and got only "Hộ gia đình anh/chị hiện thuộc diện nào ạ?"."""
    text = "Tôi buôn bán tạp hóa ở xã miền núi, có chương trình vay cho thương nhân vùng khó khăn không?"
    messages = run(actions.ActionAskHouseholdTier(), tracker(text, "inform"))
    assert answerer.asked == [text] and "Nguồn:" in messages[0]["text"]
    assert messages[-1]["response"] == "utter_ask_household_tier"


def test_no_confident_answer_no_guess(monkeypatch):
    monkeypatch.setattr(knowledge_service, "answerer", lambda: StubAnswerer("unsure"))
    messages = run(actions.ActionAskHouseholdTier(), tracker("bộ đội xuất ngũ có được vay không", "ask_eligibility"))
    assert [m.get("response") for m in messages] == ["utter_ask_household_tier"]


def test_answered_once_per_message(answerer):
    text = "Nhà tôi thuộc hộ cận nghèo thì có được vay vốn không?"
    parse = {"text": text, "intent": {"name": "ask_eligibility"}}
    already = [{"event": "user", "text": text, "parse_data": parse}, {"event": "bot", "text": "Có…"}]
    messages = run(actions.ActionAskLoanPurpose(), tracker(text, "ask_eligibility", already))
    assert [m.get("response") for m in messages] == ["utter_ask_loan_purpose"]


def test_a_question_about_a_policy_loan_is_no_loan_shark_story(monkeypatch):
    """Issue 14: "tổ trưởng nói hộ nghèo chỉ vay được 50 triệu, tôi nghe là 100 triệu" got the calculator."""
    stub = StubAnswerer("faq")
    monkeypatch.setattr(knowledge_service, "answerer", lambda: stub)
    question = "Sao tổ trưởng nói hộ nghèo chỉ vay được 50 triệu, tôi nghe là 100 triệu mà?"
    state = tracker(question, "ask_black_credit")
    dispatcher = CollectingDispatcher()
    asyncio.run(actions.ActionAnswerKnowledge().run(dispatcher, state, {}))
    assert not any("tính lãi thật" in (m.get("text") or "") for m in dispatcher.messages), dispatcher.messages
    assert stub.asked == [question]


class VictimAwareStub(StubAnswerer):
    """Records whether the action asked for a victim's answer or an ordinary one."""

    def __init__(self) -> None:
        super().__init__("faq")
        self.victim_asked: List[str] = []

    def answer_victim(self, question: str) -> Answer:
        self.victim_asked.append(question)
        return Answer("faq", "Báo ngay cho Công an xã, phường.", ["Cảnh báo của công an"])


def _knowledge_run(monkeypatch, text: str, intent: str) -> "tuple[VictimAwareStub, List[str]]":
    stub = VictimAwareStub()
    monkeypatch.setattr(knowledge_service, "answerer", lambda: stub)
    dispatcher = CollectingDispatcher()
    asyncio.run(actions.ActionAnswerKnowledge().run(dispatcher, tracker(text, intent), {}))
    return stub, [m.get("text") or "" for m in dispatcher.messages]


def test_a_loan_shark_story_is_assessed_whatever_intent_nlu_read(monkeypatch):
    """Issue 14 (dev split): "vay nong 10tr moi ngay tra 300k, 50 ngay" was read as another intent and
    got no calculation; after the rate, the borrower gets the way out, not an ordinary answer."""
    stub, texts = _knowledge_run(monkeypatch, "vay nong 10tr moi ngay tra 300k, 50 ngay, vay vay co bi lam sao ko",
                                 "ask_interest_rate")
    assert "629%/năm" in texts[0], texts
    assert stub.victim_asked and not stub.asked


def test_a_lenders_question_gets_the_rate_and_no_victim_advice(monkeypatch):
    stub, texts = _knowledge_run(monkeypatch, "Tôi có cho người quen vay 100 triệu, lãi 2%/tháng, quá hạn 1 năm "
                                 "chưa trả, tôi có kiện được không?", "ask_black_credit")
    assert "24%/năm" in texts[0], texts
    assert stub.asked and not stub.victim_asked


def test_a_loan_from_a_licensed_finance_company_is_not_called_usury(monkeypatch):
    _, texts = _knowledge_run(monkeypatch, "Em tôi vay một công ty tài chính lãi suất 38%/năm, có phải vay nặng "
                              "lãi không?", "ask_black_credit")
    assert "38%/năm" in texts[0] and "luật riêng về tổ chức tín dụng" in texts[0], texts
    assert "dấu hiệu cho vay nặng lãi" not in texts[0] and "không có hiệu lực" not in texts[0]


def test_every_condition_the_advisor_asks_has_an_answer_first_action():
    """Domain and action server agree: each condition slot has its action_ask_<slot>."""
    import yaml

    from knowledge.eligibility import ASKED_CONDITIONS
    from evaluation.servers import ROOT

    declared = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["actions"])
    defined = {cls().name() for cls in actions.ActionAskFirstAnswering.__subclasses__()}
    for slot in ("household_tier", "loan_purpose", *ASKED_CONDITIONS):
        assert f"action_ask_{slot}" in declared and f"action_ask_{slot}" in defined, slot


def test_the_details_action_shows_the_programme_the_quick_reply_named():
    state = tracker('/programme_details{"programme": "viec_lam"}', "programme_details")
    state.latest_message["entities"] = [{"entity": "programme", "value": "viec_lam"}]
    messages = run(actions.ActionProgrammeDetails(), state)
    assert "Nơi làm hồ sơ" in messages[0]["text"] and "Nguồn:" in messages[0]["text"]
    unknown = tracker('/programme_details{"programme": "x"}', "programme_details")
    unknown.latest_message["entities"] = [{"entity": "programme", "value": "x"}]
    assert run(actions.ActionProgrammeDetails(), unknown)[0]["text"] == actions.UNKNOWN_PROGRAMME


def test_a_fee_for_a_policy_loan_is_no_loan_to_assess(monkeypatch):
    """Dev split: "lo hồ sơ vay ngân hàng chính sách mất 2 triệu phí" was asked for a missing number."""
    stub, texts = _knowledge_run(monkeypatch, "co nguoi noi lo ho so vay ngan hang chinh sach mat 2 trieu phi, co dung ko",
                                 "ask_black_credit")
    assert not any("tính lãi thật" in t for t in texts) and stub.asked


def test_a_long_story_without_loan_terms_gets_the_way_out_not_a_question_for_a_number(monkeypatch):
    story = ("Tôi chưa từng vay ai một đồng nào. Nhưng đám người đó lại nắm rõ thông tin cá nhân, số căn cước, địa chỉ "
             "nhà, cả nơi tôi làm việc. Tôi sững sờ khi biết tổng số tiền mẹ vay qua ứng dụng trên mạng đã lên đến gần "
             "500 triệu đồng, khi muốn trả thì tiền phạt, tiền lãi tăng gấp nhiều lần, họ gọi điện hăm dọa cả nhà.")
    stub, texts = _knowledge_run(monkeypatch, story, "black_credit_victim")
    assert not any("tính lãi thật" in t for t in texts) and stub.victim_asked


def test_the_condition_ask_actions_survive_pickling():
    """The action server's workers are spawned: a class made at import must be found by name."""
    import pickle

    for action in actions.CONDITION_ASK_ACTIONS.values():
        assert pickle.loads(pickle.dumps(action)) is action
