"""The web chat widget's channel: its page and files, conversation history and feedback.

Rasa mounts this blueprint under ``/webhooks/web/``:

- ``GET /webhooks/web/`` — a full-page chat (the demo page a commune can link to);
- ``GET /webhooks/web/widget.js`` and ``widget.css`` — the widget a website embeds with
  one ``<script>`` tag (see README);
- ``GET /webhooks/web/history?sender=…`` — the conversation so far (user and bot
  messages, and the citizen's 👍/👎) from the tracker store, so a reload shows it;
- ``POST /webhooks/web/feedback`` — ``{"sender", "rating": "up"|"down", "bot_text"}``,
  stored with the conversation as a ``SlotSet("answer_feedback", …)`` event that the
  officers' review queue reads.
- ``GET /webhooks/web/announcement`` — the current approved announcement
  (``{"announcement": {"id", "text", "expires"}}`` or ``null``), read-only, from the file
  the staff app publishes (``bot/stores/announcements.py``); the history answer carries it too,
  so the widget shows it as a new conversation's first message and in a banner.

Messages themselves go through the guarded REST channel (``/webhooks/rest/webhook``),
so they are cleaned, masked and rate-limited like every other message. The widget's
conversations have ids ``web-`` + 32 hex digits (a random UUID kept in the browser);
history and feedback accept only such ids, so no other channel's conversation (a Zalo
user's, whose id may be known) can be read or written here.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.stores.announcements import PublishedAnnouncements
from bot.channels.guard import RATE_LIMIT_REPLY, RateLimiter
from bot.channels.rest import parse_body

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
SENDER_PATTERN = re.compile(r"^web-[0-9a-f]{32}$")
FEEDBACK_SLOT = "answer_feedback"
RATINGS = ("up", "down")
# Enough for the longest advisor answer; a longer text is cut (the review queue shows it).
MAX_BOT_TEXT_CHARS = 4000
# A reload shows at most this many exchanges.
MAX_HISTORY_TURNS = 60
WELCOME_RESPONSE = "utter_greet"

BAD_SENDER_TEXT = "Mã cuộc trò chuyện không hợp lệ."
BAD_FEEDBACK_TEXT = 'Góp ý cần JSON {"sender", "rating": "up" hoặc "down", "bot_text": "câu trả lời"}.'
UNKNOWN_ANSWER_TEXT = "Không tìm thấy câu trả lời này trong cuộc trò chuyện."
NOT_READY_TEXT = "Hệ thống đang khởi động, anh/chị vui lòng thử lại sau ít phút."

# What each file is served as. The widget files are cached briefly and revalidated by
# ETag, so a fix reaches every commune website within minutes.
_STATIC_FILES = {
    "index.html": ("text/html; charset=utf-8", "no-cache"),
    "widget.js": ("text/javascript; charset=utf-8", "public, max-age=300"),
    "widget.css": ("text/css; charset=utf-8", "public, max-age=300"),
}
# The demo page runs only its own files: no inline script, nothing from elsewhere.
_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'"
)
_WHITESPACE = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str
    cache_control: str
    etag: str
    mtime_ns: int


def load_static_file(name: str, directory: Path = STATIC_DIR) -> StaticFile:
    content_type, cache_control = _STATIC_FILES[name]
    path = directory / name
    mtime_ns = path.stat().st_mtime_ns
    body = path.read_bytes()
    return StaticFile(body, content_type, cache_control, '"' + hashlib.sha256(body).hexdigest()[:20] + '"', mtime_ns)


def valid_sender(sender: Any) -> Optional[str]:
    return sender if isinstance(sender, str) and SENDER_PATTERN.match(sender) else None


def _normalized(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _paragraphs(text: str) -> List[str]:
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


def _buttons(data: Dict[str, Any]) -> List[Dict[str, str]]:
    buttons = []
    for button in data.get("buttons") or []:
        if isinstance(button, dict) and isinstance(button.get("title"), str) and isinstance(button.get("payload"), str):
            buttons.append({"title": button["title"], "payload": button["payload"]})
    return buttons


def conversation_turns(events: List[Any]) -> List[Dict[str, Any]]:
    """The conversation as exchanges: a user message, the bot's messages, the rating.

    A rating (``answer_feedback``) belongs to the latest exchange before it whose bot
    text it rates; a later rating of the same answer replaces an earlier one.
    """
    turns: List[Dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered) and event.text:
            turns.append({"user": event.text, "bot": [], "rating": None})
        elif isinstance(event, BotUttered) and (event.text or event.data.get("buttons")):
            if not turns:
                turns.append({"user": None, "bot": [], "rating": None})
            turns[-1]["bot"].append({"text": event.text or "", "buttons": _buttons(event.data or {})})
        elif isinstance(event, SlotSet) and event.key == FEEDBACK_SLOT and isinstance(event.value, dict):
            rated = _normalized(str(event.value.get("bot_text") or ""))
            for turn in reversed(turns):
                text = _normalized("\n\n".join(m["text"] for m in turn["bot"]))
                if rated and text and text[: len(rated)] == rated:
                    turn["rating"] = event.value.get("rating") if event.value.get("rating") in RATINGS else None
                    break
    return [t for t in turns if t["bot"] or t["user"]][-MAX_HISTORY_TURNS:]


def verified_answer_text(bot_text: str, events: List[Any]) -> str:
    """The whole bot messages of this conversation that ``bot_text`` holds, as sent.

    The widget sends the text it shows: the parts of one turn's messages joined by blank
    lines (the REST channel splits a message at them). A bot message counts only when
    every one of its paragraphs is there, exactly: a fragment ("a") or a made-up text rates
    nothing, so the review queue never holds text a client made up, and notices the
    channel adds without Rasa ("hệ thống đang bận") are left out. Empty when nothing matches.
    """
    given = _paragraphs(bot_text)
    wanted = {_normalized(p) for p in given}
    covered = set()
    for event in events:
        if isinstance(event, BotUttered) and event.text:
            parts = {_normalized(p) for p in _paragraphs(event.text)}
            if parts and parts <= wanted:
                covered |= parts
    kept = [p for p in given if _normalized(p) in covered]
    return "\n\n".join(kept)[:MAX_BOT_TEXT_CHARS]


def welcome_message(agent: Any) -> Optional[Dict[str, Any]]:
    """The greeting shown before a new conversation's first message (not stored)."""
    try:
        variants = agent.domain.responses.get(WELCOME_RESPONSE) or []
    except AttributeError:
        return None
    for variant in variants:
        if isinstance(variant, dict) and isinstance(variant.get("text"), str):
            return {"text": variant["text"], "buttons": _buttons(variant)}
    return None


def _json(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, headers={"Cache-Control": "no-store"})


def _ready_agent(request: Request) -> Optional[Any]:
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        return None
    return agent


class WebChatInput(InputChannel):
    """Serves the web widget; its messages go through the guarded REST channel."""

    def __init__(self, limiter: Optional[RateLimiter] = None) -> None:
        self.limiter = limiter or RateLimiter.shared()
        self.files = {name: load_static_file(name) for name in _STATIC_FILES}
        self.announcements = PublishedAnnouncements()

    @classmethod
    def name(cls) -> Text:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        return cls()

    def current_announcement(self) -> Optional[Dict[str, Any]]:
        """The approved announcement shown today, or None (none approved, all expired, file unreadable)."""
        current = self.announcements.current()
        return current.as_json() if current else None

    def _file(self, name: str) -> StaticFile:
        """The file from memory; read again when it changed on disk (a deployed fix, an edit)."""
        file = self.files[name]
        try:
            if (STATIC_DIR / name).stat().st_mtime_ns != file.mtime_ns:
                file = self.files[name] = load_static_file(name)
        except OSError:
            pass  # keep serving the copy in memory
        return file

    def _serve(self, request: Request, name: str) -> HTTPResponse:
        file = self._file(name)
        headers = {
            "Cache-Control": file.cache_control,
            "ETag": file.etag,
            "X-Content-Type-Options": "nosniff",
        }
        if name == "index.html":
            headers["Content-Security-Policy"] = _PAGE_CSP
            headers["Referrer-Policy"] = "no-referrer"
        if request.headers.get("if-none-match") == file.etag:
            return response.empty(status=304, headers=headers)
        return response.raw(file.body, content_type=file.content_type, headers=headers)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        web = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @web.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):  # the page loads "widget.js" relative to itself
                return response.redirect(f"{self.name()}/", status=301)
            return self._serve(request, "index.html")

        @web.route("/widget.js", methods=["GET"])
        async def script(request: Request) -> HTTPResponse:
            return self._serve(request, "widget.js")

        @web.route("/widget.css", methods=["GET"])
        async def style(request: Request) -> HTTPResponse:
            return self._serve(request, "widget.css")

        @web.route("/history", methods=["GET"])
        async def history(request: Request) -> HTTPResponse:
            sender = valid_sender(request.args.get("sender"))
            if sender is None:
                return _json({"error": BAD_SENDER_TEXT}, 400)
            if not self.limiter.allow(sender):
                return _json({"error": RATE_LIMIT_REPLY}, 429)
            agent = _ready_agent(request)
            if agent is None:
                return _json({"error": NOT_READY_TEXT}, 503)
            tracker = None
            if await agent.tracker_store.exists(sender):
                tracker = await agent.tracker_store.retrieve_full_tracker(sender)
            turns = conversation_turns(list(tracker.events)) if tracker else []
            return _json({"sender": sender, "turns": turns, "welcome": welcome_message(agent),
                          "announcement": self.current_announcement()})

        @web.route("/announcement", methods=["GET"])
        async def announcement(request: Request) -> HTTPResponse:
            return response.json({"announcement": self.current_announcement()},
                                 headers={"Cache-Control": "public, max-age=60"})

        @web.route("/feedback", methods=["POST"])
        async def feedback(request: Request) -> HTTPResponse:
            data = parse_body(request.body or b"") or {}
            sender = valid_sender(data.get("sender"))
            if sender is None:
                return _json({"error": BAD_SENDER_TEXT}, 400)
            rating, bot_text = data.get("rating"), data.get("bot_text")
            if rating not in RATINGS or not isinstance(bot_text, str) or not bot_text.strip():
                return _json({"error": BAD_FEEDBACK_TEXT}, 400)
            if not self.limiter.allow(sender):
                return _json({"error": RATE_LIMIT_REPLY}, 429)
            agent = _ready_agent(request)
            if agent is None:
                return _json({"error": NOT_READY_TEXT}, 503)
            # Longer than any turn's answers is not an answer; cut before any work on it.
            bot_text = bot_text[: MAX_BOT_TEXT_CHARS * 4]
            # The conversation's lock: a message being answered right now finishes first.
            async with agent.processor.lock_store.lock(sender):
                full = await agent.tracker_store.retrieve_full_tracker(sender) \
                    if await agent.tracker_store.exists(sender) else None
                verified = verified_answer_text(bot_text, list(full.events)) if full else ""
                if not verified:
                    return _json({"error": UNKNOWN_ANSWER_TEXT}, 404)
                tracker = await agent.tracker_store.retrieve(sender)  # the current session
                tracker.update(SlotSet(FEEDBACK_SLOT, {"rating": rating, "bot_text": verified}))
                await agent.tracker_store.save(tracker)
            logger.info("feedback %s stored for a web conversation", rating)
            return _json({"stored": True, "rating": rating})

        return web
