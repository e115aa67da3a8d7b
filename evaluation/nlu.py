"""Intent accuracy on the held-out set, overall and by writing style.

``python -m evaluation.nlu`` (Rasa environment) parses every message of the held-out
sets in ``tests/data/`` with the trained model and prints macro-F1 for the whole set,
for accented messages and for unaccented + Zalo-style ones. The held-out messages were
written by other people than the training data and are never trained on. With
``--gate`` it exits 1 when the gated set falls below the thresholds of ``tests/gates.yml``
(the one file of every threshold ``make test`` gates on).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from bot.train_if_changed import ROOT, current_model

HELDOUT_DIR = ROOT / "tests" / "data"
# Two independent sets by different writers. "fresh" was written after the training data
# last changed and was never looked at while improving the model.
HELDOUT_SETS = {"fresh": HELDOUT_DIR / "nlu_heldout_fresh.yml", "first": HELDOUT_DIR / "nlu_heldout.yml"}
GATES_PATH = ROOT / "tests" / "gates.yml"
# Below the FallbackClassifier threshold the bot does not act on the intent; count it
# as its own label so a low-confidence "right" guess is not scored as right.
FALLBACK = "nlu_fallback"


def load_examples(path: Path) -> List[Dict[str, str]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]


def thresholds(path: Path = GATES_PATH) -> Dict[str, Any]:
    """What the NLU evaluation must reach: the ``nlu`` section of tests/gates.yml."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]


def macro_f1(gold: List[str], predicted: List[str]) -> float:
    """Macro-averaged F1 over the gold labels present."""
    from sklearn.metrics import f1_score

    labels = sorted(set(gold))
    return float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0))


async def predict(agent: Any, texts: List[str]) -> List[Dict[str, Any]]:
    return [await agent.parse_message(text) for text in texts]


def evaluate(parsed: List[Dict[str, Any]], examples: List[Dict[str, str]]) -> Dict[str, Any]:
    predicted = [p["intent"]["name"] for p in parsed]
    gold = [e["intent"] for e in examples]
    report: Dict[str, Any] = {"n": len(examples)}
    groups = {
        "all": lambda e: True,
        "accented": lambda e: e["style"] == "accented",
        "unaccented_or_zalo": lambda e: e["style"] != "accented",
        "unaccented": lambda e: e["style"] == "unaccented",
        "zalo": lambda e: e["style"] == "zalo",
    }
    for name, keep in groups.items():
        idx = [i for i, e in enumerate(examples) if keep(e)]
        report[name] = {
            "n": len(idx),
            "macro_f1": round(macro_f1([gold[i] for i in idx], [predicted[i] for i in idx]), 4),
            "accuracy": round(sum(gold[i] == predicted[i] for i in idx) / max(len(idx), 1), 4),
        }
    report["fallback_rate"] = round(predicted.count(FALLBACK) / len(predicted), 4)
    report["errors"] = [
        {"text": e["text"], "gold": g, "predicted": p}
        for e, g, p in zip(examples, gold, predicted) if g != p
    ]
    report["confusions"] = Counter(f"{g} → {p}" for g, p in zip(gold, predicted) if g != p).most_common(10)
    return report


def print_report(name: str, report: Dict[str, Any], show_errors: bool) -> None:
    print(f"Held-out NLU evaluation, set '{name}' ({report['n']} messages)")
    for group in ("all", "accented", "unaccented_or_zalo", "unaccented", "zalo"):
        r = report[group]
        print(f"  {group:<20} n={r['n']:<4} macro-F1={r['macro_f1']:.3f}  accuracy={r['accuracy']:.3f}")
    gap = report["accented"]["macro_f1"] - report["unaccented_or_zalo"]["macro_f1"]
    print(f"  accented − unaccented/Zalo gap: {gap * 100:+.1f} points; fallback rate {report['fallback_rate']:.1%}")
    print("  most frequent confusions:", ", ".join(f"{c} ×{n}" for c, n in report["confusions"]) or "none")
    if show_errors:
        for error in report["errors"]:
            print(f"    [{error['gold']} → {error['predicted']}] {error['text']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--errors", action="store_true", help="list every misclassified message")
    parser.add_argument("--json", type=Path, help="also write the full report here")
    parser.add_argument("--gate", action="store_true",
                        help=f"exit 1 when the figures fall below the thresholds of {GATES_PATH.relative_to(ROOT)}")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    from rasa.core.agent import Agent

    model = args.model or current_model()
    if not model.exists():
        print(f"No trained model {model}; run scripts/setup.sh first.", file=sys.stderr)
        return 1
    agent = Agent.load(str(model))
    print(f"Model: {model.name}")
    reports: Dict[str, Any] = {"model": model.name}
    for name, path in HELDOUT_SETS.items():
        examples = load_examples(path)
        parsed = asyncio.run(predict(agent, [e["text"] for e in examples]))
        reports[name] = evaluate(parsed, examples)
        print_report(name, reports[name], args.errors)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")
    if not args.gate:
        return 0
    limits = thresholds()
    return gate(reports.get(limits["set"]), limits["min_macro_f1"], limits["max_unaccented_gap"])


def gate(report: Optional[Dict[str, Any]], min_macro_f1: float, max_gap: float) -> int:
    """1 (and why) when the gated set's figures fall below what the project promises."""
    if report is None:
        print("NLU gate: the gated held-out set was not evaluated", file=sys.stderr)
        return 1
    overall = report["all"]["macro_f1"]
    gap = report["accented"]["macro_f1"] - report["unaccented_or_zalo"]["macro_f1"]
    failures = ([f"macro-F1 {overall:.3f} < {min_macro_f1:.3f}"] if overall < min_macro_f1 else []) + (
        [f"unaccented/Zalo {gap * 100:.1f} points below accented (> {max_gap * 100:.1f})"] if gap > max_gap else [])
    for failure in failures:
        print(f"NLU gate failed: {failure}", file=sys.stderr)
    if not failures:
        print(f"NLU gate passed: macro-F1 {overall:.3f} ≥ {min_macro_f1:.3f}, unaccented/Zalo "
              f"{gap * 100:+.1f} points behind accented (≤ {max_gap * 100:.1f})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
