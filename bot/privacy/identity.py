"""A person's phone number, kept only sealed, and the key that finds their data by it.

A callback number is needed in clear only by the counsellor who calls back; in the database
it is encrypted (Fernet, `NumberCipher`), and a keyed hash of it (`phone_key`) lets
`relais privacy forget|export --phone` find the person's callbacks. The key is the SMS
channel's conversation id for that number (`sms-<HMAC>`), so one phone number finds both its
SMS conversation and its callbacks. Both come from the one server secret
(`RELAIS_SECRET_KEY`, or the persisted generated one of `bot.handoff.auth`).
"""

from __future__ import annotations

from bot.channels.sms_privacy import NumberCipher, normalize_number, sender_id_for


def server_secret() -> str:
    from bot.handoff.auth import secret_key
    from bot.settings import get_settings

    return secret_key(get_settings().secret_key)


def phone_key(number: str, secret: str | None = None) -> str:
    """The pseudonymous id of a phone number (raises `InvalidNumber` for anything else)."""
    return sender_id_for(normalize_number(number), secret or server_secret())


def seal(number: str, secret: str | None = None) -> str:
    return NumberCipher(secret or server_secret()).encrypt(number)


def unseal(token: str, secret: str | None = None) -> str:
    """The number in clear; a value written before numbers were sealed is returned as is."""
    if not token or token.startswith("+") or token[:1].isdigit():
        return token
    try:
        return NumberCipher(secret or server_secret()).decrypt(token)
    except ValueError:
        return ""
