"""Understanding the answers of the after-hours callback form (pure functions).

Numbers are parsed with `phonenumbers` for Canada (area code required) and kept in E.164;
SMS needs a number that can receive texts (mobile or fixed-or-mobile, as North American
numbers are).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from bot.directory.needs import NEED_PREFIX

REGION = "CA"
SMS_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_CONTACT = {
    "sms": re.compile(r"\b(sms|texto?s?|text(o|e)?|message|écri|ecri|write)", re.IGNORECASE),
    "phone": re.compile(r"\b(appel|t[ée]l[ée]phon|phone|call|appelez|rappel)", re.IGNORECASE),
}
_LANGUAGE = {
    "fr": re.compile(r"\b(fr|fran[cç]ais|french)\b", re.IGNORECASE),
    "en": re.compile(r"\b(en|anglais|english)\b", re.IGNORECASE),
}
MAX_BEST_TIME = 200


def parse_phone(text: str, contact: str | None = None) -> str | None:
    """`"514 555-0123"` → `"+15145550123"`; None when not a valid (Canadian or +) number."""
    try:
        number = phonenumbers.parse(text or "", REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if contact == "sms" and phonenumbers.number_type(number) not in SMS_TYPES:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """`+15145550123` → `514-555-0123` (national format for North America)."""
    number = phonenumbers.parse(e164, REGION)
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def parse_contact(text: str) -> str | None:
    """ "texto", "SMS", "a text" → `sms`; "un appel", "call me" → `phone`."""
    for contact, pattern in _CONTACT.items():
        if pattern.search(text or ""):
            return contact
    return None


def parse_language(text: str) -> str | None:
    for language, pattern in _LANGUAGE.items():
        if pattern.search(text or ""):
            return language
    return None


def clean_best_time(text: str) -> str | None:
    value = " ".join((text or "").split())
    return value[:MAX_BEST_TIME] if value else None


SURE_NEED = 0.6
"""A need this sure is something else said, even if a word of it looks like an answer ("de
l'aide en santé mentale" holds "en")."""
CALLBACK_QUESTIONS = {
    "callback_phone": parse_phone,
    "callback_contact": parse_contact,
    "callback_language": parse_language,
    "callback_best_time": clean_best_time,
}
"""Each question of the callback form and what reads an answer to it."""
UNSPECIFIED = f"{NEED_PREFIX}unspecified"
"""'I need help' says no need: no reason to leave the callback."""
NO_PREFERENCE_INTENTS = frozenset({"goodbye", "thanks"})
"""'ok bye', 'merci' at the best-time question: no preference ("ok bye" was saved as the time
to call); the callback is kept."""
LEAVING_INTENTS = frozenset({"deny", "goodbye"})
"""'non finalement', 'never mind', 'bye': no callback after all, unless it answers."""


def leaves_the_callback(
    slot: str, text: str, intent: str, confidence: float, *, crisis: bool
) -> bool:
    """Whether a message written while the callback form asks `slot` is something else said:
    a crisis always ("jveux mourir" got "I didn't recognize that number"), a sure need, or,
    when it does not answer the question, any need or "never mind"."""
    if crisis:
        return True
    is_need = intent.startswith(NEED_PREFIX) and intent != UNSPECIFIED
    if is_need and confidence >= SURE_NEED:
        return True
    read = CALLBACK_QUESTIONS.get(slot)
    if read is None or read(text) is not None:
        return False
    return is_need or intent in LEAVING_INTENTS
