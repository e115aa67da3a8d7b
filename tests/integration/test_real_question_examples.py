"""Issue 14's "Why" examples, end to end through the REST channel: each behaves as described.

The messages are those the issue quotes (questions real citizens wrote, or the shape of
them); the expected figures come from the policy tables, never typed here.
"""

from __future__ import annotations

from typing import List

from knowledge.answering import OUT_OF_SCOPE_TEXT, SOURCE_PREFIX, UNSURE_TEXT
from evaluation.servers import new_sender, texts

NOT_SURE = UNSURE_TEXT[:60]


def conversation(bot, *messages: str) -> List[str]:
    """The reply texts to each message of one conversation, in order."""
    sender = new_sender("why")
    return [texts(bot.say(sender, message)) for message in messages]


def answered_before_asking(reply: str, question: str) -> bool:
    """The sourced answer comes before the advisor's question, if it asks one."""
    return SOURCE_PREFIX in reply and (question not in reply or reply.index(SOURCE_PREFIX) < reply.index(question))


def first_reply(bot, message: str) -> str:
    return conversation(bot, message)[0]


def test_a_long_narrative_gets_the_answer_to_its_question(bot):
    reply = first_reply(bot, "Anh là nông dân, có bốn người con đi học, vay ngân hàng chính sách cho con học. Đến kỳ "
                             "trả nợ cuối cùng anh chưa trả được, có gia hạn được không?")
    assert NOT_SURE not in reply and "gia hạn" in reply and SOURCE_PREFIX in reply


def test_a_petition_gets_the_rule_in_force_and_who_decides(bot, tables):
    reply = first_reply(bot, "Cử tri đề nghị nâng mức cho vay hộ nghèo từ 30tr lên 50tr vì giá cả tăng")
    assert NOT_SURE not in reply and "Lãi thật của khoản vay" not in reply  # the amounts are no loan-shark loan
    assert "100 triệu" in tables.figure("ho_ngheo", "cap").text and "100 triệu" in reply
    assert "Chỉ thị 39-CT/TW" in reply


def test_two_questions_in_one_message_are_both_answered(bot, tables):
    reply = first_reply(bot, "Lãi suất vay hộ cận nghèo bao nhiêu? Vay tối đa được bao nhiêu?")
    assert tables.figure("ho_can_ngheo", "rate").text in reply and "Mức vay tối đa" in reply


def test_kinds_of_people_get_an_answer_before_any_questionnaire(bot):
    for message, expected in [
        ("Người khuyết tật có được vay vốn tạo việc làm không?", "người khuyết tật"),
        ("Con tôi vừa ra tù, muốn vay vốn học nghề có được không?", "Quyết định 22/2023"),
        ("Tôi 58 tuổi, còn vay vốn tạo việc làm được không?", "từ đủ 15 tuổi"),
        ("Tôi mới xuất ngũ về địa phương, có được vay vốn không?", "tạo việc làm"),
    ]:
        reply = first_reply(bot, message)
        assert expected in reply and SOURCE_PREFIX in reply, (message, reply[:200])
        assert answered_before_asking(reply, "thuộc diện nào"), (message, reply[:200])


def test_negated_tiers_are_not_the_households(bot, tables):
    reply = first_reply(bot, "tôi không phải hộ nghèo, cũng không phải cận nghèo, có vay được không")
    assert not reply.startswith("Có, hộ cận nghèo") and tables.figure("ho_can_ngheo", "rate").text not in reply
    assert "không xét diện nghèo" in reply
    student = first_reply(bot, "Em là sinh viên năm nhất, nhà em không thuộc hộ nghèo cận nghèo nhưng việc buôn bán "
                               "của bố mẹ đang gặp khó khăn, em có được vay vốn đi học không?")
    assert "hộ cận nghèo được vay" not in student and "mức sống trung bình" in student


def test_the_answer_comes_first(bot):
    reply = first_reply(bot, "Nhà tôi thuộc hộ cận nghèo thì có được vay vốn không?")
    assert reply.startswith("Có"), reply[:80]
    listing = first_reply(bot, "Đối tượng nào được vay vốn NHCSXH?")
    assert "học sinh, sinh viên" in listing and answered_before_asking(listing, "thuộc diện nào")


def test_follow_ups_keep_the_subject(bot, tables):
    _, cap = conversation(bot, "Lãi suất hộ cận nghèo?", "vay tối đa bao nhiêu")
    assert "cận nghèo" in cap and "Mức vay tối đa" in cap
    _, monthly = conversation(bot, "Sinh viên vay lãi suất bao nhiêu?", "còn mỗi tháng được vay bao nhiêu?")
    assert "4 triệu đồng/tháng" in tables.figure("hssv", "cap").text
    assert "4 triệu đồng/tháng" in monthly and "STEM" not in monthly


def test_the_cost_of_a_legal_loan(bot):
    reply = first_reply(bot, "Hộ nghèo vay 50 triệu thì mỗi tháng trả lãi bao nhiêu tiền?")
    assert "260.000 đồng" in reply  # 50 triệu × 6,24 % : 12, the poor rate in force since 1/12/2025


def test_the_calculator_reads_a_real_story(bot):
    reply = first_reply(bot, "Tôi vay qua app, nhận 1 triệu, một tuần sau phải trả 1,6 triệu, có đúng luật không?")
    assert reply.startswith("Lãi thật của khoản vay anh/chị kể: khoảng") and NOT_SURE not in reply


def test_no_harmful_yes_after_a_loan_shark_story(bot):
    story, repay, seven = conversation(
        bot, "Tôi vay nóng 5 triệu, sau 10 ngày phải trả 7 triệu, giờ họ gọi điện đe dọa",
        "nhà tôi là hộ cận nghèo, có vay ngân hàng chính sách để trả nợ được không",
        "vậy tôi có phải trả 7 triệu không")
    assert "Lãi thật của khoản vay" in story
    assert repay.startswith("Không") and "đúng mục đích" in repay and "Công an" in repay
    assert NOT_SURE not in seven and "không có hiệu lực" in seven


def test_off_topic_questions_say_what_the_bot_covers(bot):
    for message in ("Lãi suất gửi tiết kiệm ở ngân hàng nào cao nhất hiện nay?", "Mua xe máy trả góp thì lãi suất bao nhiêu?"):
        reply = first_reply(bot, message)
        assert NOT_SURE not in reply and ("ngoài phạm vi" in reply or OUT_OF_SCOPE_TEXT[:40] in reply), reply[:120]


def test_former_wrong_matches(bot):
    contact = first_reply(bot, "muon vay von thi lien he ai")
    assert "Tổ TK&VV" in contact and "Vì người nghèo" not in contact
    collateral = first_reply(bot, "Vay vốn có phải thế chấp sổ đỏ không?")
    assert "nhà ở xã hội" not in collateral.split(SOURCE_PREFIX)[0] and "thế chấp" in collateral
