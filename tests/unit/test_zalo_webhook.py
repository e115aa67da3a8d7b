"""Zalo webhook deliveries: the signature, the age check and reading the event."""

from __future__ import annotations

import hashlib
import json

import pytest

from bot.channels.zalo_webhook import ZaloEvent, is_fresh, parse_body, parse_event, signature_matches

APP_ID, SECRET = "4300000000000000001", "oa-secret"
BODY = json.dumps({"app_id": APP_ID, "event_name": "user_send_text", "timestamp": "1700000000000",
                   "sender": {"id": "246"}, "message": {"msg_id": "m1", "text": "Lãi suất bao nhiêu?"}},
                  ensure_ascii=False).encode("utf-8")
# Zalo's formula written out on its own: sha256 hex of app_id + raw body + timestamp + OA secret key.
ZALO_SIGNATURE = hashlib.sha256(APP_ID.encode() + BODY + b"1700000000000" + SECRET.encode()).hexdigest()


@pytest.mark.parametrize("header", [ZALO_SIGNATURE, "mac=" + ZALO_SIGNATURE, ZALO_SIGNATURE.upper(),
                                    f" mac={ZALO_SIGNATURE} "])
def test_zalos_signature_is_accepted_with_or_without_the_mac_prefix(header):
    assert signature_matches(header, APP_ID, BODY, "1700000000000", SECRET)


@pytest.mark.parametrize("header, body, timestamp, secret", [
    (None, BODY, "1700000000000", SECRET),                            # missing
    ("", BODY, "1700000000000", SECRET),                              # empty
    (ZALO_SIGNATURE, BODY + b" ", "1700000000000", SECRET),           # body changed after signing
    (ZALO_SIGNATURE, BODY, "1700000000001", SECRET),                  # timestamp changed
    (ZALO_SIGNATURE, BODY, "1700000000000", "another-secret"),        # signed with another key
    (ZALO_SIGNATURE, BODY, "1700000000000", ""),                      # no key configured
    (ZALO_SIGNATURE[:-1], BODY, "1700000000000", SECRET),             # truncated
    ("mac=" + "é" * 64, BODY, "1700000000000", SECRET),               # not even hex
    (hashlib.sha256(BODY).hexdigest(), BODY, "1700000000000", SECRET),  # a hash of the body alone
])
def test_anything_else_is_rejected(header, body, timestamp, secret):
    assert not signature_matches(header, APP_ID, body, timestamp, secret)


def test_an_hmac_of_the_body_is_not_zalos_signature():
    import hmac
    forged = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert not signature_matches(forged, APP_ID, BODY, "1700000000000", SECRET)


@pytest.mark.parametrize("timestamp, fresh", [
    ("1700000000000", True), (1700000000000, True),
    ("1699999760000", True),   # 4 minutes old
    ("1699999690000", False),  # 5 min 10 s old
    ("1700000400000", False),  # 6.7 minutes in the future
    ("", False), ("abc", False), (None, False), ("nan", False), ("-5", False),
])
def test_only_recent_events_are_fresh(timestamp, fresh):
    assert is_fresh(timestamp, max_age_seconds=300, now=1_700_000_000.0) is fresh


def test_a_text_event_is_read_with_ids_as_strings():
    data = {"event_name": "user_send_text", "timestamp": 1700000000000, "sender": {"id": 5123456789012345678},
            "recipient": {"id": "oa"}, "message": {"msg_id": "abc", "text": "xin chào"}}
    event = parse_event(data)
    assert event == ZaloEvent("user_send_text", "5123456789012345678", "xin chào", "abc", "1700000000000")
    assert event.kind == "text" and event.delivery_key == "abc"


@pytest.mark.parametrize("name, kind", [
    ("user_send_sticker", "media"), ("user_send_image", "media"), ("user_send_gif", "media"),
    ("user_send_audio", "media"), ("user_send_file", "media"), ("user_send_location", "media"),
    ("user_send_video", "media"), ("user_send_business_card", "media"),
    ("oa_send_text", "ignored"), ("oa_send_image", "ignored"), ("user_seen_message", "ignored"),
    ("user_received_message", "ignored"), ("", "ignored"),
])
def test_events_are_sorted_by_what_the_channel_does_with_them(name, kind):
    event = parse_event({"event_name": name, "sender": {"id": "u1"}, "message": {"msg_id": "m"}})
    assert event.kind == kind


def test_follow_reads_the_follower_and_has_a_key_without_msg_id():
    event = parse_event({"event_name": "follow", "follower": {"id": "u9"}, "oa_id": "oa", "timestamp": "17"})
    assert (event.kind, event.user_id, event.delivery_key) == ("follow", "u9", "follow:u9:17")


def test_unfollow_reads_the_follower_so_announcements_stop():
    event = parse_event({"event_name": "unfollow", "follower": {"id": "u9"}, "oa_id": "oa", "timestamp": "18"})
    assert (event.kind, event.user_id) == ("unfollow", "u9")


def test_an_oa_event_never_names_the_oa_as_a_citizen():
    event = parse_event({"event_name": "oa_send_text", "sender": {"id": "oa"}, "recipient": {"id": "u1"},
                         "message": {"msg_id": "m", "text": "trả lời"}})
    assert event.user_id == "" and event.kind == "ignored"


@pytest.mark.parametrize("data", [{}, {"event_name": 5}, {"event_name": "user_send_text", "sender": "x"},
                                  {"event_name": "user_send_text", "sender": {"id": None}, "message": []},
                                  {"event_name": "user_send_text", "sender": {"id": "u"}, "message": {"text": 7}}])
def test_malformed_events_do_not_raise(data):
    event = parse_event(data)
    assert event.kind in ("ignored", "text") and isinstance(event.text, str)


@pytest.mark.parametrize("body", [b"", b"[]", b"not json", b"\xff\xfe", b'"text"', b"{" * 100000])
def test_a_body_that_is_not_a_json_object_is_refused(body):
    assert parse_body(body) is None
