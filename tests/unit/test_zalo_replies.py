"""Rasa's replies as Zalo messages: splitting under the limit, numbered options."""

from __future__ import annotations

import multiprocessing
import re
import time

import pytest

from bot.stores.shared_state import SQLiteState
from bot.channels.zalo_replies import (OPTIONS_INTRO, SOURCE_PREFIX, TEXT_LIMIT, OptionMemory, split_text,
                                       to_zalo)
from knowledge.answering import SOURCE_PREFIX as ANSWER_SOURCE_PREFIX

SENTENCES = [f"Câu số {i} nói về lãi suất cho vay hộ nghèo tại Điểm giao dịch xã." for i in range(80)]


def test_the_source_prefix_is_the_one_answers_use():
    assert ANSWER_SOURCE_PREFIX.strip() == SOURCE_PREFIX


def test_a_short_text_is_one_message_and_empty_text_none():
    assert split_text("  Xin chào!  ") == ["Xin chào!"]
    assert split_text(" \n ") == []


@pytest.mark.parametrize("limit", [TEXT_LIMIT, 700, 120, 40])
def test_a_long_text_is_cut_under_the_limit_at_sentence_ends_losing_nothing(limit):
    text = " ".join(SENTENCES[:40]) + "\n\n" + " ".join(SENTENCES[40:])
    parts = split_text(text, limit)
    assert len(parts) >= 2 and all(0 < len(p) <= limit for p in parts)
    assert re.sub(r"\s+", " ", " ".join(parts)) == re.sub(r"\s+", " ", text)
    if limit >= 120:  # every sentence fits: no message starts or ends inside one
        assert all(p.startswith("Câu số") and p.endswith(".") for p in parts)


def test_paragraphs_are_kept_whole_when_they_fit():
    paragraphs = [" ".join(SENTENCES[i:i + 5]) for i in range(0, 40, 5)]  # ~340 characters each
    parts = split_text("\n\n".join(paragraphs), 1000)
    assert all(set(p.split("\n\n")) <= set(paragraphs) for p in parts)
    assert sum(len(p.split("\n\n")) for p in parts) == len(paragraphs)


def test_a_word_longer_than_the_limit_is_cut_hard():
    parts = split_text("Xem " + "x" * 95 + " nhé.", 40)
    assert all(len(p) <= 40 for p in parts) and "".join(parts).replace(" ", "") == "Xem" + "x" * 95 + "nhé."


def test_the_source_line_goes_with_the_answer_it_cites():
    first, answer = " ".join(SENTENCES[:12]), " ".join(SENTENCES[12:16])
    source = f"{SOURCE_PREFIX} Quyết định 750/QĐ-TTg năm 2015, Điều 1 khoản 1"
    limit = len(first) + len(answer) + 4  # the answer fits after the first paragraph, the source does not
    parts = split_text(f"{first}\n\n{answer}\n\n{source}", limit)
    assert parts == [first, f"{answer}\n\n{source}"]


def test_a_turn_is_joined_again_and_sent_in_as_few_messages_as_fit():
    replies = [{"recipient_id": "u", "text": "Hộ nghèo vay với lãi suất 6,6%/năm."},
               {"recipient_id": "u", "text": f"{SOURCE_PREFIX} Quyết định 750/QĐ-TTg"}]
    outgoing = to_zalo(replies)
    assert outgoing.messages == [f"Hộ nghèo vay với lãi suất 6,6%/năm.\n\n{SOURCE_PREFIX} Quyết định 750/QĐ-TTg"]
    assert outgoing.option_payloads == []


def test_buttons_become_numbered_options_across_the_turn():
    replies = [{"text": "Nhà mình thuộc diện nào?", "buttons": [{"title": "Hộ nghèo", "payload": "hộ nghèo"},
                                                             {"title": "Hộ cận nghèo", "payload": "hộ cận nghèo"}]},
               {"text": "", "buttons": [{"title": "Không rõ", "payload": "/out_of_scope"}]},
               {"image": "https://example.org/x.png"}]
    outgoing = to_zalo(replies)
    assert outgoing.option_payloads == ["hộ nghèo", "hộ cận nghèo", "/out_of_scope"]
    assert outgoing.messages == [f"Nhà mình thuộc diện nào?\n\n{OPTIONS_INTRO}\n1. Hộ nghèo\n2. Hộ cận nghèo"
                                 f"\n\n{OPTIONS_INTRO}\n3. Không rõ"]


@pytest.fixture
def memory(tmp_path) -> OptionMemory:
    return OptionMemory(SQLiteState(tmp_path / "channel_state.db"))


def test_a_number_picks_the_option_offered_to_that_sender_only(memory):
    memory.remember("a", ["Lãi suất hộ nghèo", "Thủ tục vay vốn"])
    assert memory.resolve("a", "2") == "Thủ tục vay vốn"
    assert memory.resolve("a", " 1. ") == "Lãi suất hộ nghèo"
    assert memory.resolve("a", "số 1") == "Lãi suất hộ nghèo"
    assert memory.resolve("a", "3") == "3", "out of range: the text itself"
    assert memory.resolve("a", "0") == "0"
    assert memory.resolve("a", "1 triệu") == "1 triệu", "a number inside a sentence is not a choice"
    assert memory.resolve("b", "1") == "1", "another sender was offered nothing"


def test_a_turn_without_buttons_withdraws_the_options(memory):
    memory.remember("a", ["có", "không"])
    memory.remember("a", [])
    assert memory.resolve("a", "1") == "1"


def test_offered_options_are_forgotten_after_their_time(tmp_path):
    memory = OptionMemory(SQLiteState(tmp_path / "channel_state.db"), ttl_seconds=0.2)
    memory.remember("a", ["x"])
    assert memory.resolve("a", "1") == "x"
    time.sleep(0.3)
    assert memory.resolve("a", "1") == "1"


def test_another_process_understands_the_options(tmp_path):
    """Zalo's next message may reach the other Rasa worker process."""
    OptionMemory(SQLiteState(tmp_path / "channel_state.db")).remember("a", ["Lãi suất", "Thủ tục"])
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        assert pool.apply(_resolve_elsewhere, (str(tmp_path / "channel_state.db"), "a", "2")) == "Thủ tục"


def _resolve_elsewhere(path: str, sender: str, text: str) -> str:
    return OptionMemory(SQLiteState(path)).resolve(sender, text)
