"""The index folder is swapped whole: readers see the old build or the new one."""

from __future__ import annotations

from knowledge.build_index import _swap_current, current_index_dir


def test_swap_points_current_at_the_new_build_and_removes_old_ones(tmp_path):
    old = tmp_path / "build-old"
    old.mkdir()
    _swap_current(tmp_path, old)
    assert current_index_dir(tmp_path) == old.resolve()
    new = tmp_path / "build-new"
    new.mkdir()
    _swap_current(tmp_path, new)
    assert current_index_dir(tmp_path) == new.resolve()
    assert not old.exists()


def test_no_index_before_the_first_build(tmp_path):
    assert current_index_dir(tmp_path) is None
