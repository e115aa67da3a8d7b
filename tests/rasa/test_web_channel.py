"""The web widget channel's logic: conversation history, rated-answer checks, ids, files."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.channels.web.channel import (
    MAX_BOT_TEXT_CHARS,
    STATIC_DIR,
    conversation_turns,
    load_static_file,
    valid_sender,
    verified_answer_text,
)

ANSWER = "Hộ nghèo vay với lãi suất 6,6%/năm.\nSố liệu có thể thay đổi.\n\nNguồn: Quyết định 750/QĐ-TTg"
QUESTION_WITH_BUTTONS = BotUttered("Anh/chị muốn vay để làm gì ạ?", {"buttons": [{"title": "Chăn nuôi, trồng trọt",
                                                                                 "payload": "Chăn nuôi"}]})


def conversation():
    return [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("Lãi suất cho vay hộ nghèo là bao nhiêu?"),
        ActionExecuted("action_answer_knowledge"), BotUttered(ANSWER), SlotSet("answer_kind", "faq"),
        ActionExecuted("action_listen"),
        UserUttered("Nhà tôi có được vay vốn không?"), QUESTION_WITH_BUTTONS,
    ]


def test_history_pairs_each_question_with_the_bot_messages_after_it():
    turns = conversation_turns(conversation())
    assert [t["user"] for t in turns] == ["Lãi suất cho vay hộ nghèo là bao nhiêu?", "Nhà tôi có được vay vốn không?"]
    assert turns[0]["bot"] == [{"text": ANSWER, "buttons": []}]
    assert turns[1]["bot"][0]["buttons"] == [{"title": "Chăn nuôi, trồng trọt", "payload": "Chăn nuôi"}]
    assert all(t["rating"] is None for t in turns)


def test_a_rating_is_shown_on_the_answer_it_rates_and_the_latest_wins():
    events = conversation() + [
        SlotSet("answer_feedback", {"rating": "down", "bot_text": ANSWER}),
        SlotSet("answer_feedback", {"rating": "up", "bot_text": ANSWER}),
    ]
    turns = conversation_turns(events)
    assert turns[0]["rating"] == "up" and turns[1]["rating"] is None


def test_only_text_the_bot_really_said_is_stored_as_rated():
    events = conversation()
    # The widget shows the REST channel's split parts; joined with blank lines they are the answer.
    assert verified_answer_text(ANSWER, events) == ANSWER
    # A notice the channel added without Rasa ("hệ thống đang bận") is left out.
    with_notice = "Tin nhắn của anh/chị rất dài nên tôi chỉ đọc 1000 ký tự đầu.\n\n" + ANSWER
    assert verified_answer_text(with_notice, events) == ANSWER
    assert verified_answer_text("Một câu trả lời bịa ra", events) == ""
    assert verified_answer_text(ANSWER, []) == ""


def test_a_rated_text_is_cut():
    long = "Câu trả lời rất dài. " * 400
    events = [UserUttered("hỏi"), BotUttered(long)]
    assert len(verified_answer_text(long, events)) == MAX_BOT_TEXT_CHARS


def test_only_widget_conversation_ids_are_accepted():
    assert valid_sender("web-" + "0123456789abcdef" * 2)
    for bad in ["", "web-", "web-XYZ", "1234567890", "web-" + "0" * 33, None, 5, "../web-" + "0" * 32]:
        assert valid_sender(bad) is None, bad


def test_widget_files_exist_and_never_insert_html():
    for name in ("index.html", "widget.js", "widget.css"):
        assert load_static_file(name).body
    script = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink


def test_feedback_needs_a_whole_bot_message_not_a_fragment():
    events = conversation()
    for fragment in ["a", "Hộ nghèo", "Nguồn: Quyết định 750/QĐ-TTg", ANSWER.split("\n\n")[0], ANSWER[:-1]]:
        assert verified_answer_text(fragment, events) == "", fragment
    # The question with buttons is a whole message of its own.
    assert verified_answer_text("Anh/chị muốn vay để làm gì ạ?", events) == "Anh/chị muốn vay để làm gì ạ?"
