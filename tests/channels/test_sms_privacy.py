"""Phone numbers: one hashed conversation id per phone, encrypted at rest, never logged."""

from __future__ import annotations

import logging

import pytest

from bot.channels.sms_privacy import (
    InvalidNumber,
    MissingSecret,
    NumberCipher,
    normalize_number,
    sender_id_for,
)
from bot.privacy.log_filter import PrivacyFilter
from bot.privacy.redact import redact

FORMATS = ["+15145550123", "514-555-0123", "(514) 555-0123", "1 514 555 0123", "5145550123"]


@pytest.mark.parametrize("raw", FORMATS)
def test_numbers_are_normalized_to_e164(raw: str) -> None:
    assert normalize_number(raw) == "+15145550123"


@pytest.mark.parametrize("raw", ["", "hello", "12"])
def test_not_a_number(raw: str) -> None:
    with pytest.raises(InvalidNumber):
        normalize_number(raw)


def test_sender_id_is_a_keyed_hash_of_the_number() -> None:
    ids = {sender_id_for(raw, "secret-a") for raw in FORMATS}
    assert len(ids) == 1
    (sender_id,) = ids
    assert sender_id.startswith("sms-") and len(sender_id) == 4 + 64
    assert "5550123" not in sender_id
    assert sender_id_for("+15145550123", "secret-b") != sender_id
    assert sender_id_for("+15145550124", "secret-a") != sender_id


def test_no_secret_no_hash() -> None:
    with pytest.raises(MissingSecret):
        sender_id_for("+15145550123", "")


def test_cipher_round_trip_and_key_separation() -> None:
    token = NumberCipher("secret-a").encrypt("+15145550123")
    assert "5550123" not in token
    assert NumberCipher("secret-a").decrypt(token) == "+15145550123"
    with pytest.raises(ValueError):
        NumberCipher("secret-b").decrypt(token)


@pytest.mark.parametrize("raw", [*FORMATS, "+33 6 12 34 56 78", "15145550123"])
def test_redact_hides_numbers(raw: str) -> None:
    assert redact(f"from {raw} at noon") == "from <PHONE> at noon"


def test_redact_keeps_ordinary_text_and_ids() -> None:
    text = "Appelez le 211, 3 résultats, code 65005, 12,5 km"
    assert redact(text) == text
    hashed = "sms-" + "5145550123ab" + "cd" * 26
    sid = "SM5145550123" + "f" * 22
    assert redact(f"from {hashed} ({sid})") == f"from {hashed} ({sid})"


def test_filter_redacts_messages_and_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("bot.channels.test_privacy")
    logger.addFilter(PrivacyFilter())
    with caplog.at_level(logging.INFO, logger="bot.channels.test_privacy"):
        logger.info("SMS from %s: %r", "+15145550123", {"To": "514-555-0123"})
        logger.info("raw +1 (514) 555-0123")
    assert "555" not in caplog.text
    assert caplog.text.count("<PHONE>") == 3
