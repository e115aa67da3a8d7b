"""A browser's view of the staff app for tests and benchmarks: log in, read and post an edit form."""

from __future__ import annotations

import html
import os
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List

import requests

from evaluation.servers import ACTIONS_PYTHON, ROOT, BotServers
from tests.knowledge_copy import copy_content, copy_index

PASSWORD = "mật khẩu thử nghiệm"
USERS = ("an", "binh")


def servers_on_a_copy(base: Path) -> BotServers:
    """Servers (not started) on a private copy of knowledge/ and its index, with two staff accounts."""
    content, index = copy_content(base / "knowledge"), copy_index(base / "index")
    env = {"CONTENT_DIR": str(content), "KNOWLEDGE_INDEX_DIR": str(index),
           "STAFF_STATE_DIR": str(base / "state")}
    for user in USERS:
        subprocess.run([str(ACTIONS_PYTHON), "-m", "staff.accounts", "add", user, "--password-stdin"],
                       input=PASSWORD + "\n", text=True, cwd=ROOT, env={**os.environ, **env}, check=True,
                       capture_output=True)
    return BotServers(base, extra_env=env)


def login(base_url: str, user: str, password: str = PASSWORD) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    response = session.post(f"{base_url}/login", allow_redirects=False,
                            data={"csrf": token, "username": user, "password": password, "next": "/faq"})
    assert response.status_code == 303, response.text
    return session


def edit_form(session: requests.Session, base_url: str, entry_id: str) -> Dict[str, object]:
    """The fields of an entry's edit form, as a browser would send them back."""
    page = session.get(f"{base_url}/faq/{entry_id}/edit").text

    def value(pattern: str) -> str:
        return html.unescape(re.search(pattern, page, re.DOTALL).group(1))

    return {
        "csrf": value(r'name="csrf" value="([^"]+)"'), "version": value(r'name="version" value="([^"]+)"'),
        "question": value(r'name="question" value="([^"]*)"'),
        "paraphrases": value(r'<textarea id="paraphrases" name="paraphrases">(.*?)</textarea>'),
        "answer": value(r'<textarea id="answer" name="answer" class="answer">(.*?)</textarea>'),
        "sources": value(r'<textarea id="sources" name="sources">(.*?)</textarea>'),
        "programmes": re.findall(r'name="programmes" value="([^"]+)" checked', page),
        "topic": value(r'<option value="([^"]+)" selected>'), "tags": value(r'name="tags" value="([^"]*)"'),
        "do": "save",
    }


def form_errors(page: str) -> List[str]:
    """The validation messages a refused save shows."""
    return [html.unescape(m) for m in re.findall(r'<li class="(?:error|warning)">(.*?)</li>', page)]


@contextmanager
def staff_app_on_a_copy(base: Path) -> Iterator[BotServers]:
    """The staff app running on a copy of the content, stopped after the ``with`` block."""
    pair = servers_on_a_copy(base)
    try:
        pair.start_staff_app()
        yield pair
    finally:
        pair.stop_all()
