"""Load benchmark of the bot beside a vanilla ``rasa init`` bot, in one run.

``bash scripts/bench.sh`` (or ``python -m evaluation.bench`` in the action server's
environment). First each bot alone (no other bot's processes sharing its pages): start
command to first correct answer (cold start), the proportional set size (PSS) of each
serving process at idle and under 10-user load, and for ours a bounded soak (memory
growth under replayed load, ``--soak``). Then both bots side by side: NLU parse alone,
and the message mix (evaluation/bench/messages.py) replayed with 1, 10 and 50
closed-loop users against each in turn while sampling every server process's memory;
then retrieval alone and index growth. Figures are printed and written to ``results/bench-<time>.json`` and ``.png``.
The machine is shared, so the ratio to the vanilla bot is the figure to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import requests

from evaluation.bench import report
from evaluation.bench.load import run_load
from evaluation.bench.messages import SINGLE_SOURCES, ConversationMix, load_conversations
from evaluation.bench.processes import MemorySampler, ScaleOutServer, Server, by_role
from evaluation.bench.vanilla import RASA, VANILLA_DIR, vanilla_messages, vanilla_model
from evaluation.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
FIRST_QUESTION = "Lãi suất cho vay hộ nghèo là bao nhiêu?"  # needs NLU, policies and the action server
FIRST_ANSWER_HAS = "Nguồn: "  # a knowledge answer with its source: the index and model are loaded
IDLE_SETTLE_MAX_S = 60.0
# Set by scripts/env.sh from SERVER_PROFILE: not inherited from the benchmark's own environment.
PROFILE_SETTINGS = ("SERVER_PROFILE", "SANIC_WORKERS", "STAFF_KNOWLEDGE_IDLE_SECONDS")  # background loading (action server warm-up, staff app) must end before "idle"
API_TOKEN = secrets.token_hex(16)  # Rasa's HTTP API (/model/parse) of the bots started here


class Bot:
    """A bot to measure: its server(s), message mix, and Rasa port for ``/model/parse``."""

    def __init__(self, name: str, server: Union[Server, ScaleOutServer], mix: ConversationMix, first: str,
                 parse_texts: Sequence[str] = (), port: Optional[int] = None, expect: str = ""):
        self.name, self.server, self.mix, self.first = name, server, mix, first
        self.parse_texts, self.port, self.expect = parse_texts, port, expect

    @property
    def rest_url(self) -> str:
        return self.server.rest_url

    def start(self) -> float:
        seconds = self.server.start_and_wait(self.first, self.expect)
        print(f"[bench] {self.name}: first answer {seconds:.1f} s after the start command", flush=True)
        return round(seconds, 1)

    def parse_ms(self) -> Dict[str, float]:
        """``/model/parse`` alone (tokenizer, featurizers, DIET), one message at a time."""
        times = []
        with requests.Session() as session:
            for text in self.parse_texts:
                started = time.perf_counter()
                session.post(f"http://127.0.0.1:{self.port}/model/parse", json={"text": text},
                             params={"token": API_TOKEN}, timeout=30).raise_for_status()
                times.append((time.perf_counter() - started) * 1000.0)
        return {"n": len(times), "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(float(np.percentile(times, 95)), 1)}


def our_bot(name: str, checkout: Path, workdir: Path, logs: Path, extra_env: Dict[str, str],
            own_settings: bool = False) -> Bot:
    """Our bot from a checkout (this one, or e.g. the main branch for a before/after run)."""
    rasa_port, action_port = free_port(), free_port()
    data = workdir / name
    data.mkdir()
    env = {**os.environ, "SKIP_SETUP": "1", "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port),
           "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook", "LOG_DIR": str(logs / name),
           "TRACKER_DB": str(data / "conversations.db"), "LOCK_DB": str(data / "locks.db"),
           # Each bot serves its own copy of its checkout's content: scripts/env.sh exports one
           # CONTENT_DIR, and a baseline's start would otherwise sync its older content into it.
           "CONTENT_DIR": str(data / "content"),
           "ADMIN_PORT": str(free_port()), "RASA_API_TOKEN": API_TOKEN, **extra_env}
    for profile_setting in PROFILE_SETTINGS:  # that checkout's scripts/env.sh decides, from SERVER_PROFILE
        if own_settings or profile_setting not in extra_env:
            env.pop(profile_setting, None)
    server = Server(name, ["bash", "scripts/start.sh"], env, logs / f"{name}.log", _rest_url(rasa_port), cwd=checkout)
    singles = [c.messages[0] for c in load_conversations()["question"]]
    return Bot(name, server, ConversationMix.ours(), FIRST_QUESTION, singles[::4], rasa_port, FIRST_ANSWER_HAS)


def vanilla_bot(logs: Path) -> Bot:
    model = vanilla_model()
    port = free_port()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    server = Server("vanilla", [str(RASA), "run", "--enable-api", "--port", str(port), "--model", str(model)],
                    env, logs / "vanilla.log", _rest_url(port), cwd=VANILLA_DIR)
    texts = vanilla_messages()
    return Bot("vanilla", server, ConversationMix.single_messages(texts), "hello", (texts * 3)[:150], port)


def scale_out_bot(instances: int) -> Bot:
    """The scale-out deployment with ``instances`` Rasa and action servers behind nginx."""
    return Bot(f"scale-out x{instances}", ScaleOutServer(f"scale-out x{instances}", instances),
               ConversationMix.ours(), FIRST_QUESTION, expect=FIRST_ANSWER_HAS)


def _rest_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/webhooks/rest/webhook"


def _cpu_per_message(before: Dict[str, float], after: Dict[str, float], bot: str, result: Any) -> Dict[str, float]:
    """CPU milliseconds each of the bot's servers spent per answered message."""
    return {role.split("/", 1)[1]: round((after[role] - before.get(role, 0.0)) * 1000.0 / max(result.answered_total, 1), 1)
            for role in after if role.startswith(f"{bot}/")}


def settled_snapshot(sampler: MemorySampler, bot: Bot) -> Dict[str, Dict[str, float]]:
    """Per-process memory once the bot's total PSS stopped changing (within 1 % over 3 s)."""
    deadline = time.monotonic() + IDLE_SETTLE_MAX_S
    before = by_role(sampler.snapshot(bot.server))["total"]
    while True:
        time.sleep(3.0)
        now = sampler.snapshot(bot.server)
        total = by_role(now)["total"]
        if abs(total - before) <= 0.01 * max(before, 1.0) or time.monotonic() > deadline:
            return now
        before = total


def soak(sampler: MemorySampler, bot: Bot, users: int, seconds: float, record: Dict[str, Any]) -> None:
    """Replayed load for ``seconds`` with the total PSS read between slices (a bounded leak check).

    The first reading follows a slice of load, so what a first answer of each kind loads
    (lazily) is not counted as growth.
    """
    slice_s = max(10.0, seconds / 12.0)
    readings: List[Dict[str, float]] = []
    answered = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        result = asyncio.run(run_load(bot.rest_url, bot.mix, users, slice_s, warmup=0.0))
        answered += result.answered_total
        snapshot = sampler.snapshot(bot.server)
        readings.append({"t_s": round(time.monotonic() - started), **by_role(snapshot),
                         "anon_total": by_role(snapshot, "pss_anon_mb")["total"]})
    first, last = readings[0]["total"], readings[-1]["total"]
    first_anon, last_anon = readings[0]["anon_total"], readings[-1]["anon_total"]
    record["soak"][bot.name] = {
        "users": users, "seconds": round(time.monotonic() - started), "answered": answered,
        "readings": readings, "growth_pct": round(100.0 * (last - first) / max(first, 1e-9), 2),
        "max_pss_mb": max(r["total"] for r in readings),
        # Anonymous memory alone (what a leak grows; the kernel may drop and re-read file pages).
        "anon_growth_pct": round(100.0 * (last_anon - first_anon) / max(first_anon, 1e-9), 2),
    }
    print(f"[bench] {bot.name} soak: total PSS {first} -> {last} MB over {readings[-1]['t_s']} s "
          f"({record['soak'][bot.name]['growth_pct']} %); anonymous PSS {first_anon} -> {last_anon} MB "
          f"({record['soak'][bot.name]['anon_growth_pct']} %)", flush=True)


def measure_memory_alone(bots: List[Bot], users: int, duration: float, warmup: float, soak_s: float,
                         record: Dict[str, Any]) -> None:
    """Each bot alone: cold start, PSS per process at idle and under ``users`` users, and the soak.

    Alone, because PSS divides a page among every process mapping it: with the other bot
    running, the shared libraries and model files would be split with it and each bot
    would look smaller than it is on its own server.
    """
    for bot in bots:
        with MemorySampler([bot.server]) as sampler:
            try:
                record["cold_start_s"][bot.name] = bot.start()
                idle = settled_snapshot(sampler, bot)
                sampler.window()
                result = asyncio.run(run_load(bot.rest_url, bot.mix, users, duration, warmup))
                loaded = sampler.snapshot(bot.server)
                record["memory"][bot.name] = {
                    "idle": idle, "idle_by_role": by_role(idle), "idle_rss_by_role": by_role(idle, "rss_mb"),
                    "load_users": users, "load": loaded, "load_by_role": by_role(loaded),
                    "load_peak_pss_mb": round(sampler.window_peak_pss.get(bot.name, 0.0), 1),
                    "load_alone": result.summary(),
                }
                print(f"[bench] {bot.name} alone: PSS idle {by_role(idle)}, at {users} users peak total "
                      f"{record['memory'][bot.name]['load_peak_pss_mb']} MB", flush=True)
                if soak_s > 0 and bot.name.startswith("ours"):  # ours and its profiles, not baselines
                    soak(sampler, bot, users, soak_s, record)
            finally:
                bot.server.stop()


def measure_bots(bots: List[Bot], users: Sequence[int], duration: float, warmup: float,
                 record: Dict[str, Any]) -> None:
    """Cold start, parse time and load at each concurrency, with memory sampled throughout."""
    with MemorySampler([bot.server for bot in bots]) as sampler:
        try:
            for bot in bots:  # one at a time: cold start must not compete with the other bot's start
                record["cold_start_side_by_side_s"][bot.name] = bot.start()
                record["cold_start_s"].setdefault(bot.name, record["cold_start_side_by_side_s"][bot.name])
            for bot in bots:
                if bot.parse_texts:
                    record["nlu_parse"][bot.name] = bot.parse_ms()
            for count in users:
                for bot in bots:  # alternate bots per level: both see the same noise on a shared machine
                    cpu_before = sampler.cpu_by_role()
                    sampler.window()
                    result = asyncio.run(run_load(bot.rest_url, bot.mix, count, duration, warmup))
                    cpu_after = sampler.cpu_by_role()
                    row = {"bot": bot.name, **result.summary(), "error_kinds": result.errors,
                           "cpu_ms_per_message": _cpu_per_message(cpu_before, cpu_after, bot.name, result),
                           "peak_pss_mb_side_by_side": round(sampler.window_peak_pss.get(bot.name, 0.0), 1)}
                    record["load"].append(row)
                    print(f"[bench] {row}", flush=True)
        finally:
            sampler.sample()
            for bot in bots:
                bot.server.stop()
    record["peak_rss_mb"] = {
        "by_server": {k: round(v) for k, v in sampler.peak_by_role.items()},
        "by_process": {k: round(v) for k, v in sampler.peak_by_process.items()},
    }
    record["peak_pss_mb_side_by_side"] = {k: round(v) for k, v in sampler.peak_pss_by_role.items()}


def measure_retrieval(factors: Sequence[int], record: Dict[str, Any]) -> None:
    """Retrieval alone on the real index, then index growth (in this process)."""
    from evaluation.retrieval import load_questions
    from knowledge.retriever import Retriever
    from evaluation.bench.retrieval_cost import latency_ms, scale_report

    questions = [q["text"] for q in load_questions()]
    retriever = Retriever()
    retriever.search(FIRST_QUESTION)  # underthesea loads on first use
    record["retrieval"] = {"uncached": latency_ms(retriever, questions),
                           "cached": latency_ms(retriever, questions, cached=True)}
    if factors:
        record["index_scale"] = scale_report(factors, questions[::4], retriever.embedder)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 50], help="concurrency levels")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per level and bot")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each level")
    parser.add_argument("--scale", type=int, nargs="*", default=[1, 10, 100], help="corpus size factors")
    parser.add_argument("--no-vanilla", action="store_true", help="skip the vanilla rasa init bot")
    parser.add_argument("--memory-users", type=int, default=10, help="users of the memory-under-load phase")
    parser.add_argument("--soak", type=float, default=180.0,
                        help="seconds of replayed load on our bot alone with PSS read throughout (a bounded "
                             "leak check; 3600 for the hour of issue 18; 0 skips it)")
    parser.add_argument("--no-memory", action="store_true", help="skip the bots-alone phase (memory, soak)")
    parser.add_argument("--scale-out", action="store_true",
                        help="also measure scripts/scale_out.sh with 1 and then 2 Rasa and action servers")
    parser.add_argument("--only-scale-out", action="store_true", help="measure the scale-out deployments alone")
    parser.add_argument("--no-load", action="store_true", help="skip the servers (retrieval figures only)")
    parser.add_argument("--label", default="", help="a word saved with the figures (e.g. before/after)")
    parser.add_argument("--env", nargs="*", default=[], metavar="NAME=VALUE",
                        help="extra environment for our start command (e.g. RASA_WORKERS=2)")
    parser.add_argument("--profile", action="append", default=[], metavar="NAME",
                        help="also measure our bot with SERVER_PROFILE=NAME (e.g. small), named ours-NAME; repeatable")
    parser.add_argument("--baseline", action="append", default=[], metavar="[NAME=]CHECKOUT",
                        help="also measure the bot from a checkout with its own settings (its start script must "
                             "know SKIP_SETUP), named NAME (default 'before'); repeatable; '.' is this checkout")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    record: Dict[str, Any] = {
        "label": args.label, "started": stamp, "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
        "message_mix": {"sources": [*SINGLE_SOURCES, "tests/stories/*.yml"],
                        "conversations": {k: len(v) for k, v in load_conversations().items()}},
        "cold_start_s": {}, "cold_start_side_by_side_s": {}, "memory": {}, "soak": {}, "nlu_parse": {}, "load": [],
        "env": args.env,
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as temporary:
        workdir = Path(temporary)  # tracker databases; logs are kept beside the figures
        if not args.no_load:
            logs = args.out / f"bench-{stamp}-logs"
            logs.mkdir(parents=True)
            extra_env = dict(item.split("=", 1) for item in args.env)
            bots = [] if args.only_scale_out else [our_bot("ours", ROOT, workdir, logs, extra_env)]
            if not args.only_scale_out:
                bots.extend(our_bot(f"ours-{profile}", ROOT, workdir, logs, {**extra_env, "SERVER_PROFILE": profile})
                            for profile in args.profile)
            for baseline in args.baseline:
                name, _, checkout = baseline.rpartition("=")
                bots.append(our_bot(name or "before", Path(checkout).resolve(), workdir, logs, {}, own_settings=True))
            if not args.no_vanilla:
                bots.append(vanilla_bot(logs))
            if args.scale_out or args.only_scale_out:
                bots.extend(scale_out_bot(instances) for instances in (1, 2))
            if not args.no_memory:
                measure_memory_alone([bot for bot in bots if isinstance(bot.server, Server)], args.memory_users, args.duration, args.warmup, args.soak, record)
            measure_bots(bots, args.users, args.duration, args.warmup, record)
        measure_retrieval(args.scale, record)
    record["load_average_at_end"] = os.getloadavg()
    bots_measured = list(dict.fromkeys(row["bot"] for row in record["load"]))
    pairs = [("ours", other) for other in bots_measured if other != "ours"]
    pairs += [(bot, "vanilla") for bot in bots_measured if bot not in ("ours", "vanilla")]
    pairs += [("scale-out x2", "scale-out x1")]
    record["ratios"] = report.ratios(record["load"], pairs)
    path = report.write(record, args.out, f"bench-{stamp}")
    report.print_summary(record)
    print(f"\nwritten: {path} (and .png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
