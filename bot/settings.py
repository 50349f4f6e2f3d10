"""Configuration read from the environment, in one place.

Every command and process reads its settings here, so that `RELAIS_DATABASE_URL`
and friends mean the same thing everywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot import secret_files
from bot.privacy.policy import RetentionPolicy

ROOT = Path(__file__).resolve().parent.parent
"""The repository root (where pyproject.toml lives)."""

REFERENCE_DIR = ROOT / "data" / "reference"
"""Vendored Québec reference data and HSDS schemas (see data/reference/SOURCES.md)."""

VAR_DIR = ROOT / "var"
RASA_TOKEN_FILE = VAR_DIR / "rasa_token"
SECRET_KEY_FILE = VAR_DIR / "secret_key"
"""Generated at the first `relais run` (`bot.secret_files`) unless the environment gives them."""
MODELS_DIR = ROOT / "models"

# The standard Rasa project at the root: plain `rasa train/test/shell/data validate` use them.
RASA_CONFIG = ROOT / "config.yml"
DOMAIN_PATH = ROOT / "domain.yml"
CREDENTIALS_FILE = ROOT / "credentials.yml"
ENDPOINTS_FILE = ROOT / "endpoints.yml"
NLU_DATA_DIR = ROOT / "data" / "nlu"
DIALOGUE_DATA_DIRS = (ROOT / "data" / "rules", ROOT / "data" / "stories")
TIMEZONE = "America/Montreal"


@dataclass(frozen=True)
class Limits:
    """How much one conversation, one address, one phone may ask (`RELAIS_LIMIT_*`).

    People share addresses (a shelter, a library, a school): the address ceiling is far above
    one person's, so that one busy sender never slows the others behind the same address.
    """

    messages_per_minute: int = 30
    address_messages_per_minute: int = 600
    escalations_per_hour: int = 3
    callbacks_per_day: int = 3

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Limits:
        def number(name: str, default: int) -> int:
            return int(env.get(f"RELAIS_LIMIT_{name}", default))

        return cls(
            messages_per_minute=number("MESSAGES_PER_MINUTE", cls.messages_per_minute),
            address_messages_per_minute=number(
                "ADDRESS_MESSAGES_PER_MINUTE", cls.address_messages_per_minute
            ),
            escalations_per_hour=number("ESCALATIONS_PER_HOUR", cls.escalations_per_hour),
            callbacks_per_day=number("CALLBACKS_PER_DAY", cls.callbacks_per_day),
        )


def _origins(value: str) -> tuple[str, ...]:
    return tuple(part.rstrip("/") for part in value.replace(",", " ").split() if part)


def _default_database_url() -> str:
    return f"sqlite:///{VAR_DIR / 'relais.db'}"


def _shared_tracker_url(env: dict[str, str]) -> str:
    """Several instances on a database server keep their conversations there too, unless
    `RELAIS_TRACKER_URL` says otherwise (one instance keeps Rasa's SQLite file)."""
    database = env.get("RELAIS_DATABASE_URL") or ""
    several = int(env.get("RELAIS_INSTANCES") or 1) > 1
    return database if several and database.startswith("postgresql") else ""


@dataclass(frozen=True)
class Settings:
    """Settings of every Relais process; built from `RELAIS_*` environment variables."""

    database_url: str
    record_language: str
    web_host: str
    web_port: int
    rasa_url: str
    rasa_token: str
    action_server_url: str
    secret_key: str
    public_url: str
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    """How long personal data is kept (`RELAIS_RETENTION_*`, `bot.privacy.policy`)."""
    allowed_origins: tuple[str, ...] = ()
    """Web origins that may talk to the assistant from a browser (CORS, websocket, framing)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses of proxies in front (nginx): their `X-Forwarded-For` names the client."""
    limits: Limits = field(default_factory=Limits)
    proxy_max_body: int = 64 * 1024
    """Largest request body the proxy forwards to Rasa (bytes)."""
    tracker_url: str = ""
    """Rasa's tracker store as a database URL (`RELAIS_TRACKER_URL`, e.g. the PostgreSQL of
    `RELAIS_DATABASE_URL`); empty: the SQLite file of endpoints.yml or `RELAIS_TRACKER_DB`.
    Rasa (`bot.ops.runner`) and the privacy commands (`bot.privacy.tracker_rows`) read it."""
    redis_url: str = ""
    """Redis shared by several Rasa servers (`RELAIS_REDIS_URL`): the lock per conversation
    (`bot.runtime.lock_store`); empty: the in-memory lock
    store (`bot.runtime.memory_lock_store`), one server only."""
    redis_prefix: str = "relais"
    """Letters and digits naming this installation's keys in that Redis (`RELAIS_REDIS_PREFIX`)."""
    instances: int = 1
    """Rasa servers writing the same conversations (`RELAIS_INSTANCES`); more than one needs
    `RELAIS_REDIS_URL` and a tracker store on a database server (`RELAIS_TRACKER_URL`)."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        web_port = int(env.get("RELAIS_WEB_PORT", "8080"))
        public_url = env.get("RELAIS_PUBLIC_URL", f"http://127.0.0.1:{web_port}").rstrip("/")
        return cls(
            database_url=env.get("RELAIS_DATABASE_URL") or _default_database_url(),
            record_language=env.get("RELAIS_RECORD_LANGUAGE", "fr"),
            web_host=env.get("RELAIS_WEB_HOST", "127.0.0.1"),
            web_port=web_port,
            rasa_url=env.get("RELAIS_RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
            rasa_token=env.get("RELAIS_RASA_TOKEN") or secret_files.read(RASA_TOKEN_FILE),
            action_server_url=env.get("RELAIS_ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook"),
            secret_key=env.get("RELAIS_SECRET_KEY") or secret_files.read(SECRET_KEY_FILE),
            public_url=public_url,
            retention=RetentionPolicy.from_env(env),
            allowed_origins=_origins(env.get("RELAIS_ALLOWED_ORIGINS", "")) or (public_url,),
            trusted_proxies=tuple(env.get("RELAIS_TRUSTED_PROXIES", "").replace(",", " ").split()),
            limits=Limits.from_env(env),
            proxy_max_body=int(env.get("RELAIS_PROXY_MAX_BODY", 64 * 1024)),
            tracker_url=env.get("RELAIS_TRACKER_URL") or _shared_tracker_url(env),
            redis_url=env.get("RELAIS_REDIS_URL", ""),
            redis_prefix=env.get("RELAIS_REDIS_PREFIX") or "relais",
            instances=int(env.get("RELAIS_INSTANCES") or 1),
        )

    def with_secrets(self) -> Settings:
        """These settings with the installation's secrets, generated into `var/` if missing."""
        from dataclasses import replace

        return replace(
            self,
            rasa_token=self.rasa_token or secret_files.read_or_create(RASA_TOKEN_FILE),
            secret_key=self.secret_key or secret_files.read_or_create(SECRET_KEY_FILE),
        )

    def instances_problem(self) -> str | None:
        """Why several instances cannot share these stores (a catalog key; None: fine).

        Two Rasa servers on one conversation need one lock across them (Redis) and one
        tracker store both can write (a database server: a SQLite file is one machine's, and
        `RelaisTrackerStore` keeps its cache only for a single writer).
        """
        if self.instances <= 1:
            return None
        if not self.redis_url:
            return "dialogue.run.instances_need_redis"
        if not self.tracker_url or self.tracker_url.startswith("sqlite"):
            return "dialogue.run.instances_need_database"
        return None

    def exposure_problem(self) -> str | None:
        """Why these settings must not listen beyond this machine (None: fine).

        A published or short token/secret on a network port would let anyone drive Rasa's
        API or forge console sessions; on loopback only this machine can reach it.
        """
        if secret_files.is_loopback(self.web_host):
            return None
        if secret_files.is_weak(self.rasa_token):
            return "RELAIS_RASA_TOKEN"
        if secret_files.is_weak(self.secret_key):
            return "RELAIS_SECRET_KEY"
        return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings.from_env()
