"""A model built for prediction (bot/patches/fast_model_load.py) parses exactly as
Rasa's own load, which fits one training step first (issue 18: faster, smaller start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any, List

import pytest

from bot.train_if_changed import current_model

ROOT = Path(__file__).resolve().parents[2]
PARSE = """
import asyncio, json, os, sys, yaml
os.environ["RASA_FAST_LOAD"] = "1" if sys.argv[1] == "fast" else "0"
import bot.patches as patches
patches.apply()  # as served: every serving patch, with or without the prediction-only load
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[2])
texts = []
for name in ("tests/data/nlu_heldout.yml", "tests/data/nlu_heldout_fresh.yml"):
    texts += [e["text"] for e in yaml.safe_load(open(name, encoding="utf-8"))["examples"]]
async def parse():
    out = []
    for text in texts[::3][:120]:
        r = await agent.parse_message(text)
        out.append([r["intent"]["name"], round(r["intent"]["confidence"], 5),
                    [[e["entity"], e["value"]] for e in r["entities"]],
                    [[i["name"], round(i["confidence"], 5)] for i in r["intent_ranking"][:3]]])
    return out
print("PARSES " + json.dumps(asyncio.run(parse())))
"""


def _parses(mode: str, model: Path) -> List[Any]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", PARSE, mode, str(model)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("PARSES "))
    return json.loads(line[len("PARSES "):])


def a_complete_model() -> Path:
    """The model of the current data, else the newest complete one (training may be under way)."""
    candidates = [current_model(), *sorted(current_model().parent.glob("model-*.tar.gz"),
                                           key=lambda path: path.stat().st_mtime, reverse=True)]
    for model in candidates:
        try:
            with tarfile.open(model) as archive:
                archive.getmembers()
            return model
        except (OSError, tarfile.TarError, EOFError):
            continue
    pytest.skip("no trained model (set-up trains it)")


def test_prediction_load_parses_like_rasas_load() -> None:
    model = a_complete_model()
    rasa, fast = _parses("rasa", model), _parses("fast", model)
    assert len(rasa) == 120
    assert fast == rasa
