"""Values a privacy test writes into conversations and then looks for, byte by byte, in every
file a stack wrote (and in every log the test suite wrote: tests/conftest.py). None of them
is in the demo directory or the code, so finding one means it leaked."""

from __future__ import annotations

EMAIL = "zelda.canari.7731@example.org"
SIN = "946 454 287"  # passes the Luhn check (bot.privacy.redact: SIN)
PHONE = "873-555-0162"
PHONE_E164 = "+18735550162"
POSTAL = "H3Z 2Y7"
LATITUDE, LONGITUDE = 45.48713, -73.58826

SAID = f"Mon courriel est {EMAIL}, mon NAS {SIN}, mon numéro {PHONE}, code postal {POSTAL}"
"""A message holding every canary, as a person might write it."""

FORMS: tuple[bytes, ...] = tuple(
    form.encode()
    for form in (
        EMAIL,
        SIN,
        SIN.replace(" ", ""),
        PHONE,
        PHONE.replace("-", ""),
        PHONE.replace("-", " "),
        POSTAL,
        POSTAL.replace(" ", ""),
        f"{LATITUDE}",
        f"{LONGITUDE}",
    )
)
"""Every way the canaries may be written down (the widget's JSON, SQLite, a log line)."""


def found_in(data: bytes) -> list[bytes]:
    return [form for form in FORMS if form in data]
