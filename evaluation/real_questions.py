"""How the running bot does on questions real citizens wrote (issue 14's evaluation set).

``python -m evaluation.real_questions`` starts the bot (clock fixed to the set's
``as_of`` day, so a re-run on another day grades the same law), sends every question of
the dev and test splits (tests/data/real_questions/) as a new conversation through the
REST channel, and sorts the replies by what can be decided mechanically:

- ABSTAIN: "not sure" / a guess offered as a question to tap / the capabilities text /
  "temporarily unavailable" / "busy";
- OUT_OF_SCOPE: the out-of-scope reply (right for an out-of-scope question, an abstention otherwise);
- QUESTIONNAIRE: the advisor asked a question (household status, purpose, a condition)
  instead of answering;
- OUTDATED: a rate or poverty line stated as current that was not in force that day;
- ANSWERED: everything else, to be graded CORRECT / PARTIAL / WRONG by reading it
  against the question's ``grading`` (the replies are written to a JSON file for that).

It prints counts per split, writing style and topic. With ``--gate`` it exits 1 when the
dev split's shares fall past the thresholds of ``tests/gates.yml`` (the one file of every
threshold ``make test`` gates on). The test split is only reported: it is never gated on nor
used to tune (see tests/data/real_questions/README.md).
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
from knowledge.answering import CAPABILITIES, GUESS_TEXT, OUT_OF_SCOPE_TEXT, UNAVAILABLE_TEXT, UNSURE_TEXT
from knowledge.figure_audit import pattern, superseded_forms
from knowledge.tables import PolicyTables
from evaluation.servers import ROOT, new_sender, running_bot, texts

SET_DIR = ROOT / "tests" / "data" / "real_questions"
SPLITS = ("dev", "test")
GATES_PATH = ROOT / "tests" / "gates.yml"
KINDS = ("ANSWERED", "ABSTAIN", "OUT_OF_SCOPE", "QUESTIONNAIRE", "OUTDATED")
# Sentences about past or coming values, which may name a superseded figure with its dates,
# and the one that names a figure the citizen heard as old (knowledge/premises.py:
# "«6,6%» là mức cũ, không còn áp dụng").
_HISTORY_SENTENCE = re.compile(r"(?:Trước ngày|Từ ngày|Các mức qua từng thời kỳ|Lưu ý:)[^.]*(?:\.|$)"
                               r"|[^.\n]*là mức cũ, không còn áp dụng[^.]*(?:\.|$)"
                               # a value stated with the day it ended: "6,6%/năm đến 30/11/2025"
                               r"|\d+(?:,\d+)?%(?:/năm)?(?: \([^)]*\))? đến (?:hết )?(?:ngày )?\d{1,2}/\d{1,2}/\d{4}")


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
    if not reply.strip() or UNSURE_TEXT[:60] in reply or GUESS_TEXT[:60] in reply or UNAVAILABLE_TEXT[:60] in reply or BUSY_REPLY[:60] in reply or reply.strip() == CAPABILITIES:
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


def thresholds(path: Path = GATES_PATH) -> Dict[str, Any]:
    """What the bot must reach on real questions: the ``real_questions`` section of tests/gates.yml."""
    limits = yaml.safe_load(path.read_text(encoding="utf-8"))["real_questions"]
    if limits["split"] != "dev":
        raise ValueError("only the dev split may gate: the test split is held out")
    return limits


def gate(rows: List[Dict[str, Any]], limits: Dict[str, Any]) -> int:
    """1 (and why) when the gated split's mechanical counts pass a threshold; a line of figures either way."""
    n = max(len(rows), 1)
    counts = Counter(row["verdict"] for row in rows)
    misread = sum(row["verdict"] == "OUT_OF_SCOPE" and row.get("topic") != "out_of_scope" for row in rows)
    checks = [  # (what, value, threshold, passes)
        ("answered share", counts["ANSWERED"] / n, limits["min_answered_share"], "≥"),
        ("abstain share", counts["ABSTAIN"] / n, limits["max_abstain_share"], "≤"),
        ("questionnaire share", counts["QUESTIONNAIRE"] / n, limits["max_questionnaire_share"], "≤"),
        ("outdated", counts["OUTDATED"], limits["max_outdated"], "≤"),
        ("out-of-scope reply to an in-scope question", misread, limits["max_out_of_scope_in_scope"], "≤"),
    ]
    failures = [f"{what} {value:.3f} not {sign} {floor}" for what, value, floor, sign in checks
                if (value < floor if sign == "≥" else value > floor)]
    for failure in failures:
        print(f"Real-question gate ({limits['split']} split) failed: {failure}", file=sys.stderr)
    if not failures:
        print(f"Real-question gate ({limits['split']} split, {len(rows)} questions) passed: "
              + ", ".join(f"{what} {value:.3g} {sign} {floor}" for what, value, floor, sign in checks))
    return 1 if failures else 0


def answer_texts(replies: List[Dict[str, Any]]) -> str:
    """The reply texts without the personal-data notice every new conversation ends with (bot/channels/privacy.py),
    each followed by the titles of its buttons as the citizen sees them ("Có thể anh/chị muốn hỏi…" offers
    its questions as buttons: a grader reading the text alone would find nothing below it)."""
    from bot.channels.privacy import notice_text

    shown = [reply for reply in replies if reply.get("text") != notice_text()]
    return "\n".join(texts([reply]) + "".join(f"\n[Nút bấm: «{b.get('title', '')}»]" for b in reply.get("buttons") or [])
                     for reply in shown)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="REST webhook of a running bot (default: start one)")
    parser.add_argument("--json", type=Path, help="write every reply and verdict here")
    parser.add_argument("--gate", action="store_true",
                        help="exit 1 when the dev split passes a threshold of tests/gates.yml (test split: never)")
    args = parser.parse_args(argv)
    limits = thresholds() if args.gate else None
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
    return gate(results[limits["split"]], limits) if limits else 0


if __name__ == "__main__":
    sys.exit(main())
