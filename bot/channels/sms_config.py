"""Configuration of the SMS channel: credentials from the environment, never the repository.

Each value comes from the channel's block in the Rasa credentials file when it is set
there (a deployment may write `auth_token: ${MY_VAR}`, Rasa substitutes it), else from a
`RELAIS_SMS_*` environment variable. The shared `bot/credentials.yml` names no variable,
so Rasa still starts on a machine without SMS credentials: the channel then answers its
webhook with 503 and says why in the log.

| key | variable | meaning |
|---|---|---|
| account_sid | RELAIS_SMS_ACCOUNT_SID | provider account |
| auth_token | RELAIS_SMS_AUTH_TOKEN | signs webhooks and authenticates API calls |
| from_number | RELAIS_SMS_FROM_NUMBER | the number replies come from (E.164) |
| public_url | RELAIS_SMS_PUBLIC_URL | base URL the provider calls (default: RELAIS_PUBLIC_URL) |
| api_url | RELAIS_SMS_API_URL | provider REST API base (tests: a local fake) |
| max_segments | RELAIS_SMS_MAX_SEGMENTS | SMS parts per reply before "more" (3) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.settings import Settings

DEFAULT_API_URL = "https://api.twilio.com"
ENV_PREFIX = "RELAIS_SMS_"


@dataclass(frozen=True)
class SmsConfig:
    account_sid: str
    auth_token: str
    from_number: str
    public_url: str
    api_url: str
    max_segments: int
    secret_key: str
    database_url: str
    send_timeout: float = 10.0
    redis_url: str = ""
    """Redis shared by the Rasa servers (`RELAIS_REDIS_URL`): one phone's order across them."""
    redis_prefix: str = "relais"

    @classmethod
    def from_credentials(
        cls,
        credentials: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        settings: Settings | None = None,
    ) -> SmsConfig:
        env = os.environ if env is None else env
        settings = settings or Settings.from_env(dict(env))
        credentials = credentials or {}

        def value(key: str, default: str = "") -> str:
            given = credentials.get(key)
            if given not in (None, ""):
                return str(given).strip()
            return (env.get(ENV_PREFIX + key.upper()) or default).strip()

        return cls(
            account_sid=value("account_sid"),
            auth_token=value("auth_token"),
            from_number=value("from_number"),
            # the URL the provider signs: the public origin unless told otherwise
            public_url=value("public_url", settings.public_url).rstrip("/"),
            api_url=value("api_url", DEFAULT_API_URL).rstrip("/"),
            max_segments=int(value("max_segments", "3")),
            secret_key=settings.secret_key,
            database_url=settings.database_url,
            redis_url=settings.redis_url,
            redis_prefix=settings.redis_prefix,
        )

    def missing(self) -> list[str]:
        """What keeps the channel from working (empty when it is configured)."""
        needed = {
            "RELAIS_SMS_ACCOUNT_SID": self.account_sid,
            "RELAIS_SMS_AUTH_TOKEN": self.auth_token,
            "RELAIS_SMS_FROM_NUMBER": self.from_number,
            "RELAIS_SECRET_KEY": self.secret_key,
        }
        return [name for name, given in needed.items() if not given]

    @property
    def configured(self) -> bool:
        return not self.missing()

    def webhook_url(self, path: str, query_string: str, fallback: str) -> str:
        """The URL the provider signed: `public_url` + path when behind a proxy."""
        if not self.public_url:
            return fallback
        return self.public_url + path + (f"?{query_string}" if query_string else "")
