"""A Rasa server with the Zalo OA channel, talking to a fake OA API (tests and benchmark).

Rasa is configured exactly as scripts/start.sh does it when ZALO_APP_ID is set:
credentials.yml + credentials.zalo.yml, every value from the environment.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests

from tests.integration.fake_zalo import FakeZalo, post_event, text_event
from evaluation.servers import ROOT, BotServers, new_sender

APP_ID, OA_SECRET, APP_SECRET = "4318000000000000001", "oa-secret-for-tests", "app-secret-for-tests"


@dataclass
class ZaloBot:
    servers: BotServers
    fake: FakeZalo

    @classmethod
    def start(cls, workdir: Path, action_port: Optional[int] = None) -> "ZaloBot":
        """Start the fake API and Rasa (and an action server unless ``action_port`` has one)."""
        fake = FakeZalo(APP_ID, APP_SECRET, access_token="access-0", refresh_token="refresh-0").start()
        credentials = workdir / "credentials.yml"
        credentials.write_text((ROOT / "credentials.yml").read_text() + "\n"
                               + (ROOT / "credentials.zalo.yml").read_text())
        env = {
            "ZALO_APP_ID": APP_ID, "ZALO_OA_SECRET_KEY": OA_SECRET, "ZALO_APP_SECRET": APP_SECRET,
            "ZALO_ACCESS_TOKEN": "access-0", "ZALO_REFRESH_TOKEN": "refresh-0",
            "ZALO_API_BASE": fake.url, "ZALO_OAUTH_BASE": fake.url,
            "ZALO_TOKEN_FILE": str(workdir / "zalo_tokens.json"), "ZALO_BACKOFF_SECONDS": "0.05",
        }
        servers = BotServers(workdir, credentials=str(credentials), extra_env=env)
        if action_port is not None:
            servers.action_port = action_port
        bot = cls(servers, fake)
        try:
            if action_port is None:
                servers.start_actions()
            servers.start_rasa()
        except BaseException:
            bot.stop()
            raise
        return bot

    def stop(self) -> None:
        self.servers.stop_all()
        self.fake.stop()

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.servers.rasa_port}/webhooks/zalo/webhook"

    @property
    def token_file(self) -> Path:
        return self.servers.workdir / "zalo_tokens.json"

    def post(self, event: Dict[str, Any], **kwargs: Any) -> requests.Response:
        """POST an event to the webhook, signed as Zalo signs it (see ``post_event``)."""
        return post_event(self.webhook, event, APP_ID, OA_SECRET, **kwargs)

    def ask(self, user: str, text: str) -> List[str]:
        """Send a signed text event and return the texts the citizen then receives."""
        before = len(self.fake.texts_to(user))
        response = self.post(text_event(APP_ID, user, text, msg_id=new_sender("msg")))
        assert response.status_code == 200, response.text
        return self.fake.wait_for_texts(user, before + 1)[before:]

    def stored_events(self, user: str) -> List[Dict[str, Any]]:
        """The tracker store's events of this citizen's conversation."""
        with sqlite3.connect(self.servers.workdir / "conversations.db") as db:
            rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (f"zalo_{user}",)).fetchall()
        return [json.loads(row[0]) for row in rows]

    def user_texts(self, user: str) -> List[str]:
        """What the tracker store holds as this citizen's messages."""
        return [event.get("text") for event in self.stored_events(user) if event.get("event") == "user"]
