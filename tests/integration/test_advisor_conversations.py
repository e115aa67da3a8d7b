"""The advisor through the REST channel: conditions, corrections, side questions."""

from __future__ import annotations

from evaluation.servers import new_sender, texts


def sender() -> str:
    return new_sender("adv")


def test_student_not_admitted_is_not_offered_the_student_loan(bot, tables):
    who = sender()
    asked = texts(bot.say(who, "nha toi can ngheo muon vay cho con di hoc co duoc khong"))
    assert "trúng tuyển" in asked
    advice = texts(bot.say(who, "chưa, cháu mới thi xong"))
    assert tables.programmes["hssv"]["name"] not in advice


def test_admitted_student_gets_the_student_loan_with_its_rate(bot, tables):
    who = sender()
    bot.say(who, "nha toi can ngheo muon vay cho con di hoc co duoc khong")
    advice = texts(bot.say(who, "dạ có rồi"))
    assert tables.programmes["hssv"]["name"] in advice
    assert tables.figure("hssv", "rate").text in advice


def test_correction_after_the_advice_changes_the_programme(bot, tables):
    who = sender()
    first = texts(bot.say(who, "nhà tôi hộ nghèo muốn vay nuôi bò"))
    assert tables.programmes["ho_ngheo"]["name"] in first
    second = texts(bot.say(who, "à không, nhà tôi cận nghèo"))
    assert tables.programmes["ho_can_ngheo"]["name"] in second
    assert tables.figure("ho_can_ngheo", "rate").text in second


def test_stop_ends_the_advisor(bot):
    who = sender()
    bot.say(who, "tôi có được vay vốn không")
    reply = texts(bot.say(who, "thôi hủy đi"))
    assert "dừng" in reply


def test_a_new_question_after_the_advice_is_answered_not_re_advised(bot, tables):
    who = sender()
    bot.say(who, "nhà tôi hộ nghèo muốn vay nuôi bò")
    reply = texts(bot.say(who, "Lãi suất cho vay hộ cận nghèo là bao nhiêu?"))
    assert tables.figure("ho_can_ngheo", "rate").text in reply
    assert "xếp theo thứ tự ưu tiên" not in reply
