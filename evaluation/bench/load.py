"""Closed-loop load on a REST channel: N simulated users, each waiting for its answer.

Each simulated user is one closed loop (its next message leaves when the previous
answer arrived), like a channel gateway relaying its citizens' messages. It relays
``interleave`` conversations at a time, each under its own sender id, and never sends
two messages of one sender less than ``sender_gap`` seconds apart: a citizen types,
so a per-sender rate limit sees a human pace, while the server sees a closed loop.
Each message goes over a new connection, like messages from many devices.
Latency is measured per message; only messages sent inside the measuring window
(after the warm-up) count.

Run alone against any running bot (e.g. the scale-out behind nginx):
``python -m evaluation.bench.load --url http://127.0.0.1:8080/webhooks/rest/webhook --users 10``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import aiohttp
import numpy as np

from bot.channels.guard import BUSY_REPLY, RATE_LIMIT_REPLY
from evaluation.bench.messages import Conversation, ConversationMix

# The guarded REST channel answers 200 with these instead of an answer; they count as
# failures, not as fast answers.
REFUSALS = {RATE_LIMIT_REPLY: "rate_limited", BUSY_REPLY: "busy"}


def outcome_of(status: int, body: bytes) -> str:
    """ok, empty (no message), rate_limited, busy (past the channel's deadline) or HTTP n."""
    if status != 200:
        return f"HTTP {status}"
    replies = json.loads(body or b"[]")
    if not replies:
        return "empty"
    for reply in replies:
        for text, outcome in REFUSALS.items():
            if str(reply.get("text", "")).startswith(text):
                return outcome
    return "ok"


@dataclass
class Sample:
    sent: float  # seconds since the run started
    latency: float  # seconds
    outcome: str  # see outcome_of; an exception's name for a timeout or connection error
    kind: str = ""  # the conversation's kind (question, advisor, ...)


@dataclass
class LoadResult:
    users: int
    window: float  # seconds of measurement
    answered_total: int = 0  # real answers in all phases (warm-up included), for CPU per message
    samples: List[Sample] = field(default_factory=list)
    errors: Dict[str, int] = field(default_factory=dict)  # outcome -> count, all phases (warm-up too)

    def summary(self) -> Dict[str, Any]:
        """Throughput and latency percentiles (ms) of real answers, and what failed, in the window."""
        ok = [s.latency for s in self.samples if s.outcome == "ok"]
        latencies = np.array(ok or [float("nan")]) * 1000.0
        outcomes = Counter(s.outcome for s in self.samples)
        return {
            "users": self.users,
            "messages": len(self.samples),
            "throughput_msg_s": round(len(ok) / self.window, 2) if self.window else 0.0,
            "p50_ms": round(float(np.percentile(latencies, 50)), 1),
            "p95_ms": round(float(np.percentile(latencies, 95)), 1),
            "p99_ms": round(float(np.percentile(latencies, 99)), 1),
            "mean_ms": round(float(np.mean(latencies)), 1),
            "max_ms": round(float(np.max(latencies)), 1),
            "errors": len(self.samples) - outcomes["ok"],
            "rate_limited": outcomes["rate_limited"],
            "busy": outcomes["busy"],
            "outcomes": dict(outcomes),
            "p95_ms_by_kind": {
                kind: round(float(np.percentile([s.latency for s in self.samples if s.kind == kind], 95)) * 1000, 1)
                for kind in sorted({s.kind for s in self.samples if s.outcome == "ok"})
            },
        }


class _Stream:
    """One conversation in flight: its sender id, remaining messages, next allowed send."""

    def __init__(self, conversation: Conversation, sender: str):
        self.sender = sender
        self.kind = conversation.kind
        self.remaining = list(conversation.messages)
        self.not_before = 0.0


async def _user(session: aiohttp.ClientSession, url: str, mix: ConversationMix, user: int, run_id: str,
                started: float, warmup_end: float, deadline: float, interleave: int, sender_gap: float,
                timeout: float, result: LoadResult) -> None:
    counter = 0

    def new_stream() -> _Stream:
        nonlocal counter
        counter += 1
        return _Stream(mix.draw(), f"bench-{run_id}-u{user}-c{counter}")

    streams = [new_stream() for _ in range(interleave)]
    while True:
        stream = min(streams, key=lambda s: s.not_before)
        now = time.monotonic()
        if stream.not_before > now:
            await asyncio.sleep(stream.not_before - now)
        sent = time.monotonic()
        if sent >= deadline:
            return
        try:
            async with session.post(url, json={"sender": stream.sender, "message": stream.remaining[0]},
                                    timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                outcome = outcome_of(response.status, await response.read())
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            outcome = type(error).__name__
        result.answered_total += outcome == "ok"
        if outcome != "ok":
            result.errors[outcome] = result.errors.get(outcome, 0) + 1
        finished = time.monotonic()
        if warmup_end <= sent < deadline:
            result.samples.append(Sample(sent - started, finished - sent, outcome, stream.kind))
        stream.remaining.pop(0)
        stream.not_before = finished + sender_gap
        if not stream.remaining:
            streams[streams.index(stream)] = new_stream()


async def run_load(url: str, mix: ConversationMix, users: int, duration: float, warmup: float = 3.0,
                   interleave: int = 8, sender_gap: float = 1.0, timeout: float = 30.0) -> LoadResult:
    """Run ``users`` closed loops for ``warmup + duration`` seconds; measure the last ``duration``."""
    result = LoadResult(users, duration)
    run_id = uuid.uuid4().hex[:6]
    # A new connection per message, as from many citizens' devices: with SANIC_WORKERS
    # > 1 each connection is accepted by one worker and stays with it, so a few
    # kept-alive connections would pin the whole load to whichever workers took them.
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        warmup_end = started + warmup
        deadline = warmup_end + duration
        await asyncio.gather(*(
            _user(session, url, mix, user, run_id, started, warmup_end, deadline, interleave, sender_gap,
                  timeout, result)
            for user in range(users)
        ))
    return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="REST webhook URL")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    args = parser.parse_args(argv)
    for users in args.users:
        result = asyncio.run(run_load(args.url, ConversationMix.ours(), users, args.duration, args.warmup))
        print(json.dumps({**result.summary(), "error_kinds": result.errors}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
