"""Find and hide personal identifiers in free text (French and English) before it is logged
or counted.

People write to a 211 about violence, debts and immigration; a log line or a statistic that
keeps their phone number or health-card number is a Law 25 incident. `find(text)` returns
where the identifiers are; `redact(text)` replaces each with a neutral placeholder.

What is recognized (one recognizer per kind, all sharing the `Recognizer` interface):

- EMAIL `<EMAIL>`: `name@domain.tld` (Unicode letters allowed), also `name[at]domain.tld`
  and `name(at)domain.tld`.
- PHONE `<PHONE>`: North-American numbers with an area code in any usual shape
  (`514-555-0199`, `(514) 555 0199`, `+1 438 555 0123`, `5145550199`, `1 (800) 363-9010`;
  area code and exchange start with 2-9), found by a pattern because
  `phonenumbers.PhoneNumberMatcher` misses two numbers in a row (`514 555 0199 438 555 0123`);
  the matcher (region CA) adds numbers of other countries (`+33 6 12 34 56 78`,
  `011 509 …`) and other shapes of 10+ digits; and 7-digit local numbers written `555-0199`.
  Public numbers in `PUBLIC_NUMBERS` (crisis and help lines) are kept; 211, 911 and 988 are
  too short to be taken for a phone number at all.
- SIN `<SIN>`: Canadian social insurance number (NAS), 9 digits, grouped 3-3-3 or not, that
  passes the Luhn check (`stdnum.luhn`). A 9-digit number that fails Luhn is not a SIN and is
  left alone. Unlike `stdnum.ca.sin.is_valid`, the first digit is not checked: 0 is never
  assigned (it is used by sample numbers such as 046 454 286) and 8 is a business number,
  but hiding them costs nothing and a typo in a real SIN is still a SIN.
- RAMQ `<RAMQ>`: Québec health-card number, 4 letters + 8 digits (`TREM 8505 1512`), whose
  month is 01-12 or 51-62 (women: +50) and day 01-31.
- POSTAL `<POSTAL>`: a full Canadian postal code (`H2X 1Y4`, `h2x1y4`, `H2X-1Y4`, valid letters only)
  becomes its FSA and a placeholder: `H2X <POSTAL>`. The FSA (forward sortation area) alone
  is kept on purpose: it is coarse enough for statistics and the bot needs it to find
  services nearby. An FSA written alone (`H2X`) is not a finding.
- ADDRESS `<ADDRESS>`: a civic number (`1234`, `12-345`, `123A`) followed by a street type
  (`rue`, `avenue`, `av.`, `boulevard`, `boul.`, `bd`, `chemin`, `ch.`, `rang`, `route`,
  `place`, `montée`, `côte`… then the name: `1234, rue Ontario Est`,
  `12-345 av. du Parc`), or by a name and then a type (`123 Main Street`, `1234, 5e Avenue`),
  or by a capitalized name and a direction (`4500 Sherbrooke W`, `1234 Ontario Est`), or by a
  Saint name (`5678 St-Laurent`); an apartment or unit that follows (`app. 3`, `apt 3`,
  `#3`, `bureau 200`) is part of the finding.
- COORDINATES `<COORDINATES>`: `lat`/`lon` key-value pairs as in the widget's shared
  location (`/provide_place{"lat": 45.50, "lon": -73.57}` becomes
  `/provide_place{<COORDINATES>}`), Python reprs and query strings of them, the `lat` and
  `lon` entities and slots as Rasa logs them, and plain pairs such as `45.5017, -73.5673` or
  `45.5017° N, 73.5673° W`.
- NUMBER `<NUMBER>`: a safety net for long numbers nothing else claimed: a run of 10 or more
  digits (a phone number the parser did not take, a bank account, a file number) and card
  numbers in groups of four that pass Luhn.

Overlapping findings are merged into one span covering all of them (so no piece of any
of them is left visible), labelled with the kind of the longest (ties: the recognizer listed
first in `RECOGNIZERS`).

Left alone on purpose: 211, 911, 988 and the public lines of `PUBLIC_NUMBERS`, amounts
(`1 200 $`, `$1,200`), dates (`2024-06-24`, `le 24 juin`), times (`9 h 30`), ages
(`j'ai 34 ans`), dwelling sizes (`3 1/2`), municipality codes (`66023`), FSAs, vanity numbers
written with letters (`1-866-APPELLE`), and ordinary numbers.

Honest limits (what is NOT recognized):

- names of people, dates of birth, immigration file numbers (UCI), driver's licences,
  passport and bank numbers shorter than 10 digits, licence plates;
- numbers written in words (`cinq un quatre…`), spaced one digit at a time
  (`5 1 4 5 5 5…`), in non-ASCII digits, or e-mails spelled out (`jean at gmail dot com`);
- an address without a civic number (`coin Ontario et Papineau`), without a street type or
  direction (`au 1234 Ontario`), or written type-last in lowercase with an ambiguous type
  (`3 bedroom place` is left alone so `123 maple place` is too);
- plain coordinate pairs with decimal commas and fewer than 4 decimals, or positive
  coordinates outside North America without a sign, degree mark or hemisphere letter.

Some words may be hidden along with an address (`1234 rue Ontario Est proche du métro` hides
`proche du métro`: the name may have up to five words): a log loses a few words rather than
keeps an address. Placeholders carry no digits, so redacting twice changes nothing more (a
property test checks it).

Speed: every log record goes through `redact`, so text without a digit, `@` or `(at)` is
returned at once, the slow `PhoneNumberMatcher` sees only digit runs the patterns left
unexplained, and the patterns that start with a digit test their left edge after it
(`[0-9](?<!…[0-9])`), which lets the regex engine skip to the digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import phonenumbers
from stdnum import luhn

EMAIL = "EMAIL"
PHONE = "PHONE"
SIN = "SIN"
RAMQ = "RAMQ"
POSTAL = "POSTAL"
ADDRESS = "ADDRESS"
COORDINATES = "COORDINATES"
NUMBER = "NUMBER"

PUBLIC_NUMBERS: frozenset[str] = frozenset(
    {
        "+18662773553",  # 1-866-APPELLE (277-3553): suicide prevention line, Québec
        "+18003639010",  # SOS violence conjugale
        "+18002632266",  # Tel-jeunes (the bot gives it in dialogue.utter.crisis_child)
    }
)
"""Public help lines (E.164) that may stay in logs: the bot tells people to call them, and a
log that says the bot or the person mentioned them identifies no one. 211, 911 and 988 are
too short to ever be taken for a phone number, so they need no entry. Other public numbers
(an organization's line quoted from the directory) are hidden like any other: a log loses a
public number rather than keeps a private one."""


@dataclass(frozen=True)
class Finding:
    """An identifier of `kind` at `text[start:end]`."""

    kind: str
    start: int
    end: int


class Recognizer(Protocol):
    """Finds one kind of identifier; findings may overlap, `find` merges them."""

    kind: str

    def find(self, text: str) -> Iterable[Finding]: ...


@dataclass(frozen=True)
class RegexRecognizer:
    """A compiled pattern and an optional check (a checksum, a date field) of each match."""

    kind: str
    pattern: re.Pattern[str]
    accept: Callable[[re.Match[str]], bool] | None = None
    hint: re.Pattern[str] | None = None
    """A cheap search that must succeed before `pattern` is worth running."""

    def find(self, text: str) -> Iterator[Finding]:
        if self.hint is not None and not self.hint.search(text):
            return
        for match in _accepted(self.pattern, text, self.accept):
            yield Finding(self.kind, match.start(), match.end())


def _accepted(
    pattern: re.Pattern[str],
    text: str,
    accept: Callable[[re.Match[str]], bool] | None,
    start: int = 0,
    end: int | None = None,
) -> Iterator[re.Match[str]]:
    """The matches of `pattern` that `accept` takes. Unlike `finditer`, a refused match does
    not hide the text it covered: in `001 000 000 000` the first 9 digits fail Luhn, the
    search goes on from the next character and finds the SIN `000 000 000`."""
    end = len(text) if end is None else end
    while (match := pattern.search(text, start, end)) is not None:
        if accept is None or accept(match):
            yield match
            start = match.end() if match.end() > match.start() else match.start() + 1
        else:
            start = match.start() + 1


# --- e-mail -----------------------------------------------------------------------------

_AT = re.compile(r"@|[\[(](?:at|arobase)[\])]", re.IGNORECASE)
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}(?:@|\s?[\[(](?:at|arobase)[\])]\s?)"
    r"(?:[\w-]+\.)+[^\W\d_]{2,}(?![\w-])",
    re.IGNORECASE,
)


class EmailRecognizer:
    """Looks around each `@` (or `(at)`) only: scanning every word for a local part that
    is not followed by an `@` would cost more than all the other recognizers."""

    kind = EMAIL

    def find(self, text: str) -> Iterator[Finding]:
        end = 0
        for at in _AT.finditer(text):
            if at.start() < end:
                continue
            start = max(end, at.start() - 70)
            for match in _EMAIL.finditer(text, start, at.end() + 255):
                if match.start() < at.start() < match.end():
                    end = match.end()
                    yield Finding(EMAIL, match.start(), match.end())
                    break


# --- SIN (NAS) -------------------------------------------------------------------------------

_SIN = re.compile(r"[0-9](?<![\w-][0-9])[0-9]{2}[ \u00a0.-]?[0-9]{3}[ \u00a0.-]?[0-9]{3}(?![\w-])")
_NOT_DIGIT = re.compile(r"[^0-9]+")


def _digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


def _count_digits(text: str) -> int:
    return sum(map(text.count, "0123456789"))


def _is_sin(match: re.Match[str]) -> bool:
    return luhn.is_valid(_digits(match.group()))


# --- RAMQ ----------------------------------------------------------------------------------

_RAMQ_HINT = re.compile(r"[0-9]{4}[ \u00a0-]?[0-9]{4}")
_RAMQ = re.compile(
    r"(?<![^\W_])[a-z]{4}[ \u00a0-]?[0-9]{2}(?P<month>[0-9]{2})"
    r"[ \u00a0-]?(?P<day>[0-9]{2})[0-9]{2}(?!\w)",
    re.IGNORECASE,
)
"""`LLLF YYMM DDxx`: 3 letters of the last name, 1 of the first name, then the birth date."""


def _is_ramq(match: re.Match[str]) -> bool:
    month, day = int(match["month"]), int(match["day"])
    return (1 <= month <= 12 or 51 <= month <= 62) and 1 <= day <= 31


# --- postal code ---------------------------------------------------------------------------

_FSA_TEXT = r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z]"
_FSA = re.compile(_FSA_TEXT, re.IGNORECASE)
_POSTAL = re.compile(
    r"[0-9](?<=(?<![^\W_])[ABCEGHJ-NPRSTVXY][0-9])[ABCEGHJ-NPRSTV-Z][ \u00a0-]?"
    r"[0-9][ABCEGHJ-NPRSTV-Z][0-9](?!\w)",
    re.IGNORECASE,
)
"""A postal code from its first digit (the letter before it is checked by the lookbehind):
digit-first patterns are the fast ones. The code starts one character before the match."""


class PostalCodeRecognizer:
    kind = POSTAL

    def find(self, text: str) -> Iterator[Finding]:
        for match in _POSTAL.finditer(text):
            yield Finding(POSTAL, match.start() - 1, match.end())


# --- coordinates ---------------------------------------------------------------------------

_NUM = r"[\"']?[-+]?[0-9]{1,3}(?:\.[0-9]+)?[\"']?"
_LAT_KV = rf"[\"']?(?:lat|latitude)[\"']?\s*[:=]\s*{_NUM}"
_LON_KV = rf"[\"']?(?:lon|lng|long|longitude)[\"']?\s*[:=]\s*{_NUM}"
_DEC = r"[\"']?[-+]?[0-9]{1,3}\.[0-9]+[\"']?"
_LONE_KEY = (
    r"(?:[\"'](?:lat|latitude|lon|lng|long|longitude)[\"']\s*[:=]"
    r"|(?:lat|latitude|lon|lng|longitude)\s*[:=])"
)
"""One coordinate alone: a quoted key, or `lat=`, `lat: 45.5` (Rasa's slot dump), but not the
unquoted word `long` (`long: 5.5 hours`)."""
_FIELD_NAME = (
    r"[\"'](?:entity|name|key)[\"']\s*:\s*[\"'](?:lat|latitude|lon|lng|long|longitude)[\"']"
)
_FIELD_VALUE = rf"[\"']value[\"']\s*:\s*{_NUM}"
_COORD_FIELD = re.compile(
    rf"{_FIELD_NAME}[^{{}}]{{0,80}}?{_FIELD_VALUE}|{_FIELD_VALUE}[^{{}}]{{0,80}}?{_FIELD_NAME}"
    rf"|key:\s*(?:lat|lon)\s*,\s*value:\s*{_NUM}",
    re.IGNORECASE,
)
"""A coordinate as Rasa logs an entity or a slot: `{'entity': 'lat', 'start': 14, 'end': 40,
'value': 45.5}`, `{"event": "slot", "name": "lon", "value": -73.6}`,
`SlotSet(key: lat, value: 45.5)`."""
_COORD_KV = re.compile(
    rf"(?=[\"'l])(?<![\w-])(?:{_LAT_KV}\s*[,&;]\s*{_LON_KV}|{_LON_KV}\s*[,&;]\s*{_LAT_KV}"
    rf"|{_LONE_KEY}\s*{_DEC})(?![\w.])",
    re.IGNORECASE,
)
_COORD_PAIR = re.compile(
    r"(?=[-+\u22120-9])(?<![\w.,])(?P<lat>[-+\u2212]?[0-9]{1,2}[.,][0-9]{2,})"
    r"(?:\s?(?P<deg1>°))?(?:\s?(?P<ns>[NS])(?!\w))?"
    r"\s?[,;/]?\s?"
    r"(?P<lon>[-+\u2212]?[0-9]{1,3}[.,][0-9]{2,})(?:\s?(?P<deg2>°))?(?:\s?(?P<ew>[EWO])(?!\w))?"
    r"(?![\w.,]?[0-9])"
)


def _decimals(number: str) -> int:
    return len(re.split(r"[.,]", number)[1])


def _is_coordinate_pair(match: re.Match[str]) -> bool:
    """A pair of decimals is coordinates when it says so (degree, hemisphere, signed
    longitude), or when both are precise and fall in North America; not a list of prices."""
    lat_text, lon_text = match["lat"], match["lon"]
    lat = float(lat_text.replace(",", ".").replace("\u2212", "-"))
    lon = float(lon_text.replace(",", ".").replace("\u2212", "-"))
    if abs(lat) > 90 or abs(lon) > 180:
        return False
    marked = any(match[name] for name in ("deg1", "ns", "deg2", "ew"))
    if not marked and "," in lat_text + lon_text and min(map(_decimals, (lat_text, lon_text))) < 4:
        return False  # 1,200, 3,400: thousands, not decimal commas
    if marked or lon_text[0] in "-+\u2212":
        return True
    precise = min(_decimals(lat_text), _decimals(lon_text)) >= 3
    return precise and 40 <= lat <= 85 and 50 <= lon <= 145


_COORD_KV_HINT = re.compile(r"l(?:at|on|ng)", re.IGNORECASE)
_COORD_PAIR_HINT = re.compile(r"[0-9][.,][0-9]{2}")


class CoordinatesRecognizer:
    kind = COORDINATES

    def find(self, text: str) -> Iterator[Finding]:
        if _COORD_KV_HINT.search(text):
            for pattern in (_COORD_KV, _COORD_FIELD):
                for match in pattern.finditer(text):
                    yield Finding(COORDINATES, match.start(), match.end())
        if _COORD_PAIR_HINT.search(text):
            for match in _accepted(_COORD_PAIR, text, _is_coordinate_pair):
                yield Finding(COORDINATES, match.start(), match.end())


# --- phone numbers -------------------------------------------------------------------------

_SEP = r"[ \u00a0.-]?"
_NANP = re.compile(
    rf"(?=[+(0-9])(?<![\w+])(?:\+?1{_SEP})?(?:\([2-9][0-9]{{2}}\)|[2-9][0-9]{{2}}){_SEP}"
    rf"[2-9][0-9]{{2}}{_SEP}[0-9]{{4}}(?!\w)"
)
_LOCAL = re.compile(r"[2-9](?<![\w.,/)-][2-9])(?<![0-9)][ \u00a0][2-9])[0-9]{2}-[0-9]{4}(?![\w-])")
"""`555-0199`, and not the end of a longer number (`1 800 363-9010`)."""
_PHONE_CHUNK = re.compile(r"[+(0-9][0-9 \u00a0().\-/]{6,}[0-9]")
"""Digit runs long enough to hold a phone number: the only places worth looking at."""


_PUBLIC_NANP = frozenset(e164[2:] for e164 in PUBLIC_NUMBERS if e164.startswith("+1"))


def _is_private_nanp(match: re.Match[str]) -> bool:
    return _digits(match.group())[-10:] not in _PUBLIC_NANP


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_phone(number: phonenumbers.PhoneNumber) -> bool:
    """A number with an area code (NANP: area code and exchange start with 2-9) or of
    another country; 7-digit matches are left to `_LOCAL`, so `1 200 000` is not one."""
    if _e164(number) in PUBLIC_NUMBERS:
        return False
    if number.country_code == 1:
        national = str(number.national_number)
        return len(national) == 10 and national[0] not in "01" and national[3] not in "01"
    return phonenumbers.is_possible_number(number)


class PhoneRecognizer:
    kind = PHONE

    def find(self, text: str) -> Iterator[Finding]:
        # The patterns run inside digit runs only, plus one character for their right edge.
        for chunk in _PHONE_CHUNK.finditer(text):
            if _count_digits(chunk.group()) < 7:  # too few digits for any phone number
                continue
            start, end = chunk.start(), chunk.end() + 1
            taken: list[tuple[int, int]] = []
            for match in _accepted(_NANP, text, _is_private_nanp, start, end):
                taken.append(match.span())
                yield Finding(PHONE, match.start(), match.end())
            for match in _LOCAL.finditer(text, start, end):
                yield Finding(PHONE, match.start(), match.end())
            if _worth_matching(text, chunk, taken):
                yield from _matched_phones(text, chunk.start(), chunk.end())


def _worth_matching(text: str, chunk: re.Match[str], taken: list[tuple[int, int]]) -> bool:
    """PhoneNumberMatcher is slow: ask it only about a digit run with at least 10 digits
    (8 after a `+`) that the North-American pattern has not already claimed."""
    start, end = chunk.span()
    free = _count_digits(chunk.group()) - sum(
        _count_digits(text[max(start, a) : min(end, b)]) for a, b in taken if a < end and b > start
    )
    return free >= (8 if chunk.group().startswith("+") else 10)


def _matched_phones(text: str, start: int, end: int) -> Iterator[Finding]:
    """Numbers of other countries (`+33 6 12 34 56 78`, `011 509 …`) and shapes the pattern
    misses. The 3 characters after the run let the matcher see a time (`2024-06-24 13:45`)."""
    window = text[start : end + 3]
    for found in phonenumbers.PhoneNumberMatcher(window, "CA", phonenumbers.Leniency.POSSIBLE):
        if _is_phone(found.number):
            yield Finding(PHONE, start + found.start, start + found.end)


# --- long numbers ----------------------------------------------------------------------------

_LONG_NUMBER = re.compile(r"[0-9](?<![\w.,][0-9])[0-9]{9,}(?![\w]|[.,][0-9])")
_CARD_HINT = re.compile(r"[0-9]{4}[ \u00a0-][0-9]{4}[ \u00a0-][0-9]{4}")
_CARD = re.compile(
    r"[0-9](?<![\w.,-][0-9])[0-9]{3}(?:[ \u00a0-][0-9]{4}){2}[ \u00a0-][0-9]{1,7}(?![\w-])"
)


def _is_long_number(match: re.Match[str]) -> bool:
    digits = match.group()
    national = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
    return national not in _PUBLIC_NANP


def _is_card(match: re.Match[str]) -> bool:
    return luhn.is_valid(_digits(match.group()))


class LongNumberRecognizer:
    kind = NUMBER

    def find(self, text: str) -> Iterator[Finding]:
        for match in _accepted(_LONG_NUMBER, text, _is_long_number):
            yield Finding(NUMBER, match.start(), match.end())
        if _CARD_HINT.search(text):
            for match in _accepted(_CARD, text, _is_card):
                yield Finding(NUMBER, match.start(), match.end())


# --- street addresses ------------------------------------------------------------------------


def _one_of(words: Iterable[str]) -> str:
    """A regex alternation of `words` as a trie (`r(?:ang|ou(?:te)?|ue)`): the engine
    rejects a word at its first letters instead of trying every word in turn."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return build(tree)


_UNIT_WORDS = (
    *("app", "appartement", "appt", "apt", "unit", "unité", "unite", "suite", "bureau"),
    *("local", "logement", "log", "porte"),
)
_STOP_WORDS = (
    *("et", "ou", "mais", "depuis", "pour", "avec", "sans", "dans", "chez", "sur", "sous"),
    *("près", "pres", "vers", "à", "a", "au", "aux", "en", "je", "j", "il", "elle", "on"),
    *("nous", "vous", "ils", "mon", "ma", "mes", "ton", "ta", "tes", "son", "sa", "ses"),
    *("qui", "que", "quoi", "où", "ans", "mois", "jours", "heures", "semaines", "and", "or"),
    *("but", "since", "for", "with", "without", "in", "into", "at", "to", "from", "by"),
    *("near", "my", "your", "his", "her", "our", "their", "this", "that", "these", "those"),
    *("the", "an", "is", "are", "was", "no", "not", "more", "other", "per", "each"),
    *("years", "months", "days", "hours", "minutes", "weeks"),
    *_UNIT_WORDS,
)
"""Words that end a street name: `1234 rue Ontario depuis 3 ans`, `3 kids and a dog`."""
_FR_TYPES = (
    *("rue", "avenue", "av", "ave", "boulevard", "boul", "blvd", "bd", "chemin", "ch."),
    *("rang", "route", "rte", "place", "pl.", "montée", "montee", "côte", "cote"),
    *("croissant", "impasse", "allée", "allee", "carré", "carre", "terrasse", "promenade"),
    *("voie", "sentier", "circuit", "rond-point", "quai", "esplanade", "ruelle", "autoroute"),
)
"""Street types written before the name: `1234, rue Ontario Est`, `12-345 av. du Parc`."""
_EN_TYPES = (
    *("street", "st", "road", "rd", "avenue", "ave", "av", "boulevard", "blvd", "drive"),
    *("dr", "highway", "hwy", "parkway", "pkwy", "rue", "chemin", "montée", "montee"),
)
"""Street types written after the name, in any case: `123 main street`, `1234, 5e Avenue`."""
_EN_TYPES_CAPITALIZED = (
    *("Place", "Pl", "Court", "Ct", "Lane", "Ln", "Crescent", "Cres", "Terrace", "Square"),
    *("Sq", "Circle", "Cir", "Trail", "Gardens"),
)
"""Also ordinary words (`a 3 bedroom place`): taken only capitalized, after capitalized
names (`12 Maple Place`)."""
_DIRECTIONS = ("Est", "Ouest", "Nord", "Sud", "East", "West", "North", "South")
_DIRECTION = rf"(?-i:{_one_of((*_DIRECTIONS, 'E', 'O', 'W', 'N', 'S'))})\.?(?![\w'’-])"

_CIVIC = r"[0-9](?<![\w/.,$-][0-9])(?:[0-9]{0,4}\s?[-\u2013]\s?[0-9]{1,6}|[0-9]{0,5})[a-d]?,?\s+"
"""`1234`, `1234,`, `123A`, `12-345` (apartment 12 at 345), not `3 1/2` or `$1,200`."""
_UNIT = (
    rf"(?:\s*,?\s*(?:{_one_of(_UNIT_WORDS)}\.?\s*(?:#|no\.?|n°)?\s*|#\s*)[0-9]{{1,5}}[a-d]?(?!\w))?"
)
_LETTERS = r"[^\W\d_](?:[^\W\d_]|['’-])*"
"""A word of letters, hyphens and apostrophes (`St-Laurent`, `d'Youville`): not `H2X`."""
_END = r"(?![\w'’-])"
_WORD = rf"(?!{_one_of(_STOP_WORDS)}{_END}){_LETTERS}(?!\w)\.?"
_ORDINAL = r"[0-9]{1,3}(?:e|re|er|ème|eme|th|st|nd|rd)(?!\w)"
_TOKEN = rf"(?:{_WORD}|{_ORDINAL})"
_CAP_WORD = r"(?-i:[A-ZÀ-Ý])(?:[^\W\d_]|['’-])*(?!\w)"
_ADDRESS = re.compile(
    rf"{_CIVIC}(?:"
    # type first (French): 1234, rue Ontario Est / 12-345 av. du Parc
    rf"{_one_of(_FR_TYPES)}{_END}\.?\s+{_TOKEN}(?:\s+{_TOKEN}){{0,4}}"
    # type last (English): 123 Main Street / 1234, 5e Avenue / 77 Queen St. W
    rf"|{_TOKEN}(?:\s+{_TOKEN}){{0,2}}\s+{_one_of(_EN_TYPES)}{_END}\.?(?:\s+{_DIRECTION})?"
    rf"|{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,2}}\s+(?-i:{_one_of(_EN_TYPES_CAPITALIZED)})"
    rf"{_END}\.?(?:\s+{_DIRECTION})?"
    # a name and a direction: 4500 Sherbrooke W / 1234 Ontario Est
    rf"|{_CAP_WORD}(?:\s+{_CAP_WORD})?\s+{_DIRECTION}"
    # a Saint name: 5678 St-Laurent / 450 Ste-Catherine
    rf"|(?-i:St|Ste|Saint|Sainte)\.?-{_CAP_WORD}"
    rf"){_UNIT}",
    re.IGNORECASE,
)

RECOGNIZERS: tuple[Recognizer, ...] = (  # type: ignore[assignment]  # Protocol of classes
    CoordinatesRecognizer(),
    EmailRecognizer(),
    RegexRecognizer(SIN, _SIN, _is_sin),
    RegexRecognizer(RAMQ, _RAMQ, _is_ramq, hint=_RAMQ_HINT),
    PhoneRecognizer(),
    PostalCodeRecognizer(),
    RegexRecognizer(ADDRESS, _ADDRESS),
    LongNumberRecognizer(),
)
"""Every recognizer, the most specific first (it wins a tie between overlapping findings)."""


_MIGHT_HOLD_IDENTIFIER = re.compile(rf"[0-9]|{_AT.pattern}", re.IGNORECASE)
"""Every identifier has a digit, except e-mails, which have an @ or an (at): text without
any of them (most messages) skips the recognizers."""


_PSEUDONYMOUS_ID = re.compile(
    r"(?<![0-9A-Za-z])(?:sms-[0-9a-f]{64}|SM[0-9a-f]{32}|[0-9a-f]{32}|"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9A-Za-z])"
)
"""Ids the logs need and that identify no one by themselves: an SMS conversation (`sms-` and
the keyed hash of the number), a provider MessageSid, a widget session, a UUID. Their hex
may hold a digit run shaped like a phone number; a finding inside one is not a finding."""


def find(text: str, recognizers: Sequence[Recognizer] = RECOGNIZERS) -> list[Finding]:
    """The identifiers in `text`, sorted and non-overlapping.

    Overlapping findings become one finding covering them all, of the kind of the longest
    (ties: the recognizer listed first), so nothing of any of them stays visible.
    """
    if recognizers is RECOGNIZERS and not _MIGHT_HOLD_IDENTIFIER.search(text):
        return []
    rank = {recognizer.kind: index for index, recognizer in enumerate(recognizers)}
    ids = [(m.start(), m.end()) for m in _PSEUDONYMOUS_ID.finditer(text)]
    found = sorted(
        (
            f
            for recognizer in recognizers
            for f in recognizer.find(text)
            if f.end > f.start and not any(start <= f.start and f.end <= end for start, end in ids)
        ),
        key=lambda f: (f.start, -f.end),
    )
    merged: list[Finding] = []
    group: list[Finding] = []
    group_end = 0
    for finding in [*found, None]:
        if finding is not None and group and finding.start < group_end:
            group.append(finding)
            group_end = max(group_end, finding.end)
            continue
        if group:
            best = min(group, key=lambda f: (f.start - f.end, rank.get(f.kind, len(rank))))
            merged.append(Finding(best.kind, group[0].start, group_end))
        if finding is not None:
            group, group_end = [finding], finding.end
    return merged


def placeholder(kind: str) -> str:
    """`<PHONE>`, `<SIN>`…: the same in French and English, and without digits."""
    return f"<{kind}>"


def _replacement(text: str, finding: Finding) -> str:
    if finding.kind == POSTAL:
        fsa = text[finding.start : finding.start + 3]
        if _FSA.fullmatch(fsa):
            return f"{fsa.upper()} {placeholder(POSTAL)}"
    return placeholder(finding.kind)


def redact(text: str, recognizers: Sequence[Recognizer] = RECOGNIZERS) -> str:
    """`text` with every identifier replaced by its placeholder; a full postal code keeps
    its FSA (`H2X 1Y4` becomes `H2X <POSTAL>`)."""
    findings = find(text, recognizers)
    if not findings:
        return text
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(_replacement(text, finding))
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)
