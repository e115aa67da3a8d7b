"""What a borrower caught by a loan shark should know, after the answer to the story."""

from __future__ import annotations

import pytest

from knowledge.black_credit_points import _load, points_for
from knowledge.tables import PolicyTables

STORY = ("Con trai tôi mượn 10 triệu của một người cùng xã, bị cắt phế chỉ nhận 8 triệu, đến nay họ đòi "
         "cả gốc lẫn lãi 18 triệu. Không trả được thì họ tạt chất bẩn vào nhà, khóa cổng, đe dọa cả nhà tôi. "
         "Tôi gọi xin trả tiền gốc nhưng họ không chịu, con tôi sợ không dám về nhà.")


@pytest.fixture(scope="module")
def tables() -> PolicyTables:
    return PolicyTables.load()


def test_every_point_renders_from_the_tables(tables):
    heading, _, points, _ = _load()
    assert heading
    for point in points:
        rendered = tables.render(point.text)
        assert "{{" not in rendered.text, point.name


def test_a_story_gets_the_points_its_answer_did_not_say(tables):
    said = "Báo ngay cho Công an xã, phường nơi gần nhất. Phần lãi vượt 20%/năm không có hiệu lực (Điều 468)."
    points = points_for(tables, STORY, said)
    assert points is not None
    assert "cap" not in points.names and "report" not in points.names  # said already
    assert {"principal_received", "relatives", "legal_loan"} <= set(points.names)
    assert "Điều 201" in points.text
    assert any("Điều 201" in source for source in points.sources)


def test_a_short_question_gets_no_points(tables):
    assert points_for(tables, "Vay app lãi 5%/ngày có phạm luật không?", "") is None


def test_no_relatives_point_when_no_relative_borrowed(tables):
    story = ("Năm 2013 ông Lan vay bà T. 50 triệu đồng để trồng hồ tiêu, đến nay bị tính lãi vượt số tiền "
             "gốc 5 đến 7 lần, buộc phải giao hai lô đất cho chủ nợ. Hàng chục hộ dân trong xã cũng bị như vậy "
             "và mong cơ quan chức năng sớm vào cuộc giúp đỡ.")
    points = points_for(tables, story, "")
    assert points is not None and "relatives" not in points.names


def test_a_lenders_or_a_scams_answer_gets_no_points(tables):
    assert points_for(tables, STORY, "", "cho-vay-khong-duoc-tra-kien-doi") is None


def test_a_borrower_afraid_of_arrest_is_told_borrowing_is_no_crime(tables):
    story = ("Em vay góp 60 triệu trả trong 40 ngày, lãi 20%, trễ một ngày là họ gọi cả nhà. Giờ em vay chỗ này trả chỗ kia "
             "nợ lên gần một tỷ rồi. Em có phải trả hết không, báo công an thì có bị bắt không vì em cũng vay mà, "
             "em sợ lắm không biết phải làm sao cho đúng luật.")
    points = points_for(tables, story, "Phần lãi vượt 20%/năm không có hiệu lực.")
    assert points is not None and "borrower_not_criminal" in points.names and "Điều 201" in points.text


def test_a_reference_person_gets_no_borrowers_points(tables):
    story = " ".join(["Tôi bị công ty đòi nợ gọi vì số tôi có trong danh bạ của người vay, lãi họ tính rất cao."] * 5)
    assert points_for(tables, story, "Không: người tham chiếu không có nghĩa vụ trả nợ thay.",
                      "nguoi-tham-chieu-bi-goi-doi-no") is None
