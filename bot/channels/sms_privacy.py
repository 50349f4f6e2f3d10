"""Phone numbers are personal data: hash them, encrypt them, keep them out of the logs.

- The Rasa `sender_id` of an SMS conversation is `sms-` + HMAC-SHA256 of the E.164 number,
  so trackers, the console and the logs never carry the number, yet the same phone always
  lands in the same conversation.
- The number itself is needed only to send a later message (a counsellor's reply, the
  "more" page); it is stored encrypted with Fernet.
- Both keys are derived (HKDF-SHA256, distinct `info`) from `RELAIS_SECRET_KEY`, so one
  secret to rotate and a leaked hash says nothing about the encryption key.
- Logs: the channel's processes redact every record with `bot.privacy.log_filter` (phone
  numbers and every other identifier), the one redactor of the project.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SENDER_PREFIX = "sms-"
DEFAULT_REGION = "CA"


class InvalidNumber(ValueError):
    """Text that is not a phone number (the provider sent something unexpected)."""


class MissingSecret(RuntimeError):
    """`RELAIS_SECRET_KEY` is empty: numbers cannot be hashed or encrypted safely."""


def normalize_number(raw: str, region: str = DEFAULT_REGION) -> str:
    """`+15145550100`, `514 555-0100`, `(514) 555-0100` → `+15145550100` (E.164)."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber("not a phone number") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidNumber("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=16)
def _derive(secret: str, purpose: bytes) -> bytes:
    if not secret:
        raise MissingSecret("RELAIS_SECRET_KEY is required by the SMS channel")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode("utf-8")
    )


def sender_id_for(number: str, secret: str) -> str:
    """The conversation id of a phone number (any format): `sms-<64 hex>`."""
    e164 = normalize_number(number)
    digest = hmac.new(_derive(secret, b"relais-sms-sender-id"), e164.encode(), hashlib.sha256)
    return SENDER_PREFIX + digest.hexdigest()


def is_sender_id(value: str) -> bool:
    return value.startswith(SENDER_PREFIX) and len(value) == len(SENDER_PREFIX) + 64


class NumberCipher:
    """Fernet encryption of numbers (and of the other per-person text kept for later)."""

    def __init__(self, secret: str) -> None:
        key = base64.urlsafe_b64encode(_derive(secret, b"relais-sms-fernet"))
        self._fernet = Fernet(key)

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong RELAIS_SECRET_KEY or damaged value") from exc
