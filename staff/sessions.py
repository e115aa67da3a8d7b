"""Signed session cookies with a CSRF token, and a limit on failed logins.

The cookie holds the user name, an expiry, the CSRF token of the session and a
fingerprint of the user's password hash, signed (HMAC-SHA256) and checked by
``itsdangerous`` (Pallets, the makers of Jinja2 and Flask; pure Python, no dependencies,
16 KB) rather than by hand. The server keeps no session table: a changed password or an
expired time makes the cookie worthless. The secret comes from ``STAFF_SECRET`` or is
generated once into ``<state>/secret`` (mode 600).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Deque, Dict, List, Optional, Tuple

from itsdangerous import BadSignature, URLSafeSerializer

SESSION_COOKIE = "staff_session"
LOGIN_COOKIE = "staff_login"  # CSRF token of the login form, before any session exists
SESSION_SECONDS = 8 * 3600  # one working day


def load_secret(state_dir: Path) -> bytes:
    """``STAFF_SECRET`` if set, else a random secret created on first use and kept."""
    configured = os.environ.get("STAFF_SECRET")
    if configured:
        return configured.encode("utf-8")
    path = state_dir / "secret"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(state_dir, 0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return path.read_bytes().strip()
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_urlsafe(48).encode())
    return path.read_bytes().strip()


@dataclass(frozen=True)
class Session:
    user: str
    expires: float
    csrf: str
    password_stamp: str


class SessionSigner:
    """Issues and checks session cookies."""

    def __init__(self, secret: bytes, lifetime: float = SESSION_SECONDS):
        self._serializer = URLSafeSerializer(secret, salt="staff-session",
                                             signer_kwargs={"digest_method": hashlib.sha256})
        self.lifetime = lifetime

    def issue(self, user: str, password_stamp: str) -> tuple[str, Session]:
        session = Session(user, time.time() + self.lifetime, secrets.token_urlsafe(24), password_stamp)
        cookie = self._serializer.dumps({"u": session.user, "e": session.expires, "c": session.csrf,
                                         "p": session.password_stamp})
        return cookie, session

    def read(self, cookie: Optional[str]) -> Optional[Session]:
        """The session in a cookie, or None when it is missing, forged or expired."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie)
            session = Session(str(data["u"]), float(data["e"]), str(data["c"]), str(data["p"]))
        except (BadSignature, ValueError, KeyError, TypeError):
            return None
        return session if session.expires > time.time() else None


def same_token(given: Optional[str], expected: Optional[str]) -> bool:
    """Constant-time comparison of two CSRF tokens (False when either is missing)."""
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))


class LoginLimiter:
    """Failed logins allowed within ``window`` seconds: ``per_user`` per user name, ``per_address`` per address.

    The address limit is higher: behind a proxy every staff member shares one address,
    and one person's typos must not lock the others out.
    """

    def __init__(self, per_user: int = 5, per_address: int = 20, window: float = 900.0):
        self.limits = {"user": per_user, "ip": per_address}
        self.window = window
        self._failures: Dict[str, Deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @staticmethod
    def _keys(address: str, username: str) -> Dict[str, str]:
        return {"ip": f"ip:{address}", "user": f"user:{username.lower()}"}

    def _recent(self, key: str, now: float) -> Deque[float]:
        failures = self._failures[key]
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return failures

    def _waits(self, address: str, username: str, now: float) -> List[float]:
        return [
            failures[-self.limits[kind]] + self.window - now
            for kind, key in self._keys(address, username).items()
            if len(failures := self._recent(key, now)) >= self.limits[kind]
        ]

    def wait_seconds(self, address: str, username: str) -> float:
        """Seconds until another attempt is allowed (0 when allowed now)."""
        with self._lock:
            return max(self._waits(address, username, time.time()), default=0.0)

    def attempt(self, address: str, username: str) -> Tuple[float, float]:
        """Count an attempt *before* the slow password check: ``(wait, ticket)``.

        When ``wait`` is 0 the attempt is allowed and already counted as a failure, in
        one step under the lock, so N guesses sent at once get at most the limit tried
        (checking first and recording after the hash let all 30 of a burst through).
        ``succeeded(address, username, ticket)`` takes it back.
        """
        now = time.time()
        with self._lock:
            wait = max(self._waits(address, username, now), default=0.0)
            if wait > 0:
                return wait, 0.0
            for key in self._keys(address, username).values():
                self._recent(key, now).append(now)
            return 0.0, now

    def failed(self, address: str, username: str) -> None:
        now = time.time()
        with self._lock:
            for key in self._keys(address, username).values():
                self._recent(key, now).append(now)

    def succeeded(self, address: str, username: str, ticket: Optional[float] = None) -> None:
        with self._lock:
            keys = self._keys(address, username)
            self._failures.pop(keys["user"], None)
            if ticket is not None:
                try:
                    self._failures[keys["ip"]].remove(ticket)
                except ValueError:
                    pass


class SessionRevocations:
    """Sessions ended on the server: a logged-out cookie stops working even if it was copied.

    Cookies are signed, not stored, so logout records the session (a hash of its random
    CSRF token, never the token) until it would have expired anyway, in
    ``<state>/revoked_sessions.json`` (0600). A password change ends every session of the
    account through the password stamp the cookie carries.
    """

    def __init__(self, state_dir: Path):
        self.path = state_dir / "revoked_sessions.json"
        self._lock = threading.Lock()
        self._cache: Dict[str, float] = {}
        self._stamp: Optional[tuple] = None

    @staticmethod
    def _key(session: Session) -> str:
        return hashlib.sha256(b"revoked:" + session.csrf.encode()).hexdigest()[:32]

    def _load(self) -> Dict[str, float]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._cache, self._stamp = {}, None
            return self._cache
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:
                self._cache = {str(k): float(v) for k, v in json.loads(self.path.read_text("utf-8")).items()}
            except (ValueError, AttributeError):
                self._cache = {}
            self._stamp = stamp
        return self._cache

    def revoke(self, session: Session) -> None:
        now = time.time()
        with self._lock:
            revoked = {k: v for k, v in self._load().items() if v > now}
            revoked[self._key(session)] = session.expires
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(self.path.parent, 0o700)
            temporary = self.path.with_suffix(".tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(revoked, handle)
            os.replace(temporary, self.path)
            self._stamp = None

    def is_revoked(self, session: Session) -> bool:
        with self._lock:
            return self._key(session) in self._load()
