"""The per-message gains of the serving patches that act on a parse or on event reading.

``.venv/rasa/bin/python -m evaluation.bench.patch_gains`` loads the served model once per
configuration, in its own process (stock Rasa, each NLU patch alone, the three together)
and times ``Agent.parse_message`` over held-out messages (CPU time of the process, less
sensitive than wall time to other work on the machine); then it times finding the
event classes of a stored conversation with Rasa's class walk and with the lookup table.
Figures go in the README's "Serving patches" table; the machine is shared, so compare
figures of one run only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[2]
PARSE_PATCHES = ("graph_without_dask", "direct_graph_call", "sparse_feature_join")

PARSE = """
import asyncio, json, os, sys, time, yaml
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from bot import patches
chosen = json.loads(sys.argv[1])
patches.apply(only=["one_tf_thread"] + chosen)
from rasa.core.agent import Agent
from bot.train_if_changed import current_model
agent = Agent.load(str(current_model()))
texts = [e["text"] for e in yaml.safe_load(open("tests/data/nlu_heldout.yml", encoding="utf-8"))["examples"]]
texts = texts[: int(sys.argv[2])]
async def run():
    for text in texts[:20]:
        await agent.parse_message(text)
    times = []
    for text in texts:  # CPU time: the machine is shared, and TensorFlow runs on one thread here
        began = time.process_time()
        await agent.parse_message(text)
        times.append(time.process_time() - began)
    return times
print("TIMES " + json.dumps(asyncio.run(run())))
"""


def parse_times(chosen: List[str], messages: int) -> List[float]:
    result = subprocess.run([sys.executable, "-c", PARSE, json.dumps(chosen), str(messages)], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    line = next(line for line in result.stdout.splitlines() if line.startswith("TIMES "))
    return json.loads(line[len("TIMES "):])


def event_lookup_times(repeat: int) -> Dict[str, float]:
    """Microseconds per event-class lookup over the event names of a typical conversation."""
    from rasa.shared.core.events import Event

    from bot import patches

    # The events a two-turn advisor conversation stores (tests/integration/test_stock_rasa.py).
    names = ["action", "session_started", "action", "user", "slot", "slot", "user_featurization", "action",
             "active_loop", "slot", "slot", "slot", "bot", "action", "user", "slot", "action", "bot", "action"]

    def per_lookup() -> float:
        began = time.process_time()
        for _ in range(repeat):
            for name in names:
                Event.resolve_by_type(name)
        return (time.process_time() - began) / (repeat * len(names)) * 1e6

    stock = min(per_lookup() for _ in range(3))
    patches.apply(only=["event_lookup"])
    patched = min(per_lookup() for _ in range(3))
    return {"stock_us": stock, "patched_us": patched, "events_per_conversation": len(names)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300, help="held-out messages parsed per configuration")
    parser.add_argument("--rounds", type=int, default=2, help="times each configuration is measured (interleaved)")
    args = parser.parse_args()
    configurations = {"stock": [], **{name: [name] for name in PARSE_PATCHES}, "all three": list(PARSE_PATCHES)}
    measured: Dict[str, List[float]] = {name: [] for name in configurations}
    for _ in range(args.rounds):
        for name, chosen in configurations.items():
            measured[name] += parse_times(chosen, args.messages)
    stock_mean = statistics.mean(measured["stock"]) * 1000
    print(f"Agent.parse_message over {args.messages} held-out messages, {args.rounds} rounds (CPU ms a parse):")
    for name, times in measured.items():
        mean, median = statistics.mean(times) * 1000, statistics.median(times) * 1000
        print(f"  {name:20} mean {mean:6.2f}  median {median:6.2f}  ({mean - stock_mean:+.2f} ms against stock)")
    lookups = event_lookup_times(2000)
    print(f"Event.resolve_by_type: stock {lookups['stock_us']:.1f} µs, patched {lookups['patched_us']:.2f} µs a lookup "
          f"({lookups['events_per_conversation']} lookups in a two-turn conversation's events)")


if __name__ == "__main__":
    main()
