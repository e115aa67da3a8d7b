"""Every third-party package the Rasa side imports directly is declared in requirements/rasa.in."""

from __future__ import annotations

from tests.declared_imports import imported_by, undeclared


def test_the_scan_sees_the_rasa_sides_imports():
    assert {"rasa", "sanic", "tensorflow", "sqlalchemy"} <= set(imported_by("rasa"))


def test_every_direct_import_is_declared():
    assert list(undeclared("rasa")) == []
