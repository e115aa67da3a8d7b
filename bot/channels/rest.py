"""Rasa's REST channel, hardened: same URL and JSON as ``rest``, with the message guard.

``POST /webhooks/rest/webhook`` with ``{"sender": "...", "message": "..."}`` answers a
list of ``{"recipient_id", "text", "buttons"?}`` exactly like Rasa's own REST channel,
but a body that is not valid UTF-8 or JSON never turns into a 500: a readable message
gets a polite reply, an unreadable request a 400 with a Vietnamese explanation.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import (
    MessageGuard,
    answer,
    clean_sender,
    metadata_too_large,
    screen_metadata,
)
from bot.stores.announcements import ZALO_SENDER_PREFIX
from bot.channels.privacy import PrivacyDesk

logger = logging.getLogger(__name__)

BAD_REQUEST_TEXT = (
    "Yêu cầu không đúng định dạng: cần JSON {\"sender\": \"mã người gửi\", \"message\": \"câu hỏi\"}."
)
TOO_LARGE_TEXT = (
    "Yêu cầu quá lớn: chỉ gửi mã người gửi, câu hỏi (tối đa 1.000 ký tự được đọc) "
    "và một ít thông tin kèm theo."
)
# The REST channel's own limit on a whole request (Rasa's server refuses more than
# SANIC_REQUEST_MAX_SIZE for every channel); a long message under it is cut, not refused.
MAX_BODY_BYTES = int(os.environ.get("REST_MAX_BODY_BYTES", "262144"))
# Conversations of channels that authenticate their users (Zalo signs every event) must
# not be reachable from the open REST endpoint, where anyone can pick a sender id.
RESERVED_SENDER_PREFIXES = (ZALO_SENDER_PREFIX,)


def parse_body(body: bytes) -> Optional[Dict[str, Any]]:
    """The JSON object of a request body, tolerating broken UTF-8 inside strings."""
    try:
        # strict=False: raw control characters inside a string are cleaned later, not refused.
        data = json.loads(body.decode("utf-8", errors="replace"), strict=False)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


class GuardedRestInput(RestInput):
    """The REST channel every client (web widget, terminal chat, tests) talks to."""

    def __init__(self, guard: Optional[MessageGuard] = None) -> None:
        self.guard = guard or MessageGuard()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GuardedRestInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": TOO_LARGE_TEXT}, status=413)
            data = parse_body(request.body or b"")
            sender_id = clean_sender(data.get("sender")) if data else None
            if sender_id is None or sender_id.startswith(RESERVED_SENDER_PREFIXES):
                return response.json({"error": BAD_REQUEST_TEXT}, status=400)
            if metadata_too_large(data.get("metadata")):
                return response.json({"error": TOO_LARGE_TEXT}, status=413)
            message = data.get("message")
            # Only known keys, cut and masked: metadata is stored with every event.
            metadata = screen_metadata(data.get("metadata"))
            screened = self.guard.screen(message if isinstance(message, str) else None, sender_id)

            async def run_rasa(text: str, collector: CollectingOutputChannel) -> None:
                await on_new_message(UserMessage(text, collector, sender_id,
                                                 input_channel=self.name(), metadata=metadata))

            replies = await answer(screened, sender_id, run_rasa, CollectingOutputChannel(),
                                   privacy=PrivacyDesk.for_app(request.app))
            return response.json(replies)

        # Conversations older than the retention period are deleted by each Rasa process
        # (bot/stores/retention.py); every deployment registers this channel.
        @webhook.listener("after_server_start")
        async def start_retention(app: Any, loop: Any) -> None:
            from bot.stores.retention import run_periodically

            self._retention = asyncio.ensure_future(run_periodically(
                lambda: getattr(getattr(app.ctx, "agent", None), "tracker_store", None)))

        @webhook.listener("before_server_stop")
        async def stop_retention(app: Any, loop: Any) -> None:
            task = getattr(self, "_retention", None)
            if task is not None:
                task.cancel()

        return webhook
