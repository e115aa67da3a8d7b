"""Retrieval quality and latency on the labelled citizen questions.

``python -m evaluation.retrieval`` prints hit@1, hit@5 and MRR@10 for lexical, dense
and hybrid retrieval, split by writing style, and the latency of one retrieval
(embed the query, search both indexes, fuse) with the query cache cleared. The
questions in ``tests/data/retrieval_questions.yml`` were written independently of the
FAQ paraphrases. With ``--gate`` it exits 1 when hit@1 or hit@5 of the served mode fall
below the thresholds of ``tests/gates.yml`` (the one file of every threshold ``make test``
gates on).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from knowledge.retriever import Retrieval, Retriever

QUESTIONS_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "retrieval_questions.yml"
GATES_PATH = Path(__file__).resolve().parent.parent / "tests" / "gates.yml"
MODES = ("lexical", "dense", "hybrid")
STYLES = ("all", "accented", "unaccented_or_zalo")


def load_questions(path: Path = QUESTIONS_PATH) -> List[Dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def thresholds(path: Path = GATES_PATH) -> Dict[str, Any]:
    """What retrieval must reach: the ``retrieval`` section of tests/gates.yml."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["retrieval"]


def gate(report: Dict[str, Any], limits: Dict[str, Any]) -> int:
    """1 (and why) when the gated mode's hit@1 or hit@5 (all questions) is below its threshold."""
    figures = report[limits["mode"]]["all"]
    checks = [(name, figures[name], limits[key]) for name, key in (("hit@1", "min_hit1"), ("hit@5", "min_hit5"))]
    failures = [f"{limits['mode']} {name} {value:.3f} < {floor:.3f}" for name, value, floor in checks if value < floor]
    for failure in failures:
        print(f"Retrieval gate failed: {failure}", file=sys.stderr)
    if not failures:
        print("Retrieval gate passed: " + ", ".join(f"{limits['mode']} {name} {value:.3f} ≥ {floor:.3f}"
                                                    for name, value, floor in checks))
    return 1 if failures else 0


def _matches(target: str, retrieval: Retrieval) -> List[str]:
    """Ranked ids of the unit kind the target names ("faq:ID" or "doc:DOC_ID#HEADING")."""
    if target.startswith("faq:"):
        return [f"faq:{hit.id}" for hit in retrieval.faq]
    ranked = []
    for hit in retrieval.passages:
        passage = hit.passage
        ranked.append(f"doc:{passage.document_id}#{passage.heading.replace(' (tiếp)', '')}")
    return ranked


def first_correct_rank(question: Dict[str, Any], retrieval: Retrieval) -> Optional[int]:
    """1-based rank of the first acceptable answer, None if not in the top 10."""
    best: Optional[int] = None
    for target in question["answers"]:
        ranked = _matches(target, retrieval)
        for rank, unit in enumerate(ranked[:10], start=1):
            hit = unit == target if target.startswith("faq:") else unit.startswith(target)
            if hit:
                best = rank if best is None else min(best, rank)
                break
    return best


def metrics(ranks: List[Optional[int]]) -> Dict[str, float]:
    n = max(len(ranks), 1)
    return {
        "n": len(ranks),
        "hit@1": round(sum(r == 1 for r in ranks) / n, 4),
        "hit@5": round(sum(r is not None and r <= 5 for r in ranks) / n, 4),
        "mrr@10": round(sum(1.0 / r for r in ranks if r) / n, 4),
    }


def evaluate(retriever: Retriever, questions: List[Dict[str, Any]]) -> Dict[str, Any]:
    report: Dict[str, Any] = {}
    for mode in MODES:
        ranks = [first_correct_rank(q, retriever.search(q["text"], mode=mode)) for q in questions]
        report[mode] = {
            style: metrics([r for r, q in zip(ranks, questions) if style == "all" or (q["style"] == "accented") == (style == "accented")])
            for style in STYLES
        }
        if mode == "hybrid":
            report["misses"] = [
                {"text": q["text"], "answers": q["answers"], "rank": r}
                for q, r in zip(questions, ranks) if r != 1
            ]
    return report


def latency(retriever: Retriever, questions: List[Dict[str, Any]], rounds: int = 2) -> Dict[str, float]:
    """Milliseconds per hybrid retrieval with nothing cached, p50/p95 over all questions."""
    timings: List[float] = []
    for _ in range(rounds):
        for question in questions:
            retriever.embedder.clear_cache()
            started = time.perf_counter()
            retriever.search(question["text"])
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "n": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "max_ms": round(timings[-1], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the full report here")
    parser.add_argument("--misses", action="store_true", help="list hybrid questions not answered at rank 1")
    parser.add_argument("--gate", action="store_true",
                        help="exit 1 when hit@1 or hit@5 fall below the thresholds of tests/gates.yml")
    args = parser.parse_args()
    questions = load_questions()
    retriever = Retriever()
    report = evaluate(retriever, questions)
    report["latency"] = latency(retriever, questions)
    report["index"] = retriever.index.manifest
    print(f"Retrieval benchmark: {len(questions)} labelled questions, index {report['index']['counts']}")
    print(f"  {'mode':<8} {'style':<20} {'n':>4} {'hit@1':>7} {'hit@5':>7} {'MRR@10':>7}")
    for mode in MODES:
        for style in STYLES:
            m = report[mode][style]
            print(f"  {mode:<8} {style:<20} {m['n']:>4} {m['hit@1']:>7.3f} {m['hit@5']:>7.3f} {m['mrr@10']:>7.3f}")
    lat = report["latency"]
    print(f"  hybrid retrieval latency (embed + search + fuse, no cache): p50 {lat['p50_ms']} ms, "
          f"p95 {lat['p95_ms']} ms, max {lat['max_ms']} ms over {lat['n']} queries")
    if args.misses:
        for miss in report["misses"]:
            print(f"    rank {miss['rank']}: {miss['text']}  → {miss['answers']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return gate(report, thresholds()) if args.gate else 0


if __name__ == "__main__":
    sys.exit(main())
