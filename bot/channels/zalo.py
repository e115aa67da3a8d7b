"""The Zalo Official Account channel: ``POST /webhooks/zalo/webhook``.

Zalo gives a webhook 2 seconds to answer 200 and keeps re-sending (then disables the
webhook) otherwise, while an answer can take longer. So the webhook only checks the
delivery (signature, age, duplicate) and acknowledges; the message is answered in the
background and the replies go out through the OA API (``bot.channels.zalo_client``).

Citizens' text goes through the same message guard as every channel
(``bot.channels.guard``): cleaned, cut, personal numbers masked before Rasa stores it,
rate-limited, with a "busy" reply when Rasa cannot answer. Images, stickers, voice and
the like get a polite "text only" reply; following the OA gets the greeting.

Every citizen the channel hears from (a message, a follow) is kept in the follower book
(``bot/stores/announcements.py``) that the staff app sends approved announcements to;
«hủy nhận tin» / «nhận tin» (accented or not) opt out and back in, answered here like
the privacy phrases, never stored; unfollowing stops announcements too.

Configured by ``credentials.zalo.yml`` (environment variables only); see the README.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.stores.announcements import (
    OPTED_IN_REPLY, OPTED_OUT_REPLY, UNAVAILABLE_REPLY, ZALO_SENDER_PREFIX, FollowerBook, subscription_request,
)
from bot.channels.guard import MessageGuard, Screened, answer
from bot.stores.shared_state import SharedState, shared_state
from bot.channels.zalo_client import ZaloApiError, ZaloClient, make_client
from bot.channels.zalo_replies import TEXT_LIMIT, TEXT_ONLY_REPLY, OptionMemory, to_zalo
from bot.channels.zalo_webhook import SIGNATURE_HEADER, ZaloEvent, is_fresh, parse_body, parse_event, signature_matches
from bot.channels.privacy import PrivacyDesk

logger = logging.getLogger(__name__)

# Following the OA is answered like a greeting: Rasa's greeting, with its quick replies.
GREET_COMMAND = "/greet"
# Credentials keys (credentials.zalo.yml) and the environment variables that fill them.
REQUIRED_CREDENTIALS = {
    "app_id": "ZALO_APP_ID",
    "oa_secret_key": "ZALO_OA_SECRET_KEY",
    "app_secret": "ZALO_APP_SECRET",
    "refresh_token": "ZALO_REFRESH_TOKEN",
}
SENDER_PREFIX = ZALO_SENDER_PREFIX
# Zalo re-delivers within minutes; a day covers any retry.
DELIVERY_MEMORY_SECONDS = 24 * 3600


class ZaloDesk(PrivacyDesk):
    """The privacy desk plus «hủy nhận tin» / «nhận tin»: exact phrases answered before Rasa, never stored."""

    def __init__(self, agent_of: Callable[[], Any], state: SharedState, followers: Callable[[], FollowerBook]) -> None:
        super().__init__(agent_of, state)
        self.followers = followers

    async def intercept(self, text: str, sender_id: str) -> Tuple[List[Dict[str, Any]], bool]:
        wish = subscription_request(text)
        if wish is None:
            return await super().intercept(text, sender_id)
        try:
            await asyncio.to_thread(self.followers().set_opted_out, sender_id[len(SENDER_PREFIX):], wish == "out")
            reply = OPTED_OUT_REPLY if wish == "out" else OPTED_IN_REPLY
        except Exception as error:  # noqa: BLE001 - a citizen always gets an answer
            logger.error("Zalo: could not record an announcement opt-%s: %s", wish, error)
            reply = UNAVAILABLE_REPLY
        logger.info("Zalo: a citizen opted %s of announcements", wish)
        return [self._reply(sender_id, reply)], False


class ZaloOAInput(InputChannel):
    """Receives Zalo OA webhook events and answers through the OA message API."""

    def __init__(self, app_id: str, oa_secret_key: str, client: ZaloClient, guard: Optional[MessageGuard] = None,
                 max_age_seconds: float = 300.0, answer_deadline: float = 10.0, text_limit: int = TEXT_LIMIT,
                 max_turns: int = 2, state: Optional[SharedState] = None) -> None:
        self.app_id = app_id
        self.oa_secret_key = oa_secret_key
        self.client = client
        self.guard = guard or MessageGuard()
        self.max_age_seconds = max_age_seconds
        self.answer_deadline = answer_deadline
        self.text_limit = text_limit
        # Message ids already accepted, so a re-delivery is not answered twice, whichever
        # Rasa process or machine it reaches.
        self.state = state or shared_state()
        self.options = OptionMemory(self.state)
        # «xem/xóa dữ liệu của tôi» and the first-contact notice need Rasa's agent (bot/channels/privacy.py).
        self.app: Any = None
        self._followers: Optional[FollowerBook] = None
        self.privacy = ZaloDesk(lambda: getattr(getattr(self.app, "ctx", None), "agent", None), self.state,
                                self.followers)
        self._tasks: Set["asyncio.Task[None]"] = set()
        # Rasa runs NLU and policies on the event loop that also serves the webhook, so a
        # burst of turns in flight delays every acknowledgement; two at a time kept the
        # ack p95 near 150 ms instead of 800 ms in tests/integration/bench_zalo_webhook.py.
        self._turns = asyncio.Semaphore(max_turns)

    @classmethod
    def name(cls) -> Text:
        return "zalo"

    def followers(self) -> FollowerBook:
        """The follower book, opened on first use (after Sanic forked its workers)."""
        if self._followers is None:
            self._followers = FollowerBook()
        return self._followers

    async def _remember(self, event: ZaloEvent) -> None:
        """Keep the citizen in the follower book (who wrote when, who followed or left)."""
        try:
            if event.kind == "unfollow":
                await asyncio.to_thread(self.followers().seen, event.user_id, False, False)
            else:
                await asyncio.to_thread(self.followers().seen, event.user_id, True if event.kind == "follow" else None,
                                        event.kind != "follow")
        except Exception as error:  # noqa: BLE001 - answering matters more than the book
            logger.error("Zalo: could not update the follower book: %s", error)

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ZaloOAInput":
        values = {key: str((credentials or {}).get(key) or "").strip()
                  for key in list(REQUIRED_CREDENTIALS) + ["access_token"]}
        missing = [env for key, env in REQUIRED_CREDENTIALS.items() if not values[key]]
        if missing:
            raise RasaException(f"The Zalo OA channel needs these environment variables: {', '.join(missing)}")
        env = os.environ
        client = make_client(values["app_id"], values["app_secret"], values["access_token"], values["refresh_token"])
        logger.info("Zalo OA channel on /webhooks/zalo/webhook (API %s, tokens in %s)",
                    client.settings.api_base, client.tokens.path)
        return cls(values["app_id"], values["oa_secret_key"], client,
                   max_age_seconds=float(env.get("ZALO_SIGNATURE_MAX_AGE_SECONDS", "300")),
                   answer_deadline=float(env.get("ZALO_ANSWER_DEADLINE_SECONDS", "10")),
                   text_limit=int(env.get("ZALO_TEXT_LIMIT", str(TEXT_LIMIT))),
                   max_turns=max(1, int(env.get("ZALO_MAX_CONCURRENT_TURNS", "2"))))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"zalo_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            self.app = request.app
            status, reason = self.accept(request.body or b"", request.headers.get(SIGNATURE_HEADER), on_new_message)
            return response.json({"status": reason}, status=status)

        @webhook.listener("after_server_stop")
        async def close_client(app: Any, loop: Any) -> None:
            await self.client.close()

        return webhook

    def accept(self, body: bytes, signature: Optional[str],
               on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Tuple[int, str]:
        """Check a delivery and start answering it; returns the HTTP status and why.

        Does no I/O, so Zalo gets its 200 at once; the answer is a background task.
        """
        data = parse_body(body)
        if data is None:
            return 400, "not a JSON object"
        timestamp = str(data.get("timestamp", ""))
        if not signature_matches(signature, self.app_id, body, timestamp, self.oa_secret_key):
            logger.warning("Zalo webhook: rejected a delivery with a missing or wrong signature")
            return 401, "bad signature"
        if not is_fresh(timestamp, self.max_age_seconds):
            logger.warning("Zalo webhook: rejected a delivery older than %.0f s", self.max_age_seconds)
            return 401, "stale"
        event = parse_event(data)
        if event.kind == "ignored":
            return 200, "ignored"
        if not self.state.add_if_absent(f"zalo-delivery:{event.delivery_key}", DELIVERY_MEMORY_SECONDS):
            logger.info("Zalo webhook: duplicate delivery of %s ignored", event.name)
            return 200, "duplicate"
        task = asyncio.ensure_future(self.handle(event, on_new_message))
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._finished)
        return 200, "accepted"

    def _finished(self, task: "asyncio.Task[None]") -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("Zalo: answering an event failed", exc_info=task.exception())

    async def handle(self, event: ZaloEvent, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Answer one accepted event and send the replies to the citizen."""
        sender_id = SENDER_PREFIX + event.user_id
        await self._remember(event)
        if event.kind == "unfollow":
            return
        if event.kind == "media":
            if self.guard.limiter.allow(sender_id):  # a burst of stickers does not get a burst of replies
                await self.deliver(event.user_id, [TEXT_ONLY_REPLY])
            return

        async def run_rasa(text: str, collector: CollectingOutputChannel) -> None:
            await on_new_message(UserMessage(text, collector, sender_id, input_channel=self.name(),
                                             metadata={"zalo_event": event.name, "zalo_msg_id": event.msg_id}))

        async with self._turns:  # waiting here does not count against the answer deadline
            if event.kind == "follow":
                screened = Screened(GREET_COMMAND)  # our own command, not the citizen's text
            else:  # read "2" against the options offered last, now that earlier turns are done
                screened = self.guard.screen(self.options.resolve(sender_id, event.text), sender_id)
            replies = await answer(screened, sender_id, run_rasa, CollectingOutputChannel(), deadline=self.answer_deadline,
                                   privacy=self.privacy)
        outgoing = to_zalo(replies, self.text_limit)
        self.options.remember(sender_id, outgoing.option_payloads)  # this turn's options replace older ones
        await self.deliver(event.user_id, outgoing.messages)

    async def deliver(self, user_id: str, messages: List[str]) -> None:
        """Send messages in order; after a failure the rest would read out of context."""
        for text in messages:
            try:
                await self.client.send_text(user_id, text)
            except ZaloApiError as error:
                logger.error("Zalo: could not send a reply (%s); the rest of this turn is dropped", error)
                return
