"""Files only the bot's own user may read: the Rasa API token and every local store.

Conversations (``.cache/conversations.db`` and its ``-wal``/``-shm``), the lock and
channel-state databases and the staff state hold citizens' messages or secrets, so they
are created 0600 in 0700 folders whatever the umask (the start scripts also set
``umask 077``). The Rasa API token is read from a 0600 file by ``bot.serve`` instead of
being passed as ``--auth-token`` on the command line, which ``ps`` shows every local user.

Pure standard library: used by the Rasa server and by the staff tools.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

PROJECT_DIR = Path(__file__).resolve().parents[2]
TOKEN_FILE_VARIABLE = "RASA_API_TOKEN_FILE"
DEFAULT_TOKEN_FILE = PROJECT_DIR / ".cache" / "rasa_api_token"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Union[str, Path]) -> Path:
    """``path`` as a folder only its owner can open (created when missing)."""
    folder = Path(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _chmod(folder, 0o700)
    return folder


def private_file(path: Union[str, Path]) -> None:
    """Make an existing file (and a SQLite database's side files) 0600."""
    base = str(path)
    for name in (base,) + tuple(base + suffix for suffix in SQLITE_SIDE_FILES):
        _chmod(Path(name), 0o600)


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.exists() and (path.stat().st_mode & 0o777) != mode:
            os.chmod(path, mode)
    except OSError:  # not ours (a shared folder): leave it as it is
        pass


def token_file() -> Path:
    return Path(os.environ.get(TOKEN_FILE_VARIABLE) or DEFAULT_TOKEN_FILE)


def read_token(path: Optional[Union[str, Path]] = None) -> str:
    """The Rasa API token: ``RASA_API_TOKEN`` if set, else the token file (made 0600); '' if neither."""
    given = os.environ.get("RASA_API_TOKEN", "").strip()
    if given:
        return given
    file = Path(path) if path else token_file()
    try:
        private_file(file)
        return file.read_text("utf-8").strip()
    except OSError:
        return ""


def write_token(token: str, path: Optional[Union[str, Path]] = None) -> Path:
    """Store a token in a new 0600 file (replacing one that was there)."""
    file = Path(path) if path else token_file()
    private_dir(file.parent) if not file.parent.exists() else None
    temporary = file.with_name(file.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token)
    os.chmod(temporary, 0o600)
    os.replace(temporary, file)
    return file
