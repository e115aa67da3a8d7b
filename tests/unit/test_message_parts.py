"""The questions inside a long message, each with the words before it."""

from __future__ import annotations

from knowledge.message_parts import asked_parts

STORY = ("Anh là nông dân, có bốn người con đi học. Năm ngoái anh vay 50 triệu hộ nghèo để nuôi lợn. "
         "Đến kỳ trả nợ cuối cùng anh chưa trả được, có gia hạn được không?")


def test_the_question_of_a_story_is_found_with_its_context():
    parts = asked_parts(STORY)
    assert [p.question for p in parts] == ["có gia hạn được không?"]
    assert parts[0].with_context.startswith("Đến kỳ trả nợ cuối cùng")


def test_two_questions_in_one_sentence_come_in_order():
    parts = asked_parts("Bão làm hỏng hết ao cá nhà tôi hôm tháng trước, tôi đang vay hộ nghèo, "
                        "có được vay thêm để làm lại không, thủ tục ra sao?")
    assert [p.question for p in parts] == ["có được vay thêm để làm lại không", "thủ tục ra sao?"]
    assert "ao cá" in parts[0].with_context


def test_unaccented_questions_are_found():
    parts = asked_parts("nha em o que, bo me gia yeu, nam ngoai vay ngan hang chinh sach 30 trieu nuoi bo, "
                        "bo chet het roi, gio tra no the nao")
    assert parts and parts[-1].question == "gio tra no the nao"


def test_a_short_message_is_searched_whole():
    assert asked_parts("lãi suất hộ nghèo bao nhiêu?") == []


def test_a_story_that_asks_nothing_gives_no_part():
    assert asked_parts("Tôi là hộ nghèo ở xã miền núi, năm ngoái vay 50 triệu nuôi bò, năm nay bò đã đẻ "
                       "thêm hai con, gia đình rất cảm ơn ngân hàng chính sách.") == []
