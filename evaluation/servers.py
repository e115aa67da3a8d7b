"""Start and stop the real servers (action server, Rasa) for end-to-end tests.

The servers run exactly as ``scripts/start.sh`` runs them, on free loopback ports and
with a fresh SQLite tracker store, so tests talk to the bot the way a channel does.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

from bot.stores.private_files import write_token

ROOT = Path(__file__).resolve().parents[1]
RASA_BIN = ROOT / ".venv" / "rasa" / "bin"
ACTIONS_PYTHON = ROOT / ".venv" / "actions" / "bin" / "python"
ACTION_TOKEN = secrets.token_hex(16)


def new_sender(prefix: str = "test") -> str:
    """A fresh conversation id, so tests never share a tracker."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def texts(replies: List[Dict]) -> str:
    """All reply texts of one REST answer, one per line."""
    return "\n".join(r.get("text", "") for r in replies)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def current_model() -> Path:
    output = subprocess.run(
        [str(RASA_BIN / "python"), "-c", "from bot.train_if_changed import current_model; print(current_model())"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return Path(output.stdout.strip())


def wait_until(url: str, timeout: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early; log:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not up after {timeout} s; log:\n{log.read_text(errors='replace')[-3000:]}")


@dataclass
class BotServers:
    """A running action server + Rasa server pair."""

    workdir: Path
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)
    # More environment for the servers, e.g. CONTENT_DIR / KNOWLEDGE_INDEX_DIR of a copy.
    extra_env: Dict[str, str] = field(default_factory=dict)
    api_token: str = field(default_factory=lambda: secrets.token_hex(16))
    # What Rasa sends the action server (X-Action-Token); the action server refuses the rest.
    # One per test run, so a Rasa started by another pair can share an action server.
    action_token: str = ACTION_TOKEN
    credentials: str = "credentials.yml"  # e.g. a file that adds the Zalo channel
    staff_port: int = field(default_factory=free_port)
    # Plain `rasa run` without the serving patches (bot/patches), as `RASA_STOCK=1 make start`
    # runs it: no HTTP API (its token would be on the command line), only the channels.
    # RASA_STOCK=1 in the tests' environment makes it the default (the channel tests on stock Rasa).
    stock: bool = field(default_factory=lambda: os.environ.get("RASA_STOCK", "0") == "1")

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"

    @property
    def action_headers(self) -> Dict[str, str]:
        """What a direct call to the action server needs (Rasa sends the same)."""
        return {"X-Action-Token": self.action_token}

    @property
    def staff_url(self) -> str:
        return f"http://127.0.0.1:{self.staff_port}"

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(
            ACTION_ENDPOINT_URL=self.action_url,
            TRACKER_DB=str(self.workdir / "conversations.db"), LOCK_DB=str(self.workdir / "locks.db"),
            HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="2",
            SQLALCHEMY_SILENCE_UBER_WARNING="1", RASA_API_TOKEN_FILE=str(self.token_file()),
            ACTION_SERVER_TOKEN=self.action_token, ACTION_HOST="127.0.0.1",
            # Dialogue tests type faster than a citizen; tests of the limit set their own.
            RATE_LIMIT_PER_MINUTE="120", RATE_LIMIT_BURST="20", SANIC_REQUEST_MAX_SIZE="262144",
        )
        env.pop("RASA_API_TOKEN", None)
        env.update(self.extra_env)
        return env

    def token_file(self) -> Path:
        """The API token in a 0600 file, as scripts/env.sh keeps it (bot.serve reads it)."""
        path = self.workdir / "rasa_api_token"
        if not path.exists() or path.read_text("utf-8") != self.api_token:
            write_token(self.api_token, path)
        return path

    def start_actions(self) -> None:
        log = self.workdir / "actions.log"
        self.processes["actions"] = subprocess.Popen(
            [str(ACTIONS_PYTHON), "-m", "actions.serve", "--actions", "actions", "--port", str(self.action_port)],
            cwd=ROOT, env=self.env(), stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )
        wait_until(f"http://127.0.0.1:{self.action_port}/health", 120, self.processes["actions"], log)

    def start_rasa(self, model: Optional[Path] = None, wait: bool = True) -> None:
        log = self.workdir / "rasa.log"
        served = [str(RASA_BIN / "rasa"), "run"] if self.stock else \
            [str(RASA_BIN / "python"), "-m", "bot.serve", "run", "--enable-api"]
        command: List[str] = [
            *served, "--cors", "*", "--port", str(self.rasa_port),
            "--model", str(model or current_model()), "--credentials", self.credentials,
            "--endpoints", "endpoints.yml",
        ]
        self.processes["rasa"] = subprocess.Popen(
            command, cwd=ROOT, env=self.env(), stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )
        if wait:
            self.wait_for_rasa()

    def wait_for_rasa(self) -> None:
        log = self.workdir / "rasa.log"
        wait_until(f"http://127.0.0.1:{self.rasa_port}/", 240, self.processes["rasa"], log)

    def start_staff_app(self) -> None:
        """The staff web app (staff), reading this pair's tracker store and Rasa."""
        log = self.workdir / "staff.log"
        env = {**self.env(), "ADMIN_HOST": "127.0.0.1", "ADMIN_PORT": str(self.staff_port),
               "RASA_URL": f"http://127.0.0.1:{self.rasa_port}"}
        self.processes["staff"] = subprocess.Popen(
            [str(ACTIONS_PYTHON), "-m", "staff.app"], cwd=ROOT, env=env, stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_until(f"{self.staff_url}/health", 60, self.processes["staff"], log)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def say(self, sender: str, text: str, timeout: float = 30) -> List[Dict]:
        response = requests.post(self.rest_url, json={"sender": sender, "message": text}, timeout=timeout)
        assert response.status_code == 200, response.text
        return response.json()


@contextmanager
def running_bot(workdir: Path, **options: object) -> Iterator[BotServers]:
    """An action server + Rasa pair for the length of a ``with`` block (options as BotServers')."""
    servers = BotServers(workdir, **options)  # type: ignore[arg-type]
    try:
        servers.start_actions()
        servers.start_rasa()
        yield servers
    finally:
        servers.stop_all()
