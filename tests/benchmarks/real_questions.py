"""How the running bot does on questions real citizens wrote (issue 14's evaluation set).

``python -m tests.benchmarks.real_questions`` starts the bot (clock fixed to the set's
``as_of`` day, so a re-run on another day grades the same law), sends every question of
the dev and test splits (tests/data/real_questions/) as a new conversation through the
REST channel, and sorts the replies by what can be decided mechanically:

- ABSTAIN: "not sure" / the capabilities text / "temporarily unavailable" / "busy";
- OUT_OF_SCOPE: the out-of-scope reply (right for an out-of-scope question, an abstention otherwise);
- QUESTIONNAIRE: the advisor asked a question (household status, purpose, a condition)
  instead of answering;
- OUTDATED: a rate or poverty line stated as current that was not in force that day;
- ANSWERED: everything else, to be graded CORRECT / PARTIAL / WRONG by reading it
  against the question's ``grading`` (the replies are written to a JSON file for that).

It prints counts per split, writing style and topic, and always exits 0: a report, not a
gate. The test split is never used to tune (see tests/data/real_questions/README.md).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from bot.channels.guard import BUSY_REPLY
from knowledge.answering import CAPABILITIES, OUT_OF_SCOPE_TEXT, UNAVAILABLE_TEXT, UNSURE_TEXT
from knowledge.figure_audit import pattern, superseded_forms
from knowledge.tables import PolicyTables
from tests.integration.servers import ROOT, new_sender, running_bot, texts

SET_DIR = ROOT / "tests" / "data" / "real_questions"
SPLITS = ("dev", "test")
KINDS = ("ANSWERED", "ABSTAIN", "OUT_OF_SCOPE", "QUESTIONNAIRE", "OUTDATED")
# Sentences about past or coming values, which may name a superseded figure with its dates.
_HISTORY_SENTENCE = re.compile(r"(?:Trước ngày|Từ ngày|Các mức qua từng thời kỳ|Lưu ý:)[^.]*(?:\.|$)")


def load_split(split: str) -> Dict[str, Any]:
    return yaml.safe_load((SET_DIR / f"{split}.yml").read_text(encoding="utf-8"))


def advisor_questions() -> List[str]:
    """The texts the advisor asks with (utter_ask_* in domain.yml)."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [variant["text"] for name, variants in domain.get("responses", {}).items()
            if name.startswith("utter_ask_") for variant in variants if variant.get("text")]


def classify(reply: str, stale: "re.Pattern[str]", asks: List[str]) -> str:
    """The mechanical verdict on one reply."""
    if OUT_OF_SCOPE_TEXT[:40] in reply:
        return "OUT_OF_SCOPE"
    if not reply.strip() or UNSURE_TEXT[:60] in reply or UNAVAILABLE_TEXT[:60] in reply or BUSY_REPLY[:60] in reply or reply.strip() == CAPABILITIES:
        return "ABSTAIN"
    if stale.search(_HISTORY_SENTENCE.sub(" ", reply)):
        return "OUTDATED"
    if any(ask in reply for ask in asks) and "Nguồn:" not in reply:
        return "QUESTIONNAIRE"
    return "ANSWERED"


def table(title: str, rows: Dict[str, Counter]) -> str:
    lines = [title, f"  {'':<22}" + "".join(f"{k:>15}" for k in KINDS) + f"{'n':>6}"]
    for name in sorted(rows):
        counts = rows[name]
        total = sum(counts.values())
        lines.append(f"  {name:<22}" + "".join(f"{counts[k]:>8} ({counts[k] / total:>4.0%})" for k in KINDS) + f"{total:>6}")
    return "\n".join(lines)


def evaluate(say, as_of: date) -> Dict[str, Any]:
    """Ask every question through ``say(text) -> reply`` and sort the replies."""
    stale = pattern(superseded_forms(PolicyTables.load(clock=lambda: as_of), as_of))
    asks = advisor_questions()
    results: Dict[str, Any] = {}
    for split in SPLITS:
        rows = []
        for item in load_split(split)["questions"]:
            reply = say(str(item["question"]))
            rows.append({"id": item["id"], "style": item.get("style"), "topic": item.get("topic"),
                         "origin": item.get("origin"), "batch": item.get("batch", 1), "question": item["question"], "reply": reply,
                         "verdict": classify(reply, stale, asks), "grading": item.get("grading")})
        results[split] = rows
    return results


def report(results: Dict[str, Any]) -> str:
    parts = []
    for split, rows in results.items():
        by: Dict[str, Dict[str, Counter]] = {"all": defaultdict(Counter), "style": defaultdict(Counter),
                                             "topic": defaultdict(Counter), "origin": defaultdict(Counter),
                                             "batch": defaultdict(Counter)}
        for row in rows:
            by["all"][split][row["verdict"]] += 1
            for key in ("style", "topic", "origin", "batch"):
                by[key][str(row.get(key, 1))][row["verdict"]] += 1
        parts.append(f"== real citizens' questions, {split} split ({len(rows)}) ==")
        parts += [table(f"by {key}", dict(rows_by)) for key, rows_by in by.items()]
    return "\n".join(parts)


def answer_texts(replies: List[Dict[str, Any]]) -> str:
    """The reply texts without the personal-data notice every new conversation ends with (bot/privacy.py)."""
    from bot.privacy import notice_text

    return texts([reply for reply in replies if reply.get("text") != notice_text()])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="REST webhook of a running bot (default: start one)")
    parser.add_argument("--json", type=Path, help="write every reply and verdict here")
    args = parser.parse_args(argv)
    as_of = date.fromisoformat(str(load_split("dev")["as_of"]))
    if args.url:
        import requests

        def say(text: str) -> str:
            return answer_texts(requests.post(args.url, json={"sender": new_sender("realq"), "message": text},
                                              timeout=60).json())

        results = evaluate(say, as_of)
    else:
        with tempfile.TemporaryDirectory() as workdir, \
                running_bot(Path(workdir), extra_env={"POLICY_TODAY": as_of.isoformat()}) as bot:
            results = evaluate(lambda text: answer_texts(bot.say(new_sender("realq"), text, timeout=60)), as_of)
    print(report(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"replies for grading by reading: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
