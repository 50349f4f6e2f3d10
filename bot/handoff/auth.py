"""Counsellor credentials, the session key and CSRF tokens.

Passwords are hashed with Argon2id (argon2-cffi defaults). The session cookie is encrypted
with a key derived from `RELAIS_SECRET_KEY`; when unset, one is generated once and kept in
`var/secret_key` (mode 600) so sessions survive a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.settings import VAR_DIR

SECRET_FILE = VAR_DIR / "secret_key"
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password shorter than {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("not-a-real-password")


def burn_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown email takes as long as a wrong password."""
    verify_password(_DUMMY_HASH, password)


def secret_key(configured: str, path: Path = SECRET_FILE) -> str:
    """The configured secret, or the persisted generated one."""
    if configured:
        return configured
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(generated)
    return generated


def session_key(secret: str) -> bytes:
    """32 raw bytes derived from any secret string (aiohttp-session makes the Fernet key)."""
    return hashlib.sha256(f"relais-console:{secret}".encode()).digest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
