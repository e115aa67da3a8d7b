"""The one file of every threshold make test gates on (tests/gates.yml; issue 17, item 5).

The evaluation commands read their thresholds from it; the test command names none; the
real-question gate reads the dev split only (the test split is held out).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

import pytest
import yaml

from evaluation import real_questions
from evaluation import retrieval as benchmark
from evaluation.servers import ROOT

GATES = yaml.safe_load((ROOT / "tests" / "gates.yml").read_text(encoding="utf-8"))


def test_the_gates_file_holds_a_section_for_each_gated_command():
    assert set(GATES) == {"nlu", "retrieval", "real_questions"}
    assert benchmark.thresholds() == GATES["retrieval"] and real_questions.thresholds() == GATES["real_questions"]
    for section in GATES.values():
        for key, value in section.items():
            if key.startswith(("min_", "max_")):
                assert isinstance(value, (int, float)) and value >= 0, key


def test_the_test_command_gates_through_the_file_and_names_no_threshold():
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert not re.search(r"--min-|--max-", script)
    for command in ("evaluation.nlu", "evaluation.retrieval", "evaluation.real_questions"):
        line = next(line for line in script.splitlines() if f"-m {command}" in line)
        assert "--gate" in line, command


def test_only_the_dev_split_may_gate(tmp_path):
    changed = {**GATES, "real_questions": {**GATES["real_questions"], "split": "test"}}
    (tmp_path / "gates.yml").write_text(yaml.safe_dump(changed), encoding="utf-8")
    with pytest.raises(ValueError, match="held out"):
        real_questions.thresholds(tmp_path / "gates.yml")


def retrieval_report(hit1: float, hit5: float) -> Dict[str, Any]:
    return {GATES["retrieval"]["mode"]: {"all": {"hit@1": hit1, "hit@5": hit5}}}


def test_retrieval_at_its_thresholds_passes_and_below_fails():
    limits = GATES["retrieval"]
    assert benchmark.gate(retrieval_report(limits["min_hit1"], limits["min_hit5"]), limits) == 0
    assert benchmark.gate(retrieval_report(limits["min_hit1"] - 0.01, 1.0), limits) == 1
    assert benchmark.gate(retrieval_report(1.0, limits["min_hit5"] - 0.01), limits) == 1


def rows(**verdicts: int) -> List[Dict[str, Any]]:
    return [{"verdict": verdict, "topic": "rates"} for verdict, n in verdicts.items() for _ in range(n)]


LIMITS = {"split": "dev", "min_answered_share": 0.9, "max_abstain_share": 0.06, "max_questionnaire_share": 0.02,
          "max_outdated": 0, "max_out_of_scope_in_scope": 0}


def test_real_questions_gate():
    assert real_questions.gate(rows(ANSWERED=95, ABSTAIN=5), LIMITS) == 0
    assert real_questions.gate(rows(ANSWERED=93, ABSTAIN=7), LIMITS) == 1  # too many abstentions
    assert real_questions.gate(rows(ANSWERED=99, OUTDATED=1), LIMITS) == 1  # a figure no longer in force
    assert real_questions.gate(rows(ANSWERED=97, QUESTIONNAIRE=3), LIMITS) == 1
    assert real_questions.gate(rows(ANSWERED=88, OUT_OF_SCOPE=12), LIMITS) == 1  # fewer than 90 % answered


def test_an_out_of_scope_reply_counts_against_the_gate_only_for_an_in_scope_question():
    out_of_scope = [{"verdict": "OUT_OF_SCOPE", "topic": "out_of_scope"}]
    assert real_questions.gate(rows(ANSWERED=99) + out_of_scope, LIMITS) == 0
    assert real_questions.gate(rows(ANSWERED=99, OUT_OF_SCOPE=1), LIMITS) == 1
