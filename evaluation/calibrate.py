"""Choose the answer thresholds: answer when right, stay quiet when wrong or off-topic.

``python -m evaluation.calibrate`` scores the top FAQ hit of (a) the labelled citizen
questions, where the hit is either right or wrong, and (b) messages the bot must not
answer from the knowledge base (the out-of-scope and small-talk examples of the NLU
training data). For each threshold on the fused score it prints how many right answers
are given (coverage), how many wrong or off-topic ones slip through, and picks the
threshold with the best trade-off (a wrong answer costs twice a missed one).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Tuple

import yaml

from evaluation.retrieval import first_correct_rank, load_questions
from knowledge.retriever import Retriever

NLU_DIR = Path(__file__).resolve().parent.parent / "data" / "nlu"
MUST_NOT_ANSWER = {"out_of_scope", "greet", "goodbye", "thank", "bot_challenge"}
WRONG_ANSWER_COST = 2.0


def off_topic_messages() -> List[str]:
    messages: List[str] = []
    for path in sorted(NLU_DIR.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if block.get("intent") in MUST_NOT_ANSWER:
                messages.extend(line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- "))
    return messages


def scored(retriever: Retriever) -> Tuple[List[Tuple[float, bool]], List[float]]:
    """(fused score, top hit right?) per labelled FAQ question; fused score per off-topic one."""
    labelled = []
    for question in load_questions():
        if not any(a.startswith("faq:") for a in question["answers"]):
            continue
        retrieval = retriever.search(question["text"], top=1)
        labelled.append((retrieval.faq[0].fused, first_correct_rank(question, retrieval) == 1))
    off_topic = [retriever.search(m, top=1).faq[0].fused for m in off_topic_messages()]
    return labelled, off_topic


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    retriever = Retriever()
    labelled, off_topic = scored(retriever)
    right_total = sum(ok for _, ok in labelled)
    print(f"{len(labelled)} labelled questions ({right_total} with a right top hit), {len(off_topic)} off-topic messages")
    print(f"  {'threshold':>9} {'right answered':>15} {'wrong answered':>15} {'off-topic answered':>19} {'cost':>6}")
    best = None
    for step in range(40, 91, 2):
        threshold = step / 100
        right = sum(1 for s, ok in labelled if ok and s >= threshold)
        wrong = sum(1 for s, ok in labelled if not ok and s >= threshold)
        stray = sum(1 for s in off_topic if s >= threshold)
        cost = (right_total - right) + WRONG_ANSWER_COST * (wrong + stray)
        if best is None or cost < best[1]:
            best = (threshold, cost)
        print(f"  {threshold:>9.2f} {right:>9}/{right_total:<5} {wrong:>15} {stray:>12}/{len(off_topic):<6} {cost:>6.0f}")
    print(f"lowest cost at threshold {best[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
