"""The served copy of the content and the repository's copy (contentdir): sync, status, export."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from contentdir import REPOSITORY_CONTENT, SYNC_RECORD, compare, content_files, export, sync

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repository"
    write(root / "faq" / "rates.yml", "rates v1\n")
    write(root / "faq" / "other.yml", "other v1\n")
    write(root / "facts.yml", "facts v1\n")
    write(root / "settings" / "province.yml", "province v1\n")
    return root


def test_content_is_the_files_not_the_index_history_or_hidden_files(tmp_path):
    root = repository(tmp_path)
    write(root / "index" / "current" / "manifest.json", "{}")
    write(root / "history" / "faq" / "rates.jsonl", "{}")
    write(root / "faq" / ".rates.yml.1.tmp", "half written")
    write(root / ".synced.json", "{}")
    assert sorted(content_files(root)) == ["facts.yml", "faq/other.yml", "faq/rates.yml", "settings/province.yml"]


def test_the_first_sync_creates_the_served_copy_and_the_next_changes_nothing(tmp_path):
    root, served = repository(tmp_path), tmp_path / "served"
    report = sync(served, root)
    assert report.created and (served / SYNC_RECORD).exists()
    assert {n: p.read_text() for n, p in content_files(served).items()} == \
        {n: p.read_text() for n, p in content_files(root).items()}
    again = sync(served, root)
    assert not (again.created or again.taken or again.kept)
    assert compare(served, root).same == 4


def test_an_upgrade_is_taken_in_unless_the_staff_changed_the_same_file(tmp_path):
    root, served = repository(tmp_path), tmp_path / "served"
    sync(served, root)
    write(served / "faq" / "rates.yml", "rates edited by staff\n")  # a staff edit
    write(served / "facts.yml", "facts edited by staff\n")
    write(root / "faq" / "other.yml", "other v2\n")  # an upgrade (git pull) ...
    write(root / "facts.yml", "facts v2\n")  # ... also of a file the staff changed
    write(root / "faq" / "new.yml", "new v1\n")
    comparison = compare(served, root)
    assert comparison.staff == ["faq/rates.yml"]
    assert comparison.repository == ["faq/new.yml", "faq/other.yml"] and comparison.both == ["facts.yml"]

    report = sync(served, root)
    assert report.taken == ["faq/new.yml", "faq/other.yml"] and report.kept == ["facts.yml"]
    assert (served / "faq" / "other.yml").read_text() == "other v2\n"
    assert (served / "faq" / "rates.yml").read_text() == "rates edited by staff\n", "a staff edit is never overwritten"
    assert (served / "facts.yml").read_text() == "facts edited by staff\n"
    assert sync(served, root).kept == ["facts.yml"], "still to merge: said again at every start"

    write(served / "facts.yml", "facts v2\n")  # merged by hand
    assert sync(served, root).kept == [] and compare(served, root).both == []


def test_export_writes_the_staff_edits_into_the_repository(tmp_path):
    root, served = repository(tmp_path), tmp_path / "served"
    sync(served, root)
    write(served / "faq" / "rates.yml", "rates edited by staff\n")
    write(served / "documents" / "uploaded.md", "a document uploaded by staff\n")
    assert export(served, root, dry_run=True).staff == ["documents/uploaded.md", "faq/rates.yml"]
    assert (root / "faq" / "rates.yml").read_text() == "rates v1\n", "a dry run writes nothing"
    comparison = export(served, root)
    assert comparison.staff == ["documents/uploaded.md", "faq/rates.yml"]
    assert (root / "faq" / "rates.yml").read_text() == "rates edited by staff\n"
    assert (root / "documents" / "uploaded.md").exists()
    after = compare(served, root)
    assert not (after.staff or after.repository or after.both)
    assert not (sync(served, root).taken or sync(served, root).kept)


def test_make_start_serves_a_copy_git_ignores_and_tests_read_the_repository(tmp_path):
    """scripts/env.sh's CONTENT_DIR (no setting): inside the checkout's .cache, which git ignores."""
    env = {k: v for k, v in os.environ.items() if k not in ("CONTENT_DIR", "TRACKER_DB", "LOCK_DB")}
    env.update(LOG_DIR=str(tmp_path / "logs"), RASA_API_TOKEN_FILE=str(tmp_path / "token"),
               ACTION_SERVER_TOKEN_FILE=str(tmp_path / "action_token"))
    served = subprocess.run(["bash", "-c", 'source scripts/env.sh >/dev/null && printf %s "$CONTENT_DIR"'],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert Path(served) == ROOT / ".cache" / "content"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(Path(served) / "faq" / "rates.yml")], cwd=ROOT)
    assert ignored.returncode == 0, f"{served} is not ignored by git: staff edits would show in git status"
    assert not os.environ.get("CONTENT_DIR") or Path(os.environ["CONTENT_DIR"]).resolve() == REPOSITORY_CONTENT
    for script in ("scripts/test.sh", "scripts/check.sh"):
        assert 'export CONTENT_DIR="$PWD/content"' in (ROOT / script).read_text(encoding="utf-8"), script
