"""Staff edits through the app leave the checkout clean (issue 17, item 2), and export brings them back.

A fresh clone of this repository, run as ``make start`` runs it (scripts/env.sh with no
setting, ``prepare_content``, ``python -m staff.app``): the staff edit an FAQ entry,
propose and approve a figure and upload a document through the app. The edits land in
the served copy (``.cache/content`` of the clone) and the bot's index is rebuilt from it,
while ``git status`` of the clone stays empty; ``python -m contentdir status`` lists the
edited files and ``export`` writes them into ``content/``, where ``git status`` shows
exactly those files.

The clone has the committed code (HEAD); it borrows this checkout's environments, the
converted embedding model and the build cache of embeddings (symlinks git ignores).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests

from evaluation.servers import ROOT, free_port, wait_until
from tests.integration import staff_client

ENTRY = "lai-suat-ho-ngheo"
FIGURE = "/figures/facts/poor_rate"
DOCUMENT = """---
title: Văn bản thử nghiệm của tỉnh
number: 01/TB-TN
date: 2026-12-01
issuer: Ban đại diện HĐQT NHCSXH tỉnh
---

## Mục 1

Nội dung thử nghiệm do cán bộ tải lên qua trang quản trị.
"""


def git_status(checkout: Path) -> List[str]:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=checkout, check=True,
                          capture_output=True, text=True).stdout.splitlines()


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    clone = tmp_path_factory.mktemp("checkout") / "bot"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    (clone / ".cache").mkdir()
    (clone / ".cache" / "models").symlink_to(ROOT / ".cache" / "models")
    return clone


@pytest.fixture(scope="module")
def app(checkout: Path, tmp_path_factory) -> Iterator[Dict[str, str]]:
    """The staff app of the clone, started like make start starts it; yields its URL and environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTENT_DIR", "KNOWLEDGE_", "STAFF_"))}
    env.pop("TRACKER_DB", None)
    env.pop("LOCK_DB", None)
    env.pop("RASA_API_TOKEN_FILE", None)
    env.pop("ACTION_SERVER_TOKEN_FILE", None)
    port = free_port()
    env.update(ADMIN_PORT=str(port), RASA_URL=f"http://127.0.0.1:{free_port()}",
               KNOWLEDGE_BUILD_CACHE=str(ROOT / ".cache" / "index-build-cache.sqlite"))
    log = tmp_path_factory.mktemp("logs") / "staff.log"
    for user in staff_client.USERS:
        subprocess.run(["bash", "-c", "source scripts/env.sh >/dev/null && "
                                      f".venv/actions/bin/python -m staff.accounts add {user} --password-stdin"],
                       input=staff_client.PASSWORD + "\n", text=True, cwd=checkout, env=env, check=True,
                       capture_output=True)
    process = subprocess.Popen(
        ["bash", "-c", "source scripts/env.sh && prepare_content && exec .venv/actions/bin/python -m staff.app"],
        cwd=checkout, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(f"{url}/health", 120, process, log)
        yield {"url": url, "log": str(log)}
    finally:
        process.terminate()
        process.wait(timeout=30)


def csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', session.get(url).text).group(1)


def button_fields(page: str, action: str) -> Dict[str, str]:
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.DOTALL).group(1)
    return {name: value for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form) if name != "csrf"}


def wait_for_index(session: requests.Session, url: str, timeout: float = 180) -> Dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = session.get(f"{url}/api/status").json()
        if status["rebuild"]["state"] == "idle" and status["rebuild"]["builds"] >= 1:
            return status
        assert status["rebuild"]["state"] != "failed", status
        time.sleep(0.5)
    raise AssertionError("the index was not rebuilt after the edits")


def test_staff_edits_go_to_the_served_copy_and_leave_the_checkout_clean(checkout, app):
    assert git_status(checkout) == [], "a fresh clone with make start's set-up is clean"
    url = app["url"]
    an, binh = staff_client.login(url, "an"), staff_client.login(url, "binh")

    form = staff_client.edit_form(an, url, ENTRY)
    saved = an.post(f"{url}/faq/{ENTRY}/edit", allow_redirects=False,
                    data={**form, "answer": str(form["answer"]) + "\nCâu thêm của cán bộ.", "confirm_warnings": "1"})
    assert saved.status_code == 303, staff_client.form_errors(saved.text)

    proposed = an.post(url + FIGURE + "/propose", allow_redirects=False, data={
        "csrf": csrf(an, url + FIGURE), "value": "6,0", "from": "01/03/2027", "status": "confirmed",
        "source": "Quyết định thử nghiệm 01/2027/QĐ-TTg", "do": "save"})
    assert proposed.status_code == 303, staff_client.form_errors(proposed.text)
    page = binh.get(url + FIGURE).text
    approved = binh.post(url + FIGURE + "/approve", allow_redirects=False,
                         data={"csrf": csrf(binh, url + FIGURE), **button_fields(page, FIGURE + "/approve")})
    assert approved.status_code == 303

    uploaded = an.post(f"{url}/documents/upload", allow_redirects=False, data={"csrf": csrf(an, f"{url}/documents")},
                       files={"file": ("van-ban-thu-nghiem.md", DOCUMENT.encode("utf-8"), "text/markdown")})
    assert uploaded.status_code == 303, uploaded.text[-2000:]
    status = wait_for_index(an, url)

    served = checkout / ".cache" / "content"
    assert "Câu thêm của cán bộ." in "".join(p.read_text("utf-8") for p in (served / "faq").glob("*.yml"))
    assert "Quyết định thử nghiệm 01/2027/QĐ-TTg" in (served / "facts.yml").read_text("utf-8")
    assert "Câu thêm của cán bộ." not in "".join(p.read_text("utf-8") for p in (checkout / "content" / "faq").glob("*.yml"))
    assert status["index"]["counts"]["faq_entries"] >= 200
    assert str(served) in Path(app["log"]).read_text("utf-8"), "the app says which content it edits"
    assert git_status(checkout) == [], "staff edits must not touch the checkout"

    env = {**os.environ, "CONTENT_DIR": str(served)}
    listed = subprocess.run([".venv/actions/bin/python", "-m", "contentdir", "status"], cwd=checkout, env=env,
                            check=True, capture_output=True, text=True).stdout
    edited = sorted(re.findall(r"^  (\S+)$", listed, re.MULTILINE))
    assert "facts.yml" in edited and any(name.startswith("faq/") for name in edited)
    assert any(name.startswith("documents/") for name in edited), listed

    subprocess.run([".venv/actions/bin/python", "-m", "contentdir", "export"], cwd=checkout, env=env, check=True,
                   capture_output=True)
    changed = sorted(line[3:] for line in git_status(checkout))
    assert changed == sorted(f"content/{name}" for name in edited), "export writes exactly the staff's edits"
