"""Servers started by the benchmark: cold start to first answer, memory, clean stop.

Each server command runs in its own session, so stopping it ends exactly the process
group the benchmark started (the start script, the action server, Rasa and any Sanic
workers), and psutil can follow the whole tree to sample memory.

Memory is sampled as RSS and as PSS (proportional set size, ``/proc/<pid>/smaps_rollup``):
RSS counts a page shared by forked workers (or mapped from one file by several
processes) once in every process, so summing RSS overstates what a server needs;
PSS divides each shared page among the processes sharing it, so PSS sums to the
memory a server really takes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Union

import psutil
import requests

from evaluation.bench.load import outcome_of
from evaluation.scale_out import ScaleOut


def role_of(process: psutil.Process) -> str:
    """A short name for a server process, from its command line."""
    try:
        command = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    for needle, role in (("rasa_sdk", "action server"), ("actions.serve", "action server"), ("rasa run", "rasa"), ("bin/rasa", "rasa"), ("bot.serve", "rasa"),
                         ("staff", "staff tools"), ("nginx", "nginx"), ("redis-server", "redis"),
                         ("postgres", "postgresql")):
        if needle in command:
            return role
    return "other"


def reply_text(response: requests.Response) -> str:
    """The bot's reply texts of a REST answer, joined (JSON escapes undone)."""
    try:
        return "\n".join(str(reply.get("text", "")) for reply in response.json())
    except (ValueError, AttributeError):
        return ""


def pss_mb(pid: int) -> Optional[float]:
    """Proportional set size of a process in MB (None when it is gone or unreadable)."""
    parts = pss_parts_mb(pid)
    return None if parts is None else parts.get("Pss")


def pss_parts_mb(pid: int) -> Optional[Dict[str, float]]:
    """``Pss`` and its ``Pss_Anon`` / ``Pss_File`` / ``Pss_Shmem`` parts in MB (None when unreadable).

    Anonymous memory is what a leak grows. File-backed pages (the model files, shared
    libraries) may be dropped by the kernel under pressure or by proactive reclaim and
    read back later, which moves the total PSS without the process doing anything: in
    issue 18's hour-long soak the first reading was ~100 MB under idle for that reason.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            parts = {line.split(":", 1)[0]: int(line.split()[1]) / 1024.0
                     for line in rollup if line.startswith("Pss")}
    except OSError:
        return None
    return parts if "Pss" in parts else None


def process_tree(process: Optional[subprocess.Popen]) -> List[psutil.Process]:
    """A started command and all its descendants (empty once it has exited)."""
    if process is None or process.poll() is not None:
        return []
    try:
        root = psutil.Process(process.pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


@dataclass
class Server:
    """One started command (a start script or a single server) and its process tree."""

    name: str
    command: List[str]
    env: Dict[str, str]
    log: Path
    rest_url: str
    cwd: Optional[Path] = None
    process: Optional[subprocess.Popen] = None
    launched: float = 0.0

    def start(self) -> None:
        self.launched = time.monotonic()
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def processes(self) -> List[psutil.Process]:
        return process_tree(self.process)

    def start_and_wait(self, message: str, expect: str = "") -> float:
        """Start; seconds from the start command to the first answer to ``message``."""
        self.start()
        return self.wait_first_answer(self.rest_url, message, expect=expect)

    def wait_first_answer(self, url: str, message: str, timeout: float = 300.0, expect: str = "") -> float:
        """Seconds from launch to the first real answer to ``message`` containing ``expect``.

        Not the channel's 'busy' reply nor the "temporarily unavailable" answer of an action
        server still loading: a start is over when a citizen gets the right answer.
        """
        deadline = self.launched + timeout
        attempt = 0
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; log:\n{self.log.read_text(errors='replace')[-3000:]}")
            attempt += 1
            try:  # a new sender each time: a half-answered try must not change the next one's dialogue
                response = requests.post(url, json={"sender": f"cold-{self.name}-{attempt}", "message": message},
                                         timeout=30)
                if outcome_of(response.status_code, response.content) == "ok" and expect in reply_text(response):
                    return time.monotonic() - self.launched
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"{self.name}: no answer after {timeout} s; log:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        """End the process group this server was started in."""
        if self.process is None or self.process.poll() is not None:
            return
        pgid = os.getpgid(self.process.pid)
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)
        time.sleep(0.5)  # let workers of the group exit too
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class ScaleOutServer:
    """The scale-out deployment (nginx, Rasa and action servers, PostgreSQL, Redis) as one server."""

    def __init__(self, name: str, instances: int):
        self.name = name
        self.deployment = ScaleOut(rasa_instances=instances, action_instances=instances)

    @property
    def rest_url(self) -> str:
        return self.deployment.rest_url

    def start_and_wait(self, message: str, expect: str = "") -> float:
        return self.deployment.start()

    def processes(self) -> List[psutil.Process]:
        return process_tree(self.deployment.process)

    def stop(self) -> None:
        self.deployment.stop()


@dataclass
class MemorySampler:
    """Samples RSS, PSS and CPU of servers' process trees in a background thread.

    Peaks are kept per process and per server role over the whole run; ``window()``
    starts a fresh peak of each server's total PSS (e.g. for one load level) and
    ``snapshot()`` reads the current PSS of every process once (e.g. at idle).
    """

    servers: List[Union[Server, ScaleOutServer]]
    interval: float = 0.5
    peak_by_process: Dict[str, float] = field(default_factory=dict)  # "server/role pid" -> RSS MB
    peak_by_role: Dict[str, float] = field(default_factory=dict)  # "server/role" -> RSS MB, summed over its pids
    peak_pss_by_role: Dict[str, float] = field(default_factory=dict)  # "server/role" -> PSS MB, summed
    window_peak_pss: Dict[str, float] = field(default_factory=dict)  # server -> peak total PSS MB since window()
    cpu_seconds: Dict[str, float] = field(default_factory=dict)  # "server/role pid" -> user+system CPU so far
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: Optional[threading.Thread] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> "MemorySampler":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def snapshot(self, server: Union[Server, ScaleOutServer]) -> Dict[str, Dict[str, float]]:
        """PSS and RSS (MB) of each serving process of ``server`` now, keyed "role pid"."""
        processes = server.processes()
        own = {p.pid: role_of(p) for p in processes}
        result: Dict[str, Dict[str, float]] = {}
        for process in processes:
            try:
                rss = process.memory_info().rss / 2**20
                role, parent = own[process.pid], process.ppid()
                while role == "other" and parent in own:  # a spawned worker is its parent's kind
                    role, parent = own[parent], psutil.Process(parent).ppid()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            parts = pss_parts_mb(process.pid)
            if role in ("other", "gone") or parts is None:
                continue  # the start script's shell
            result[f"{role} {process.pid}"] = {"pss_mb": round(parts["Pss"], 1), "rss_mb": round(rss, 1),
                                               "pss_anon_mb": round(parts.get("Pss_Anon", 0.0), 1)}
        return result

    def window(self) -> None:
        """Start a new peak of each server's total PSS."""
        with self._lock:
            self.window_peak_pss = {}

    def sample(self) -> None:
        for server in self.servers:
            processes = server.processes()
            now = self.snapshot(server)
            pss_totals: Dict[str, float] = {}
            totals: Dict[str, float] = {}
            for process in processes:
                try:
                    cpu = process.cpu_times()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                found = next((k for k in now if k.endswith(f" {process.pid}")), None)
                if found is None:
                    continue
                key = f"{server.name}/{found.rsplit(' ', 1)[0]}"
                pid_key = f"{key} {process.pid}"
                megabytes = now[found]["rss_mb"]
                self.peak_by_process[pid_key] = max(self.peak_by_process.get(pid_key, 0.0), megabytes)
                self.cpu_seconds[pid_key] = cpu.user + cpu.system
                totals[key] = totals.get(key, 0.0) + megabytes
                pss_totals[key] = pss_totals.get(key, 0.0) + now[found]["pss_mb"]
            for key, megabytes in totals.items():
                self.peak_by_role[key] = max(self.peak_by_role.get(key, 0.0), megabytes)
            for key, megabytes in pss_totals.items():
                self.peak_pss_by_role[key] = max(self.peak_pss_by_role.get(key, 0.0), megabytes)
            if pss_totals:
                with self._lock:
                    total = sum(pss_totals.values())
                    self.window_peak_pss[server.name] = max(self.window_peak_pss.get(server.name, 0.0), total)

    def cpu_by_role(self) -> Dict[str, float]:
        """CPU seconds used so far by each server role (all its processes)."""
        self.sample()
        totals: Dict[str, float] = {}
        for pid_key, seconds in self.cpu_seconds.items():
            role = pid_key.rsplit(" ", 1)[0]
            totals[role] = totals.get(role, 0.0) + seconds
        return totals

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


def by_role(snapshot: Dict[str, Dict[str, float]], measure: str = "pss_mb") -> Dict[str, float]:
    """A snapshot's ``measure`` summed per role ("rasa", "action server", ...) and in total."""
    totals: Dict[str, float] = {}
    for key, figures in snapshot.items():
        role = key.rsplit(" ", 1)[0]
        totals[role] = round(totals.get(role, 0.0) + figures[measure], 1)
    totals["total"] = round(sum(figures[measure] for figures in snapshot.values()), 1)
    return totals
