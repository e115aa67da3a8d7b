"""The held-out NLU evaluation gates the test command (issue 17: numbers that matter gate something)."""

from __future__ import annotations

from evaluation.nlu import gate


def report(overall: float, accented: float, unaccented: float) -> dict:
    return {"all": {"macro_f1": overall}, "accented": {"macro_f1": accented},
            "unaccented_or_zalo": {"macro_f1": unaccented}}


def test_figures_above_the_promise_pass():
    assert gate(report(0.95, 0.95, 0.94), 0.93, 0.02) == 0


def test_a_low_macro_f1_fails():
    assert gate(report(0.92, 0.93, 0.92), 0.93, 0.02) == 1


def test_unaccented_text_more_than_two_points_behind_fails():
    assert gate(report(0.94, 0.96, 0.93), 0.93, 0.02) == 1


def test_a_missing_set_fails():
    assert gate(None, 0.93, 0.02) == 1


def test_the_thresholds_come_from_the_one_gates_file():
    from evaluation.nlu import HELDOUT_SETS, thresholds

    limits = thresholds()
    assert limits["set"] in HELDOUT_SETS
    assert 0 < limits["min_macro_f1"] <= 1 and 0 <= limits["max_unaccented_gap"] < 1
