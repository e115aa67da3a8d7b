"""Staff accounts and sessions: hashed passwords, signed expiring cookies, limited login attempts."""

from __future__ import annotations

import io
import json
import stat
import time

import pytest

from staff import accounts as accounts_command
from staff.accounts import AccountError, AccountStore, hash_password, verify_password
from staff.sessions import LoginLimiter, SessionSigner, load_secret, same_token


def test_passwords_are_stored_as_salted_scrypt_hashes_only(tmp_path):
    store = AccountStore(tmp_path)
    store.set_password("can-bo.an", "mật khẩu dài đủ", create=True)
    stored = (tmp_path / "accounts.json").read_text(encoding="utf-8")
    assert "mật khẩu" not in stored and "scrypt$" in stored
    assert stat.S_IMODE((tmp_path / "accounts.json").stat().st_mode) == 0o600
    assert store.authenticate("can-bo.an", "mật khẩu dài đủ")
    assert not store.authenticate("can-bo.an", "mật khẩu sai rồi")
    assert not store.authenticate("khong-co", "mật khẩu dài đủ")
    assert hash_password("giống nhau") != hash_password("giống nhau")  # per-user salt
    assert verify_password("giống nhau", hash_password("giống nhau"))


def test_weak_or_duplicate_accounts_are_refused(tmp_path):
    store = AccountStore(tmp_path)
    with pytest.raises(AccountError, match="ít nhất"):
        store.set_password("an", "ngan", create=True)
    with pytest.raises(AccountError, match="Tên đăng nhập"):
        store.set_password("Nguyễn An", "mật khẩu dài đủ", create=True)
    store.set_password("an", "mật khẩu dài đủ", create=True)
    with pytest.raises(AccountError, match="đã có"):
        store.set_password("an", "mật khẩu khác dài", create=True)


def test_the_command_reads_the_password_from_stdin(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STAFF_STATE_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("mật khẩu từ stdin\n"))
    assert accounts_command.main(["add", "binh", "--password-stdin"]) == 0
    assert AccountStore(tmp_path).authenticate("binh", "mật khẩu từ stdin")
    assert accounts_command.main(["list"]) == 0
    assert "binh" in capsys.readouterr().out


def test_a_session_cookie_cannot_be_forged_or_used_after_expiry(tmp_path):
    signer = SessionSigner(load_secret(tmp_path))
    cookie, session = signer.issue("an", "stamp")
    assert signer.read(cookie) == session
    payload, signature = cookie.rsplit(".", 1)
    forged = json.dumps({"u": "admin", "e": time.time() + 999, "c": "x", "p": "stamp"})
    import base64

    forged_payload = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
    assert signer.read(f"{forged_payload}.{signature}") is None
    assert SessionSigner(b"another secret").read(cookie) is None
    expired = SessionSigner(load_secret(tmp_path), lifetime=-1).issue("an", "stamp")[0]
    assert signer.read(expired) is None
    assert not same_token("", "") and same_token(session.csrf, session.csrf)


def test_the_generated_secret_is_kept_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("STAFF_SECRET", raising=False)
    first = load_secret(tmp_path)
    assert load_secret(tmp_path) == first and len(first) >= 32
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600


def test_failed_logins_are_limited_per_user_and_per_address():
    limiter = LoginLimiter(per_user=3, per_address=5, window=60)
    for _ in range(3):
        assert limiter.wait_seconds("10.0.0.1", "an") == 0
        limiter.failed("10.0.0.1", "an")
    assert limiter.wait_seconds("10.0.0.2", "an") > 0  # the user name is blocked from anywhere
    assert limiter.wait_seconds("10.0.0.1", "binh") == 0  # others behind the same address are not, yet
    limiter.failed("10.0.0.1", "binh")
    limiter.failed("10.0.0.1", "chi")
    assert limiter.wait_seconds("10.0.0.1", "dung") > 0  # too many failures from one address
    assert limiter.wait_seconds("10.0.0.2", "dung") == 0


def test_an_attempt_is_counted_before_the_password_is_checked():
    limiter = LoginLimiter(per_user=5, per_address=20, window=60)
    results = [limiter.attempt("10.0.0.1", "an") for _ in range(30)]  # none has finished its check yet
    assert sum(1 for wait, _ in results if wait == 0) == 5
    wait, ticket = LoginLimiter().attempt("10.0.0.1", "binh")
    assert wait == 0 and ticket > 0
    ok = LoginLimiter(per_user=2, per_address=3, window=60)
    for _ in range(3):  # right passwords: the address budget is given back
        _, ticket = ok.attempt("10.0.0.9", "chi")
        ok.succeeded("10.0.0.9", "chi", ticket)
    assert ok.wait_seconds("10.0.0.9", "dung") == 0


def test_the_staff_tools_read_rasas_api_token_from_its_private_file(tmp_path, monkeypatch):
    from staff.config import StaffConfig

    token_file = tmp_path / "rasa_api_token"
    token_file.write_text("tok-123\n")
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    monkeypatch.setenv("RASA_API_TOKEN_FILE", str(token_file))
    assert StaffConfig().rasa_token == "tok-123"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
