"""A private copy of the content (and of the built index) for tests that edit it.

Tests point the staff tools and the servers at the copy (``CONTENT_DIR``,
``KNOWLEDGE_INDEX_DIR``), so the repository's content/ folder is never touched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from contentdir import content_files
from knowledge.paths import CONTENT_DIR, INDEX_DIR, current_index_dir


def copy_content(target: Path) -> Path:
    """Copy FAQ, documents, tables and settings into ``target`` (created) and return it."""
    target.mkdir(parents=True, exist_ok=True)
    for name, source in content_files(CONTENT_DIR).items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    return target


def copy_index(target: Path) -> Path:
    """Copy the current built index into ``target`` with its own ``current`` link."""
    current = current_index_dir(INDEX_DIR)
    assert current is not None, "run scripts/setup.sh to build the index"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(current, target / current.name)
    (target / "current").symlink_to(current.name)
    return target
