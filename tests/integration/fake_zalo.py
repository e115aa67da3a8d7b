"""A fake Zalo OA API on loopback, and a signer that plays Zalo posting to the webhook.

The fake behaves like the parts of Zalo the channel relies on: the customer-service
message API accepts only the current access token (error -216 otherwise) and text of at
most 2,000 characters; the token endpoint checks the app secret and app id and accepts
each refresh token once. It records every request, can reject the current token once
(as when it expires) and can answer queued failures (HTTP 500, error -32...).

The promotion ("truyền thông") API behaves as staff/zalo_broadcast.py's sources
say: only followers (-213 otherwise), one promotion message per user per day (-218),
the OA's quota (-211 when spent), none at night (-234), users who restricted the type
(-244), a header of at most 100 characters.

The signer computes ``X-ZEvent-Signature`` from Zalo's documented formula on its own,
so that the tests do not check the channel's code against itself.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

import requests

SEND_PATH = "/v3.0/oa/message/cs"
PROMOTION_PATH = "/v3.0/oa/message/promotion"
REFRESH_PATH = "/v4/oa/access_token"
TEXT_LIMIT = 2000


class FakeZalo:
    """The OA API: records what it receives; start() before use, stop() after."""

    def __init__(self, app_id: str, app_secret: str, access_token: str, refresh_token: str) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.requests: List[Dict[str, Any]] = []  # every request: path, headers, body
        self.messages: List[Dict[str, str]] = []  # accepted messages: user_id, text, access_token
        self.refreshes: List[Dict[str, Any]] = []  # accepted refreshes: form, secret_key, new tokens
        self.queued: List[Tuple[int, Dict[str, Any]]] = []  # answers to the next sends, in order
        self._reject_token_once = False
        self.promotions: List[Dict[str, str]] = []  # accepted promotion messages: user_id, header, text
        self.followers: Optional[set] = None  # None: everyone follows the OA
        self.promotion_quota: Optional[int] = None  # the OA's remaining promotion messages; None: unlimited
        self.restricted: Dict[str, int] = {}  # user id → the error Zalo answers for them (-244, -227…)
        self.night = False
        self._promoted_today: set = set()
        self._numbers = itertools.count(1)
        self._changed = threading.Condition()
        self._server: Optional[ThreadingHTTPServer] = None

    # -- control -----------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeZalo":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake._answer(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                payload = json.dumps(answer).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def reject_token_once(self) -> None:
        """The current access token stops working: the next send gets -216."""
        with self._changed:
            self._reject_token_once = True

    def queue(self, *answers: Tuple[int, Dict[str, Any]]) -> None:
        """Answer the next sends with these (HTTP status, JSON) instead of delivering them."""
        with self._changed:
            self.queued.extend(answers)

    def promotions_to(self, user_id: str) -> List[str]:
        with self._changed:
            return [m["text"] for m in self.promotions if m["user_id"] == user_id]

    def new_day(self) -> None:
        """Midnight: every user may receive one promotion message again."""
        with self._changed:
            self._promoted_today.clear()

    def texts_to(self, user_id: str) -> List[str]:
        with self._changed:
            return self._texts(user_id)

    def wait_for_texts(self, user_id: str, count: int = 1, timeout: float = 60.0, settle: float = 0.5) -> List[str]:
        """The texts sent to ``user_id`` once there are ``count``, and no more came for ``settle`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                texts = self._texts(user_id)
                remaining = deadline - time.monotonic()
                if len(texts) >= count:
                    quiet_until = time.monotonic() + settle
                    while time.monotonic() < quiet_until and len(self._texts(user_id)) == len(texts):
                        self._changed.wait(timeout=quiet_until - time.monotonic())
                    if len(self._texts(user_id)) == len(texts):
                        return texts  # nothing new arrived: the turn is complete
                    continue
                if remaining <= 0:
                    raise TimeoutError(f"{len(texts)} of {count} texts to {user_id} after {timeout} s: {texts}")
                self._changed.wait(timeout=remaining)

    def _texts(self, user_id: str) -> List[str]:
        return [m["text"] for m in self.messages if m["user_id"] == user_id]

    # -- the API -------------------------------------------------------------------
    def _answer(self, path: str, headers: Dict[str, str], body: bytes) -> Tuple[int, Dict[str, Any]]:
        with self._changed:
            self.requests.append({"path": path, "headers": headers, "body": body})
            try:
                if path == SEND_PATH:
                    return self._send(headers, json.loads(body.decode("utf-8")))
                if path == PROMOTION_PATH:
                    return self._promotion(headers, json.loads(body.decode("utf-8")))
                if path == REFRESH_PATH:
                    return self._refresh(headers, {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()})
                return 404, {"error": -209, "message": "Not supported this api"}
            finally:
                self._changed.notify_all()

    def _send(self, headers: Dict[str, str], data: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        if self.queued:
            return self.queued.pop(0)
        token = headers.get("access_token", "")
        if self._reject_token_once and token == self.access_token:
            self._reject_token_once = False
            self.access_token = f"expired-{self.access_token}"  # only a refreshed token works now
        if token != self.access_token:
            return 200, {"error": -216, "message": "Access token is invalid"}
        text = data.get("message", {}).get("text", "")
        user_id = data.get("recipient", {}).get("user_id", "")
        if not text or len(text) > TEXT_LIMIT:
            return 200, {"error": -201, "message": "message.text is invalid"}
        self.messages.append({"user_id": user_id, "text": text, "access_token": token})
        return 200, {"error": 0, "message": "Success", "data": {"message_id": f"m{next(self._numbers)}", "user_id": user_id}}

    def _promotion(self, headers: Dict[str, str], data: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        if self.queued:
            return self.queued.pop(0)
        if headers.get("access_token", "") != self.access_token:
            return 200, {"error": -216, "message": "Access token is invalid"}
        user_id = data.get("recipient", {}).get("user_id", "")
        payload = data.get("message", {}).get("attachment", {}).get("payload", {})
        elements = {e.get("type"): e.get("content", "") for e in payload.get("elements", []) if isinstance(e, dict)}
        if payload.get("template_type") != "promotion" or not elements.get("text") or len(elements.get("header", "")) > 100:
            return 200, {"error": -201, "message": "message.attachment is invalid"}
        if self.night:
            return 200, {"error": -234, "message": "Message cannot be sent at night"}
        if self.followers is not None and user_id not in self.followers:
            return 200, {"error": -213, "message": "User has not followed OA"}
        if user_id in self.restricted:
            return 200, {"error": self.restricted[user_id], "message": "User cannot receive this message"}
        if user_id in self._promoted_today:
            return 200, {"error": -218, "message": "Out of quota receive"}
        if self.promotion_quota is not None and self.promotion_quota <= 0:
            return 200, {"error": -211, "message": "Out of quota"}
        if self.promotion_quota is not None:
            self.promotion_quota -= 1
        self._promoted_today.add(user_id)
        self.promotions.append({"user_id": user_id, "header": elements.get("header", ""), "text": elements["text"]})
        return 200, {"error": 0, "message": "Success", "data": {"message_id": f"p{next(self._numbers)}", "user_id": user_id}}

    def _refresh(self, headers: Dict[str, str], form: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
        if headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return 200, {"error": -14002, "error_name": "Invalid app", "error_description": "wrong app id or secret"}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return 200, {"error": -14014, "error_name": "Invalid refresh token", "error_description": "used or unknown"}
        number = next(self._numbers)
        self.access_token, self.refresh_token = f"access-{number}", f"refresh-{number}"  # the old refresh token is spent
        self.refreshes.append({"form": form, "secret_key": headers.get("secret_key"),
                               "access_token": self.access_token, "refresh_token": self.refresh_token})
        return 200, {"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_in": "90000"}


def zalo_signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """X-ZEvent-Signature as Zalo computes it: sha256 hex of app_id + body + timestamp + OA secret key."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def text_event(app_id: str, user_id: str, text: str, msg_id: str, timestamp_ms: Optional[int] = None,
               event_name: str = "user_send_text") -> Dict[str, Any]:
    """A webhook event as Zalo sends it (ids and timestamp as strings)."""
    event: Dict[str, Any] = {
        "app_id": app_id, "user_id_by_app": f"app-{user_id}", "event_name": event_name,
        "timestamp": str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)),
        "sender": {"id": user_id}, "recipient": {"id": "oa-1"},
        "message": {"msg_id": msg_id, "text": text},
    }
    if event_name in ("follow", "unfollow"):
        event = {"app_id": app_id, "oa_id": "oa-1", "event_name": event_name, "timestamp": event["timestamp"],
                 "follower": {"id": user_id}, "source": "oa_profile"}
    elif event_name != "user_send_text":
        event["message"] = {"msg_id": msg_id, "attachments": [{"type": "sticker", "payload": {"id": "s1"}}]}
    return event


def post_event(webhook_url: str, event: Dict[str, Any], app_id: str, oa_secret_key: str,
               signature: Optional[str] = None, timeout: float = 10.0) -> requests.Response:
    """POST an event to the webhook, signed like Zalo does unless ``signature`` is given ("" = none)."""
    body = json.dumps(event, ensure_ascii=False).encode("utf-8")
    if signature is None:
        signature = "mac=" + zalo_signature(app_id, body, event["timestamp"], oa_secret_key)
    headers = {"Content-Type": "application/json"}
    if signature:
        headers["X-ZEvent-Signature"] = signature
    return requests.post(webhook_url, data=body, headers=headers, timeout=timeout)
