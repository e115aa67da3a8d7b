"""Saving FAQ entries: concurrent saves lose nothing, stale edits conflict, history restores."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path
from typing import List

import pytest

from knowledge.corpus import load_faq
from staff.faq_store import ConflictError, FaqStore, new_id
from staff.history import ORIGINAL, History
from tests.knowledge_copy import copy_content


def make_store(root: Path) -> FaqStore:
    return FaqStore(root, History(root / "history"))


@pytest.fixture()
def root(tmp_path) -> Path:
    return copy_content(tmp_path / "knowledge")


def edited(store: FaqStore, entry_id: str, marker: str) -> tuple:
    item = store.get(entry_id)
    return {**item.data, "answer": f"{item.data['answer']} {marker}"}, item.version


def same_file_ids(store: FaqStore, count: int) -> List[str]:
    entries = [item for item in store.entries() if item.file == "rates.yml"]
    return [item.data["id"] for item in entries[:count]]


def test_an_edit_changes_only_that_entry_and_keeps_the_file_layout(root):
    store = make_store(root)
    before = (root / "faq" / "rates.yml").read_text(encoding="utf-8")
    entry_id = same_file_ids(store, 1)[0]
    data, version = edited(store, entry_id, "Câu thêm.")
    store.save(data, "an", version, "edit")
    after = (root / "faq" / "rates.yml").read_text(encoding="utf-8")
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(changed) == 1 and "Câu thêm." in changed[0]
    assert after.startswith("# ")  # the file's comment header is kept
    assert {e.id: e.answer for e in load_faq(root / "faq")}[entry_id].endswith("Câu thêm.")


def save_in_child(root: str, entry_id: str, marker: str, barrier) -> None:
    store = make_store(Path(root))
    data, version = edited(store, entry_id, marker)
    barrier.wait()
    store.save(data, f"staff-{marker}", version, "edit")


def test_staff_saving_at_the_same_time_from_several_processes_lose_nothing(root):
    store = make_store(root)
    ids = same_file_ids(store, 4)  # all in one file: the read-modify-write would race without the lock
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(ids))
    children = [context.Process(target=save_in_child, args=(str(root), entry_id, f"P{n}", barrier))
                for n, entry_id in enumerate(ids)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    assert [child.exitcode for child in children] == [0] * len(ids)
    answers = {e.id: e.answer for e in load_faq(root / "faq")}
    for n, entry_id in enumerate(ids):
        assert answers[entry_id].endswith(f"P{n}"), entry_id


def test_staff_saving_at_the_same_time_from_threads_lose_nothing(root):
    store = make_store(root)
    ids = same_file_ids(store, 6)
    barrier = threading.Barrier(len(ids))
    errors: List[BaseException] = []

    def save(entry_id: str, marker: str) -> None:
        try:
            data, version = edited(store, entry_id, marker)
            barrier.wait()
            store.save(data, marker, version, "edit")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(entry_id, f"T{n}")) for n, entry_id in enumerate(ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    answers = {e.id: e.answer for e in load_faq(root / "faq")}
    assert all(answers[entry_id].endswith(f"T{n}") for n, entry_id in enumerate(ids))


def test_two_edits_of_the_same_entry_the_second_gets_a_conflict(root):
    store = make_store(root)
    entry_id = same_file_ids(store, 1)[0]
    first, version = edited(store, entry_id, "bản của An")
    second, same_version = edited(store, entry_id, "bản của Bình")
    assert version == same_version
    store.save(first, "an", version, "edit")
    with pytest.raises(ConflictError, match="người khác"):
        store.save(second, "binh", same_version, "edit")
    assert store.get(entry_id).data["answer"].endswith("bản của An")


def test_a_new_entry_cannot_take_an_existing_id(root):
    store = make_store(root)
    existing = store.entries()[0].data
    with pytest.raises(ConflictError, match="đã được dùng"):
        store.save({**existing, "question": "Câu khác?"}, "an", None, "add")
    assert new_id(existing["question"], [existing["id"]]) != existing["id"]


def test_history_keeps_every_version_and_restores_an_older_one(root):
    store = make_store(root)
    entry_id = same_file_ids(store, 1)[0]
    original = store.get(entry_id).data
    for marker in ("lần 1", "lần 2"):
        data, version = edited(store, entry_id, marker)
        store.save(data, "an", version, "edit")
    versions = store.history.versions("faq", entry_id)
    assert [v.action for v in versions] == ["edit", "edit", ORIGINAL]  # newest first
    assert versions[0].user == "an" and versions[0].at
    store.restore(entry_id, versions[-1].number, "binh")
    assert store.get(entry_id).data["answer"] == original["answer"]
    newest = store.history.versions("faq", entry_id)[0]
    assert (newest.action, newest.user) == ("restore", "binh")
    assert newest.content["answer"] == original["answer"]


def test_a_retired_entry_stays_in_its_file_but_is_not_indexed(root):
    store = make_store(root)
    item = store.entries()[0]
    store.save({**item.data, "retired": True}, "an", item.version, "retire")
    assert store.get(item.data["id"]).retired
    assert item.data["id"] not in {e.id for e in load_faq(root / "faq")}
    assert item.data["id"] in {e.id for e in load_faq(root / "faq", include_retired=True)}
