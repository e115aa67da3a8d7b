"""Every third-party package the action server's code imports directly is declared in requirements/actions.in."""

from __future__ import annotations

from tests.declared_imports import imported_by, imports, undeclared
from evaluation.servers import ROOT


def test_the_scan_sees_direct_imports_also_inside_functions():
    used = imported_by("actions")
    assert {"yaml", "numpy", "rasa_sdk", "sanic"} <= set(used)
    assert "rasa" not in used  # the Rasa server's own imports are the Rasa environment's
    assert ("rasa_sdk.executor.CollectingDispatcher", True) in imports(ROOT / "actions" / "actions.py")


def test_every_direct_import_is_declared():
    assert list(undeclared("actions")) == []
