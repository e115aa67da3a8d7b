"""Reply wording that both the channels (bot/channels/guard.py) and the answerer
(knowledge/answering.py) give, so that one message never gets two wordings.
"""

EMPTY_REPLY = (
    "Tôi chưa nhận được nội dung nào. Anh/chị gõ câu hỏi bằng tiếng Việt, có dấu hay không dấu đều được, "
    "ví dụ: \"Lãi suất vay hộ nghèo bao nhiêu?\""
)
