"""The index folder is swapped whole: readers see the old build or the new one."""

from __future__ import annotations

from knowledge.build.index import _swap_current
from knowledge.paths import current_index_dir


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


def test_a_build_that_vanishes_while_loading_keeps_the_loaded_index(tmp_path):
    """A newer build may delete the folder the action server is reading: requests keep the old index."""
    from knowledge.retriever import Retriever
    from tests.knowledge_copy import copy_index

    index_dir = copy_index(tmp_path / "index")
    retriever = Retriever(embedder=object(), index_dir=index_dir)  # no query is embedded here
    loaded = retriever.index
    vanished = index_dir / "build-vanished"
    vanished.mkdir()  # no manifest or files: as if deleted mid-load
    _swap_current_without_cleanup(index_dir, vanished)
    assert retriever.refresh() is False
    assert retriever.index is loaded


def _swap_current_without_cleanup(index_dir, target) -> None:
    link = index_dir / "current"
    link.unlink()
    link.symlink_to(target.name)
