"""The facets of a long letter: the matters it raises and the programmes it concerns."""

from __future__ import annotations

from knowledge.corpus import load_faq
from knowledge.letter_reader import _load, programmes_of, read_letter


def names(text: str):
    return [m.name for m in read_letter(text).matters]


def test_every_entry_and_topic_a_matter_names_exists():
    faq = {entry.id: entry for entry in load_faq()}
    topics = {entry.topic for entry in faq.values()}
    matters, programmes = _load()
    for matter in matters:
        assert matter.entries or matter.topics, matter.name
        assert all(i in faq for i in matter.entries), matter.name
        assert set(matter.topics) <= topics, matter.name
        assert matter.needs_programme == (bool(matter.topics) and not matter.entries), matter.name
        assert matter.domain in ("policy", "black_credit", "any", "fallback"), matter.name
        assert matter.cues or matter.domain == "fallback", matter.name
    assert programmes


def test_a_fee_kept_by_a_middleman_is_read_as_a_fee():
    letter = ("Tháng trước nhà tôi được xét vay 20 triệu hộ nghèo, nhưng người làm hồ sơ giúp "
              "giữ lại 2 triệu, bảo là tiền công chạy thủ tục. Như vậy có đúng không?")
    assert names(letter)[0] == "fee_or_bribe"
    assert programmes_of(letter) == ["ho_ngheo"]


def test_a_question_sentence_decides_before_the_story():
    letter = ("Năm ngoái bão lũ cuốn mất hết đàn vịt nhà tôi, vốn vay hộ cận nghèo 40 triệu. "
              "Nay sắp đến hạn, tôi xin gia hạn được không?")
    reading = read_letter(letter)
    assert [m.name for m in reading.matters] == ["cannot_repay"]
    assert reading.asked
    assert reading.programmes == ["ho_can_ngheo"]


def test_a_story_without_a_question_gives_its_problems_first():
    letter = ("Gia đình tôi là hộ nghèo, vay ngân hàng chính sách 50 triệu nuôi lợn với lãi suất ưu đãi. "
              "Đợt dịch vừa rồi lợn chết hết, giờ chẳng còn gì.")
    assert names(letter) == ["disaster_or_loss", "rate"]


def test_a_letter_about_one_programme_raising_nothing_known_gets_its_conditions():
    letter = "Con gái tôi năm nay thi đỗ đại học ở Hà Nội, nhà ở quê làm ruộng, thu nhập bấp bênh, tôi lo quá."
    assert names(letter) == ["overview"]
    assert programmes_of(letter)[0] == "hssv"


def test_a_figure_is_not_read_without_a_programme():
    assert names("Tôi muốn hỏi lãi suất bây giờ là bao nhiêu vì hàng xóm nói khác nhau quá, ai cũng bảo mình đúng") == []


def test_losing_a_job_is_not_a_death():
    letter = "Con tôi mất việc ở công ty từ tháng trước, giờ muốn vay vốn để về quê nuôi bò thì làm sao?"
    assert "borrower_died" not in names(letter)


def test_the_purpose_comes_before_the_household_tier():
    letter = "Nhà tôi là hộ cận nghèo, con gái đang học năm thứ hai đại học thì bị cắt khoản vay, phải làm sao?"
    assert programmes_of(letter)[0] == "hssv"
    assert names(letter) == ["cut_or_refused"]


def test_a_flood_told_in_passing_is_a_disaster():
    letter = ("Tôi vay 40 triệu mở tiệm tạp hóa, đang trả đều thì lũ đã cuốn hết hàng hóa, "
              "giờ chỉ mong được kéo dài thời gian trả nợ.")
    assert names(letter) == ["disaster_or_loss", "cannot_repay"]


def test_a_loan_shark_to_repay_the_bank_is_read_in_the_black_credit_domain():
    letter = "Đến hạn trả ngân hàng mà không có tiền, nhiều người phải vay nóng để trả ngân hàng rồi vay lại."
    assert [m.name for m in read_letter(letter, "black_credit").matters] == ["roll_over"]
    assert "roll_over" not in names(letter)  # not a policy-loan matter


def test_asking_banks_to_lend_instead_of_loan_sharks_is_read_in_both_domains():
    letter = "Mong các ngân hàng nhà nước nên mở rộng cho người dân vay để bà con khỏi phải vay nóng."
    assert "legal_alternative" in names(letter)
    assert "legal_alternative" in [m.name for m in read_letter(letter, "black_credit").matters]


def test_a_debt_not_yet_taken_is_no_debt_to_extend():
    letter = "Nghe nói được vay 20 triệu sửa nhà nhưng tôi không dám, nhà đông con, vay rồi cũng không thể trả được."
    assert "cannot_repay" not in names(letter)


def test_a_credit_funds_broker_is_not_a_policy_loans_fee():
    letter = ("Tôi làm hồ sơ vay ở quỹ tín dụng nhân dân không được, phải nhờ một người quen lo giúp, "
              "vay được 20 triệu thì mất 2 triệu tiền hoa hồng cho người đó.")
    assert "fee_or_bribe" not in names(letter)


def test_a_letter_asking_in_words_of_its_own_makes_the_told_matter_a_guess():
    """The story tells of a flood; the question asks whether the loan officer may refuse to
    lend to a son working far away: the flood is not what is asked."""
    letter = ("Năm ngoái nhà tôi bị lũ cuốn mất chuồng trại, nay muốn vay thêm để làm lại. "
              "Cán bộ bảo con trai tôi đi làm ăn xa nên không đứng tên hộ được, như vậy là đúng quy định hay sai?")
    reading = read_letter(letter)
    assert reading.matters and not reading.asked
    assert reading.asks_other


def test_asking_only_what_to_do_leaves_the_told_matter_the_answer():
    letter = ("Năm ngoái nhà tôi bị lũ cuốn mất chuồng trại, khoản vay hộ nghèo 40 triệu sắp đến hạn. "
              "Trường hợp của tôi thì phải làm sao ạ?")
    reading = read_letter(letter)
    assert [m.name for m in reading.matters][:1] == ["disaster_or_loss"]
    assert not reading.asks_other


def test_a_lenders_letter_gets_the_lenders_matter_alone():
    letter = ("Năm ngoái chị hàng xóm qua nhà hỏi mượn 50 triệu, hứa mỗi tháng trả lãi 1 triệu. "
              "Trả được vài tháng thì chị ấy bỏ trốn, tôi không biết có đòi lại được không.")
    assert names_in(letter, "black_credit") == ["lender_not_repaid"]


def names_in(text: str, domain: str):
    return [m.name for m in read_letter(text, domain).matters]
