"""The Zalo OA API as the bot uses it: send a customer-service text, keep the token fresh.

- Send: ``POST {api}/v3.0/oa/message/cs`` with header ``access_token`` and
  ``{"recipient": {"user_id"}, "message": {"text"}}``; success is ``error: 0``.
- Error -216 (token invalid) or -220 (token expired): refresh at
  ``POST {oauth}/v4/oa/access_token`` (header ``secret_key`` = app secret, form
  ``refresh_token``, ``app_id``, ``grant_type=refresh_token``) and resend once.
  Refresh tokens are single use, so the new pair is written to disk atomically before it
  is used, and one lock makes concurrent sends share a single refresh.
- Network errors, HTTP 5xx/429 and Zalo's rate-limit error (-32) are retried with capped
  exponential backoff; any other error is final (e.g. -230: the citizen has not written
  for 7 days) and is raised for the caller to log.

Base URLs are settings so that tests point them at a fake API on loopback.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional

import aiohttp

logger = logging.getLogger(__name__)

OA_API_BASE = "https://openapi.zalo.me"
OAUTH_BASE = "https://oauth.zaloapp.com"
SEND_PATH = "/v3.0/oa/message/cs"
PROMOTION_PATH = "/v3.0/oa/message/promotion"
PROMOTION_HEADER_LIMIT = 100  # characters of a promotion message's header element
REFRESH_PATH = "/v4/oa/access_token"
TOKEN_ERRORS = frozenset({-216, -220})
RATE_LIMIT_ERRORS = frozenset({-32})
# Refresh a little before the access token's announced expiry rather than after.
EXPIRY_MARGIN_SECONDS = 300


class ZaloApiError(Exception):
    """Zalo refused a request (``code`` is Zalo's error number) or could not be reached."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code


class _Transient(Exception):
    """A failure worth retrying: the request may succeed if sent again a bit later."""


@dataclass(frozen=True)
class ClientSettings:
    app_id: str
    app_secret: str
    api_base: str = OA_API_BASE
    oauth_base: str = OAUTH_BASE
    timeout_seconds: float = 10.0
    max_attempts: int = 4
    backoff_seconds: float = 0.5
    backoff_cap_seconds: float = 8.0

    @classmethod
    def from_env(cls, app_id: str, app_secret: str) -> "ClientSettings":
        env = os.environ
        return cls(
            app_id=app_id,
            app_secret=app_secret,
            api_base=env.get("ZALO_API_BASE", OA_API_BASE).rstrip("/"),
            oauth_base=env.get("ZALO_OAUTH_BASE", OAUTH_BASE).rstrip("/"),
            timeout_seconds=float(env.get("ZALO_HTTP_TIMEOUT_SECONDS", "10")),
            max_attempts=max(1, int(env.get("ZALO_SEND_ATTEMPTS", "4"))),
            backoff_seconds=float(env.get("ZALO_BACKOFF_SECONDS", "0.5")),
            backoff_cap_seconds=float(env.get("ZALO_BACKOFF_CAP_SECONDS", "8")),
        )

    def backoff(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed attempt: 0.5, 1, 2, 4… up to the cap."""
        return min(self.backoff_cap_seconds, self.backoff_seconds * 2 ** (failures - 1))


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: Optional[float] = None  # epoch seconds; None when unknown (tokens from env)

    def expired(self, now: Optional[float] = None) -> bool:
        if not self.access_token:
            return True
        if self.expires_at is None:
            return False
        return (time.time() if now is None else now) >= self.expires_at - EXPIRY_MARGIN_SECONDS


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


class TokenStore:
    """The current token pair, on disk after every refresh.

    The configured pair (environment) is where a chain of refreshes starts. The file
    records which configured refresh token its chain started from, so after a restart
    the newer saved pair wins, while an operator who configures a new pair (after
    re-authorising the app) is not overridden by an old file.
    """

    def __init__(self, path: Path, configured: TokenPair) -> None:
        self.path = path
        self.origin = _fingerprint(configured.refresh_token)
        self.pair = self._saved() or configured

    def _saved(self) -> Optional[TokenPair]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            logger.warning("ignoring unreadable Zalo token file %s: %s", self.path, error)
            return None
        if not isinstance(data, dict) or data.get("origin") != self.origin:
            return None
        if not data.get("access_token") or not data.get("refresh_token"):
            return None
        expires_at = data.get("expires_at")
        return TokenPair(str(data["access_token"]), str(data["refresh_token"]),
                         float(expires_at) if isinstance(expires_at, (int, float)) else None)

    def reload(self) -> TokenPair:
        """Adopt a pair another process saved since we last looked."""
        saved = self._saved()
        if saved is not None:
            self.pair = saved
        return self.pair

    def save(self, pair: TokenPair) -> None:
        """Write the pair atomically (temp file + rename), readable by the owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"access_token": pair.access_token, "refresh_token": pair.refresh_token,
                "expires_at": pair.expires_at, "origin": self.origin, "saved_at": time.time()}
        fd, temp = tempfile.mkstemp(prefix=".zalo_tokens.", dir=str(self.path.parent))  # mode 600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o600)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        self.pair = pair


class ZaloClient:
    """Sends OA messages; one instance per channel, used from Rasa's event loop."""

    def __init__(self, settings: ClientSettings, tokens: TokenStore,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.settings = settings
        self.tokens = tokens
        self._sleep = sleep
        self._session: Optional[aiohttp.ClientSession] = None
        self._refresh_lock = asyncio.Lock()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.timeout_seconds))
        return self._session

    async def send_text(self, user_id: str, text: str) -> str:
        """Send ``text`` to the citizen ``user_id`` (a "tư vấn" message); returns Zalo's message id."""
        return await self._send(SEND_PATH, {"recipient": {"user_id": user_id}, "message": {"text": text}})

    async def send_promotion(self, user_id: str, header: str, text: str) -> str:
        """Send a "truyền thông" message (a header and a text) to the follower ``user_id``; Zalo's message id."""
        elements = [{"type": "header", "content": header[:PROMOTION_HEADER_LIMIT]},
                    {"type": "text", "align": "left", "content": text}]
        payload = {"template_type": "promotion", "language": "VI", "elements": elements}
        return await self._send(PROMOTION_PATH, {"recipient": {"user_id": user_id},
                                                 "message": {"attachment": {"type": "template", "payload": payload}}})

    async def _send(self, path: str, body: Dict[str, Any]) -> str:
        """POST a message, refreshing the token once when Zalo refuses it; the message id."""
        if self.tokens.pair.expired():
            await self.refresh(stale=self.tokens.pair.access_token)
        refreshed = False
        while True:
            token = self.tokens.pair.access_token
            data = await self._with_retries(lambda: self._post_json(
                self.settings.api_base + path, json_body=body, headers={"access_token": token}))
            code = _error_code(data)
            if code == 0:
                result = data.get("data") if isinstance(data.get("data"), dict) else {}
                return str(result.get("message_id", ""))
            if code in TOKEN_ERRORS and not refreshed:
                logger.info("Zalo access token rejected (%s); refreshing", code)
                await self.refresh(stale=token)
                refreshed = True
                continue
            raise ZaloApiError(code, str(data.get("message", "")))

    async def refresh(self, stale: str) -> None:
        """Replace the access token ``stale`` with a new pair, once for all waiting senders."""
        async with self._refresh_lock:
            if self.tokens.pair.access_token != stale:
                return  # another send refreshed while this one waited for the lock
            if self.tokens.reload().access_token != stale:
                return  # another process refreshed and saved the new pair
            form = {"refresh_token": self.tokens.pair.refresh_token, "app_id": self.settings.app_id,
                    "grant_type": "refresh_token"}
            data = await self._with_retries(lambda: self._post_json(
                self.settings.oauth_base + REFRESH_PATH, form=form, headers={"secret_key": self.settings.app_secret}))
            access, refresh = data.get("access_token"), data.get("refresh_token")
            if not access or not refresh:
                code = _error_code(data)
                logger.error("Zalo token refresh refused (%s): the OA must re-authorise the app", code)
                raise ZaloApiError(code or -1, str(data.get("error_description") or data.get("message") or "refresh failed"))
            expires_in = _number(data.get("expires_in"))
            self.tokens.save(TokenPair(str(access), str(refresh),
                                       time.time() + expires_in if expires_in else None))
            logger.info("Zalo access token refreshed; new pair saved to %s", self.tokens.path)

    async def _with_retries(self, request: Callable[[], Awaitable[Dict[str, Any]]]) -> Dict[str, Any]:
        """The response of ``request``, retried after transient failures with backoff."""
        failures = 0
        while True:
            try:
                data = await request()
                if _error_code(data) not in RATE_LIMIT_ERRORS:
                    return data
                failure: Exception = _Transient(f"rate limited ({_error_code(data)})")
            except _Transient as error:
                failure = error
            failures += 1
            if failures >= self.settings.max_attempts:
                raise ZaloApiError(-1, f"gave up after {failures} attempts: {failure}")
            delay = self.settings.backoff(failures)
            logger.warning("Zalo request failed (%s); retry %d in %.1f s", failure, failures, delay)
            await self._sleep(delay)

    async def _post_json(self, url: str, headers: Dict[str, str], json_body: Optional[Dict[str, Any]] = None,
                         form: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        try:
            async with self._http().post(url, json=json_body, data=form, headers=headers) as response:
                if response.status >= 500 or response.status == 429:
                    raise _Transient(f"HTTP {response.status}")
                raw = await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise _Transient(f"{type(error).__name__}: {error}") from error
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise _Transient(f"HTTP {response.status} with a body that is not JSON") from error
        if not isinstance(data, dict):
            raise ZaloApiError(-1, "unexpected response")
        return data


def make_client(app_id: str, app_secret: str, access_token: str, refresh_token: str) -> ZaloClient:
    """A client with the token pair kept in ``ZALO_TOKEN_FILE`` (shared by every process that sends)."""
    tokens = TokenStore(Path(os.environ.get("ZALO_TOKEN_FILE", ".cache/zalo_tokens.json")),
                        TokenPair(access_token, refresh_token))
    return ZaloClient(ClientSettings.from_env(app_id, app_secret), tokens)


def client_from_env() -> Optional[ZaloClient]:
    """The OA client from ``ZALO_*`` variables (the staff app sends announcements); None when not configured."""
    env = os.environ
    needed = [env.get(name, "").strip() for name in ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_REFRESH_TOKEN")]
    if not all(needed):
        return None
    return make_client(needed[0], needed[1], env.get("ZALO_ACCESS_TOKEN", "").strip(), needed[2])


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _error_code(data: Dict[str, Any]) -> int:
    """Zalo's ``error`` field as an int (0 = success; missing counts as success)."""
    try:
        return int(data.get("error", 0) or 0)
    except (TypeError, ValueError):
        return -1
