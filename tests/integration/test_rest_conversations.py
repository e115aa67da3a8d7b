"""Conversations through the REST channel, as the web widget and Zalo connector send them."""

from __future__ import annotations

from vntext.normalise import has_diacritics
from knowledge.answering import SOURCE_PREFIX
from knowledge.eligibility import questions_to_ask
from evaluation.servers import new_sender, texts


def test_greeting_is_answered_in_vietnamese(bot):
    replies = bot.say(new_sender(), "xin chào")
    assert replies and has_diacritics(texts(replies))
    assert replies[0].get("buttons"), "the greeting offers quick replies"


def test_rate_question_is_answered_from_the_table_with_a_source(bot, tables):
    reply = texts(bot.say(new_sender(), "Lãi suất cho vay hộ nghèo là bao nhiêu?"))
    assert tables.figure("ho_ngheo", "rate").text in reply
    assert SOURCE_PREFIX in reply


def test_unaccented_rate_question_gets_the_same_figure(bot, tables):
    reply = texts(bot.say(new_sender(), "lai suat vay ho ngheo bao nhieu 1 nam"))
    assert tables.figure("ho_ngheo", "rate").text in reply


def test_follow_up_keeps_the_topic(bot, tables):
    sender = new_sender()
    bot.say(sender, "Lãi suất cho vay hộ nghèo là bao nhiêu?")
    reply = texts(bot.say(sender, "còn hộ cận nghèo thì sao?"))
    assert tables.figure("ho_can_ngheo", "rate").text in reply


def test_advisor_fills_two_slots_from_one_message(bot, tables):
    reply = texts(bot.say(new_sender(), "nhà tôi hộ cận nghèo muốn vay nuôi bò, có được không?"))
    assert tables.programmes["ho_can_ngheo"]["name"] in reply
    assert SOURCE_PREFIX in reply


def test_advisor_asks_for_what_is_missing(bot, tables):
    sender = new_sender()
    first = bot.say(sender, "minh co duoc vay von khong")
    assert any(r.get("buttons") for r in first), "the tier question offers buttons"
    second = bot.say(sender, "ho ngheo")
    assert any(r.get("buttons") for r in second), "the purpose question offers buttons"
    third = texts(bot.say(sender, "cho con đi học đại học"))
    # The conditions that decide a poor household's study loan, asked one by one.
    questions = questions_to_ask(tables, "ho_ngheo", "hoc_tap")
    assert questions[0] == "dang_hoc" and "trúng tuyển" in third
    reply = texts(bot.say(sender, "có rồi"))
    for _ in questions[1:]:
        assert "Nguồn:" not in reply, "still asking"
        reply = texts(bot.say(sender, "không"))
    assert tables.programmes["hssv"]["name"] in reply
