"""Secrets of this installation: generated once into `var/` (mode 0600), never in the repository.

The Rasa API token (`var/rasa_token`) and the web secret key (`var/secret_key`) are created
at the first `relais run` when the environment gives none (`RELAIS_RASA_TOKEN`,
`RELAIS_SECRET_KEY`), then read by every process. Children receive them by environment,
never on a command line, where `ps` would show them.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

WEAK_VALUES = frozenset(
    {
        "",
        "relais-dev-token",
        "stack-token",
        "stack-secret-key",
        "changeme",
        "change-me",
        "secret",
        "password",
        "token",
        "test",
        "dev",
    }
)
"""Values published somewhere (old defaults, test fixtures, examples): never on a network."""
MIN_LENGTH = 24


def read(path: Path) -> str:
    """The secret stored at `path`, or "" when there is none yet."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def read_or_create(path: Path, nbytes: int = 48) -> str:
    """The secret at `path`, generated first (random, mode 0600, never overwritten)."""
    existing = read(path)
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(nbytes)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: theirs wins
        return read(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(generated)
    return generated


def is_weak(value: str) -> bool:
    """A secret anyone could guess: a published default, or too short to resist guessing."""
    return value.strip().lower() in WEAK_VALUES or len(value.strip()) < MIN_LENGTH


def is_loopback(host: str) -> bool:
    """Whether listening on `host` keeps the port on this machine (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
