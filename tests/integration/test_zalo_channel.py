"""The Zalo OA channel end to end: Zalo's signed webhook in, the fake OA API out.

A Rasa server runs with the Zalo channel configured exactly as scripts/start.sh does it
(credentials.yml + credentials.zalo.yml, values from the environment), sharing the
session's action server, and sends its replies to a fake OA API on loopback.
"""

from __future__ import annotations

import json
import stat
import time
from typing import Iterator

import pytest
import requests

from bot.stores.announcements import OPTED_IN_REPLY, OPTED_OUT_REPLY, FollowerBook
from bot.channels.zalo_replies import OPTIONS_INTRO, TEXT_LIMIT, TEXT_ONLY_REPLY
from knowledge.answering import SOURCE_PREFIX
from tests.integration.fake_zalo import text_event
from evaluation.servers import new_sender
from tests.integration.zalo_bot import APP_ID, APP_SECRET, ZaloBot

RATE_QUESTION = "Lãi suất cho vay hộ nghèo là bao nhiêu?"


@pytest.fixture(scope="module")
def zalo(bot, tmp_path_factory) -> Iterator[ZaloBot]:
    """Its own Rasa server (Zalo configured), sharing the session's action server."""
    zalo_bot = ZaloBot.start(tmp_path_factory.mktemp("zalo"), action_port=bot.action_port)
    try:
        yield zalo_bot
    finally:
        zalo_bot.stop()


def test_a_signed_question_is_answered_with_the_rate_and_its_source_in_one_message(zalo, tables):
    texts = zalo.ask("u-rate", RATE_QUESTION)
    rate = tables.figure("ho_ngheo", "rate").text
    assert any(rate in text and SOURCE_PREFIX in text for text in texts), texts
    assert zalo.user_texts("u-rate") == [RATE_QUESTION]


@pytest.mark.parametrize("signature", ["", "mac=" + "0" * 64, "not-a-signature"])
def test_a_missing_or_wrong_signature_gets_401_and_no_reply(zalo, signature):
    user = new_sender("u-forged")
    response = zalo.post(text_event(APP_ID, user, "xin chào", msg_id=new_sender("msg")), signature=signature)
    assert response.status_code == 401
    # A signed message after it is answered, and is the only thing answered.
    zalo.ask(user, "cảm ơn")
    assert zalo.user_texts(user) == ["cảm ơn"]


def test_a_replayed_old_delivery_gets_401(zalo):
    user = new_sender("u-stale")
    old = int((time.time() - 600) * 1000)
    response = zalo.post(text_event(APP_ID, user, "xin chào", msg_id=new_sender("msg"), timestamp_ms=old))
    assert response.status_code == 401
    zalo.ask(user, "cảm ơn")
    assert zalo.user_texts(user) == ["cảm ơn"]


def test_a_duplicate_delivery_is_acknowledged_but_answered_once(zalo):
    user = new_sender("u-dup")
    event = text_event(APP_ID, user, RATE_QUESTION, msg_id=new_sender("msg"))
    assert zalo.post(event).status_code == 200
    assert zalo.post(event).status_code == 200  # Zalo re-sends when it thinks we were too slow
    zalo.fake.wait_for_texts(user)  # the answer; a second one would come before the next message's
    zalo.ask(user, "cảm ơn")
    assert zalo.user_texts(user) == [RATE_QUESTION, "cảm ơn"]
    assert sum(SOURCE_PREFIX in text for text in zalo.fake.texts_to(user)) == 1


def test_a_sticker_gets_the_text_only_reply_without_bothering_rasa(zalo):
    user = new_sender("u-sticker")
    response = zalo.post(text_event(APP_ID, user, "", msg_id=new_sender("msg"), event_name="user_send_sticker"))
    assert response.status_code == 200
    assert zalo.fake.wait_for_texts(user) == [TEXT_ONLY_REPLY]
    assert zalo.user_texts(user) == []


def test_following_the_oa_gets_the_greeting_with_numbered_options(zalo):
    user = new_sender("u-follow")
    assert zalo.post(text_event(APP_ID, user, "", msg_id="", event_name="follow")).status_code == 200
    texts = zalo.fake.wait_for_texts(user)
    assert len(texts) == 1 and texts[0].startswith("Xin chào") and f"{OPTIONS_INTRO}\n1. " in texts[0]


def test_answering_a_number_picks_the_numbered_option(zalo, tables):
    user = new_sender("u-option")
    greeting = "\n".join(zalo.ask(user, "xin chào"))
    # (the first turn ends with the personal-data notice after the options)
    options = dict(line.split(". ", 1) for line in greeting.split(OPTIONS_INTRO)[1].strip().split("\n\n")[0].splitlines())
    assert options["2"] == "Lãi suất hộ nghèo", options  # the greeting's second quick reply
    answer = "\n".join(zalo.ask(user, "2"))
    assert tables.figure("ho_ngheo", "rate").text in answer
    # Rasa saw the option's payload, not "2".
    assert zalo.user_texts(user) == ["xin chào", RATE_QUESTION]


def test_a_long_answer_is_split_under_zalos_limit(zalo, tables):
    # The advisor's short block (issue 14) fits one message; with the personal-data notice
    # that ends a first turn, the turn is longer than one Zalo message.
    user = new_sender("u-long")
    texts = zalo.ask(user, "nhà tôi hộ cận nghèo muốn vay nuôi bò, có được không?")
    assert sum(len(t) for t in texts) > TEXT_LIMIT, "this turn is meant to be longer than one message"
    assert len(texts) >= 2 and all(len(t) <= TEXT_LIMIT for t in texts)
    assert tables.programmes["ho_can_ngheo"]["name"] in texts[0]
    assert SOURCE_PREFIX in " ".join(texts[:-1]) and "dữ liệu cá nhân" in texts[-1]


def test_personal_numbers_are_masked_before_the_tracker_store(zalo):
    user = new_sender("u-pii")
    texts = zalo.ask(user, "CCCD của tôi là 001203004567, số điện thoại 0912345678, hộ nghèo vay được bao nhiêu?")
    stored = " ".join(zalo.user_texts(user))
    assert "001203004567" not in stored and "0912345678" not in stored and "đã ẩn" in stored
    events = json.dumps(zalo.stored_events(user), ensure_ascii=False)
    assert "001203004567" not in events and "0912345678" not in events
    assert any("CCCD" in text for text in texts), "the citizen is told not to send such numbers"


def test_an_expired_token_is_refreshed_the_reply_resent_and_the_new_pair_stored(zalo, tables):
    zalo.fake.reject_token_once()
    refreshes_before = len(zalo.fake.refreshes)
    texts = zalo.ask(new_sender("u-token"), RATE_QUESTION)
    assert tables.figure("ho_ngheo", "rate").text in "\n".join(texts)
    assert len(zalo.fake.refreshes) == refreshes_before + 1
    refresh = zalo.fake.refreshes[-1]
    assert refresh["secret_key"] == APP_SECRET and refresh["form"]["app_id"] == APP_ID
    assert zalo.fake.messages[-1]["access_token"] == refresh["access_token"]
    saved = json.loads(zalo.token_file.read_text())
    assert (saved["access_token"], saved["refresh_token"]) == (refresh["access_token"], refresh["refresh_token"])
    assert stat.S_IMODE(zalo.token_file.stat().st_mode) == 0o600


def test_an_unsigned_or_unreadable_body_is_refused(zalo):
    response = zalo.post({"timestamp": "1"}, signature="x")  # a JSON object, but unsigned
    assert response.status_code == 401
    assert requests.post(zalo.webhook, data=b"\xff not json", timeout=10).status_code == 400


def test_a_zalo_citizen_sees_and_deletes_their_data_by_typing(zalo):
    """Luật 91/2025/QH15: the notice once, «xem dữ liệu», «xoa du lieu» then option 1 («Có»)."""
    from bot.channels.privacy import CONFIRM_QUESTION, notice_text

    user = new_sender("u-privacy")
    first = "\n".join(zalo.ask(user, RATE_QUESTION))
    assert notice_text() in first
    assert notice_text() not in "\n".join(zalo.ask(user, "còn hộ cận nghèo thì sao"))
    assert "2 của anh/chị" in "\n".join(zalo.ask(user, "xem du lieu cua toi"))
    question = "\n".join(zalo.ask(user, "xoa het tin nhan cua toi"))
    assert CONFIRM_QUESTION in question and f"{OPTIONS_INTRO}\n1. Có" in question
    assert "đã xóa" in "\n".join(zalo.ask(user, "1"))
    assert zalo.stored_events(user) == [], "no event of the citizen is left"


def test_opting_out_and_back_in_is_answered_before_rasa_and_kept_in_the_follower_book(zalo):
    user = new_sender("u-optout")
    book = FollowerBook(zalo.servers.workdir / "announcements" / "followers.db")
    assert zalo.post(text_event(APP_ID, user, "", msg_id="", event_name="follow")).status_code == 200
    zalo.fake.wait_for_texts(user)  # the greeting
    assert book.get(user).followed and not book.get(user).opted_out
    assert zalo.ask(user, "Hủy nhận tin")[-1] == OPTED_OUT_REPLY
    assert book.get(user).opted_out
    assert zalo.ask(user, "nhan tin")[-1] == OPTED_IN_REPLY
    assert not book.get(user).opted_out
    assert not any("nhận tin" in t or "nhan tin" in t for t in zalo.user_texts(user))  # never stored
    assert zalo.post(text_event(APP_ID, user, "", msg_id="", event_name="unfollow")).status_code == 200
    deadline = time.monotonic() + 20
    while book.get(user).followed and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not book.get(user).followed
