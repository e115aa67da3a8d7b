"""Staff accounts: scrypt password hashes in a server-side file, and the command that manages them.

``python -m staff.accounts add <username>`` asks for the password twice
(or reads one line from standard input with ``--password-stdin``); ``passwd``,
``remove`` and ``list`` do what they say. The file (``<STAFF_STATE_DIR>/accounts.json``,
mode 600) holds, per user, a random salt and the scrypt hash: no password and no
default account exist anywhere in the repository.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

from staff.config import StaffConfig

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD_LENGTH = 10
# scrypt cost: 16 MiB and ~50 ms per check, slow enough to make guessing costly.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1


class AccountError(ValueError):
    """A refused account operation, with a message for the person at the keyboard."""


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """``scrypt$n$r$p$salt$hash`` with a fresh 16-byte salt unless one is given."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of a password against a stored hash."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(expected))


# Checked when the user does not exist, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


class AccountStore:
    """The accounts file; re-read when it changes on disk (the command may edit it while the app runs)."""

    def __init__(self, state_dir: Path):
        self.path = state_dir / "accounts.json"
        self._lock = threading.Lock()
        self._cache: Dict[str, Dict[str, str]] = {}
        self._stamp: Optional[tuple] = None

    def _load(self) -> Dict[str, Dict[str, str]]:
        with self._lock:
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                self._cache, self._stamp = {}, None
                return {}
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                self._cache = json.loads(self.path.read_text(encoding="utf-8")).get("users", {})
                self._stamp = stamp
            return dict(self._cache)

    def _save(self, users: Dict[str, Dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"users": users}, handle, ensure_ascii=False, indent=2)
        os.replace(temporary, self.path)

    def usernames(self) -> List[str]:
        return sorted(self._load())

    def exists(self, username: str) -> bool:
        return username in self._load()

    def set_password(self, username: str, password: str, create: bool) -> None:
        """Create an account (``create``) or change an existing one's password."""
        if not USERNAME_RE.match(username):
            raise AccountError("Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang "
                               "hoặc gạch dưới (2–32 ký tự).")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
        users = self._load()
        if create and username in users:
            raise AccountError(f"Tài khoản {username} đã có; dùng lệnh passwd để đổi mật khẩu.")
        if not create and username not in users:
            raise AccountError(f"Không có tài khoản {username}.")
        record = users.get(username, {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        record["hash"] = hash_password(password)
        users[username] = record
        self._save(users)

    def remove(self, username: str) -> None:
        users = self._load()
        if users.pop(username, None) is None:
            raise AccountError(f"Không có tài khoản {username}.")
        self._save(users)

    def authenticate(self, username: str, password: str) -> bool:
        record = self._load().get(username)
        return verify_password(password, record["hash"] if record else _DUMMY_HASH) and record is not None

    def password_stamp(self, username: str) -> Optional[str]:
        """Short fingerprint of the user's hash: a password change ends the old sessions."""
        record = self._load().get(username)
        return hashlib.sha256(record["hash"].encode()).hexdigest()[:12] if record else None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mật khẩu: ")
    if first != getpass.getpass("Nhập lại mật khẩu: "):
        raise AccountError("Hai lần nhập mật khẩu không khớp.")
    return first


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Quản lý tài khoản cán bộ (trang quản trị nội dung).")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("add", "tạo tài khoản"), ("passwd", "đổi mật khẩu")):
        command = commands.add_parser(name, help=text)
        command.add_argument("username")
        command.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ một dòng stdin")
    commands.add_parser("remove", help="xóa tài khoản").add_argument("username")
    commands.add_parser("list", help="liệt kê tài khoản")
    args = parser.parse_args(argv)
    store = AccountStore(StaffConfig().state_dir)
    try:
        if args.command in ("add", "passwd"):
            store.set_password(args.username, _read_password(args.password_stdin), create=args.command == "add")
            print(f"Đã lưu mật khẩu cho tài khoản {args.username}.")
        elif args.command == "remove":
            store.remove(args.username)
            print(f"Đã xóa tài khoản {args.username}.")
        else:
            print("\n".join(store.usernames()) or "Chưa có tài khoản nào.")
    except AccountError as error:
        print(f"Lỗi: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
