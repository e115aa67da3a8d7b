"""Start and stop the scale-out deployment (scripts/scale_out.sh) on free loopback ports.

Used by the scale-out test and the benchmark. Everything the script starts runs in one
process group, so stopping it ends exactly that deployment. PostgreSQL runs as the
``postgres`` user, so its data directory lives in a folder that user can reach.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

from bot.channels.guard import BUSY_REPLY
from evaluation.servers import ROOT, free_port


@dataclass
class ScaleOut:
    """One running deployment: nginx in front of ``rasa_instances`` Rasa servers."""

    rasa_instances: int = 2
    action_instances: int = 2
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="scale-out-")))
    process: Optional[subprocess.Popen] = None
    ports: Dict[str, int] = field(default_factory=dict)
    rasa_ports: List[int] = field(default_factory=list)
    secrets: Dict[str, str] = field(default_factory=dict)
    rate_limit_burst: int = 8

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['public']}/webhooks/rest/webhook"

    @property
    def log(self) -> Path:
        return self.workdir / "scale_out.log"

    def env(self) -> Dict[str, str]:
        self.ports = {name: free_port() for name in ("public", "action_proxy", "postgres", "redis")}
        self.rasa_ports = [free_port() for _ in range(self.rasa_instances)]
        self.secrets = {"PG_PASSWORD": secrets.token_hex(12), "REDIS_PASSWORD": secrets.token_hex(12),
                        "RASA_API_TOKEN": secrets.token_hex(12)}
        return {
            **os.environ, **self.secrets, "SKIP_SETUP": "1",
            "SCALE_DIR": str(self.workdir / "run"), "PG_DATA": str(self.workdir / "postgres"),
            "PUBLIC_PORT": str(self.ports["public"]), "ACTION_PROXY_PORT": str(self.ports["action_proxy"]),
            "PG_PORT": str(self.ports["postgres"]), "REDIS_PORT": str(self.ports["redis"]),
            "RASA_PORTS": " ".join(map(str, self.rasa_ports)),
            "RATE_LIMIT_PER_MINUTE": "20", "RATE_LIMIT_BURST": str(self.rate_limit_burst),
            "ACTION_PORTS": " ".join(str(free_port()) for _ in range(self.action_instances)),
        }

    def start(self, timeout: float = 420.0) -> float:
        """Run the start script; return seconds until nginx relays a first real answer."""
        self.workdir.chmod(0o755)  # the postgres user must reach its data directory
        started = time.monotonic()
        self.process = subprocess.Popen(
            ["bash", "scripts/scale_out.sh"], cwd=ROOT, env=self.env(), stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"scale_out.sh exited; log:\n{self.diagnostics()}")
            if b"ready:" in self.log.read_bytes():
                try:
                    replies, _ = self.say(f"warm-{secrets.token_hex(4)}", "Lãi suất cho vay hộ nghèo là bao nhiêu?")
                    if replies and not replies[0].get("text", "").startswith(BUSY_REPLY):
                        return time.monotonic() - started
                except (requests.RequestException, AssertionError):
                    pass
            time.sleep(1.0)
        raise TimeoutError(f"scale-out not ready after {timeout} s; log:\n{self.diagnostics()}")

    def diagnostics(self) -> str:
        parts = [self.log.read_text(errors="replace")[-2000:]]
        for log in sorted((self.workdir / "run" / "logs").glob("*")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}")
        return "\n".join(parts)

    def say(self, sender: str, text: str, timeout: float = 60) -> tuple:
        """(replies, the Rasa instance that answered as host:port) for one message through nginx."""
        response = requests.post(self.rest_url, json={"sender": sender, "message": text}, timeout=timeout)
        assert response.status_code == 200, response.text
        return response.json(), response.headers.get("X-Served-By", "")

    def tracker(self, rasa_port: int, sender: str) -> Dict:
        """The conversation as one Rasa instance reads it from the shared tracker store."""
        response = requests.get(f"http://127.0.0.1:{rasa_port}/conversations/{sender}/tracker",
                                params={"token": self.secrets["RASA_API_TOKEN"]}, timeout=30)
        response.raise_for_status()
        return response.json()

    def psql(self, query: str) -> str:
        """Run one query in the deployment's PostgreSQL database as the bot's user."""
        return subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.ports["postgres"]), "-U", "rasa", "-d", "rasa", "-tAc", query],
            env={**os.environ, "PGPASSWORD": self.secrets["PG_PASSWORD"]}, check=True, capture_output=True, text=True,
        ).stdout.strip()

    def redis(self, *command: str) -> str:
        return subprocess.run(
            ["redis-cli", "-p", str(self.ports["redis"]), *command],
            env={**os.environ, "REDISCLI_AUTH": self.secrets["REDIS_PASSWORD"]}, check=True, capture_output=True,
            text=True,
        ).stdout

    def stop(self) -> None:
        """Ask the script to stop its servers, then end whatever is left of its process group."""
        if self.process is not None and self.process.poll() is None:
            pgid = os.getpgid(self.process.pid)
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
            time.sleep(1.0)
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)
