"""A settings file missing from the served content falls back to the shipped one."""

from __future__ import annotations

from knowledge import paths


def test_a_settings_file_the_served_copy_lacks_comes_from_the_repository(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "SETTINGS_DIR", tmp_path)  # a served copy made before an upgrade added files
    (tmp_path / "letter_matters.yml").write_text("matters: []\n", encoding="utf-8")
    assert paths.settings_file("letter_matters.yml") == tmp_path / "letter_matters.yml"  # the staff's copy wins
    shipped = paths.settings_file("black_credit_points.yml")
    assert shipped == paths.REPOSITORY_CONTENT / "settings" / "black_credit_points.yml" and shipped.exists()
