"""Benchmark of the redactor: microseconds to redact 1 kB of text, by kind of text.

The aim is well under a millisecond for a 1 kB message, since every log record goes through
`redact`. `run()` returns the figures (the lead's `make bench` prints and saves them).
"""

from __future__ import annotations

import time

_FR = (
    "Bonjour, mon conjoint me menace depuis 3 mois et j'ai peur de rentrer chez moi. "
    "J'ai 34 ans, deux enfants de 4 et 7 ans. On habite un 4 1/2 au 1234, rue Ontario Est, "
    "H2L 1N5, loyer de 1 200 $ par mois, le bail finit le 30 juin 2025. Vous pouvez me "
    "rappeler au 514-555-0199 après 17 h 30, ou m'écrire à marie.tremblay@videotron.ca. "
    "J'ai aussi des dettes de carte de crédit (environ 8 500 $) et je ne sais plus quoi faire. "
)
_EN = (
    "Hi, I moved here from Haiti 2 years ago and my work permit expires on 2025-03-31. "
    "I live at 4500 Sherbrooke W, apt 12, and my landlord wants $1,450 by Friday. "
    "My SIN is 046 454 286 if you need it. Call me at (438) 555-0123 or +1 450 555 0100. "
    "Is there a food bank open on Saturday at 10 am near H3Z? I have 3 kids under 12. "
)
_PLAIN = (
    "Bonjour, je cherche de l'aide pour payer mon épicerie cette semaine, est-ce qu'il y a "
    "une banque alimentaire ouverte près de chez moi ? Merci beaucoup pour votre aide. "
)
_DENSE = (
    "NAS 046 454 286, tel 514-555-0199, jean@x.ca, 1234 rue Ontario Est H2X 1Y4, "
    "le 2024-06-24 à 9 h 30, 1 200 $, 3 1/2, code 66023, TREM 8505 1512. "
)


def _kilobyte(text: str) -> str:
    return (text * (1 + 1024 // len(text)))[:1024]


def _microseconds(text: str, seconds: float = 1.0) -> float:
    from bot.privacy.redact import redact

    redact(text)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        redact(text)
        count += 1
    return round((time.perf_counter() - started) / count * 1e6, 1)


def run() -> dict:
    return {
        "us_per_kB": {
            "message_fr": _microseconds(_kilobyte(_FR)),
            "message_en": _microseconds(_kilobyte(_EN)),
            "no_digits": _microseconds(_kilobyte(_PLAIN)),
            "dense_identifiers": _microseconds(_kilobyte(_DENSE)),
        }
    }


if __name__ == "__main__":
    print(run())
