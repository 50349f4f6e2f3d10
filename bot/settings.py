"""Configuration read from the environment, in one place.

Every command and process reads its settings here, so that `RELAIS_DATABASE_URL`
and friends mean the same thing everywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.privacy.policy import RetentionPolicy

ROOT = Path(__file__).resolve().parent.parent
"""The repository root (where pyproject.toml lives)."""

REFERENCE_DIR = ROOT / "data" / "reference"
"""Vendored Québec reference data and HSDS schemas (see data/reference/SOURCES.md)."""

VAR_DIR = ROOT / "var"
MODELS_DIR = ROOT / "models"

# The standard Rasa project at the root: plain `rasa train/test/shell/data validate` use them.
RASA_CONFIG = ROOT / "config.yml"
DOMAIN_PATH = ROOT / "domain.yml"
CREDENTIALS_FILE = ROOT / "credentials.yml"
ENDPOINTS_FILE = ROOT / "endpoints.yml"
NLU_DATA_DIR = ROOT / "data" / "nlu"
DIALOGUE_DATA_DIRS = (ROOT / "data" / "rules", ROOT / "data" / "stories")
TIMEZONE = "America/Montreal"


def _default_database_url() -> str:
    return f"sqlite:///{VAR_DIR / 'relais.db'}"


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

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        web_port = int(env.get("RELAIS_WEB_PORT", "8080"))
        return cls(
            database_url=env.get("RELAIS_DATABASE_URL") or _default_database_url(),
            record_language=env.get("RELAIS_RECORD_LANGUAGE", "fr"),
            web_host=env.get("RELAIS_WEB_HOST", "127.0.0.1"),
            web_port=web_port,
            rasa_url=env.get("RELAIS_RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
            rasa_token=env.get("RELAIS_RASA_TOKEN", "relais-dev-token"),
            action_server_url=env.get("RELAIS_ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook"),
            secret_key=env.get("RELAIS_SECRET_KEY", ""),
            public_url=env.get("RELAIS_PUBLIC_URL", f"http://127.0.0.1:{web_port}").rstrip("/"),
            retention=RetentionPolicy.from_env(env),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings.from_env()
