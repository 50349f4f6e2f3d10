"""The one gazetteer: what a person writes (or a point) → a Québec municipality.

One table of names feeds everything: the official names of qc_municipalities.csv, the
aliases of aliases.yml (boroughs, neighbourhoods, sectors, English names, acronyms) and the
merged municipalities. `resolve` reads a short answer ("DDO", "h2x1y4", "st-eustache"),
`match` finds mentions inside a sentence (bot/places/names.py over the same
table; bot/places/spacy_places.py wraps it for spaCy pipelines), `reverse` places a latitude/longitude.

Choices that matter for a 211 line (a wrong town is worse than a question back):
- a name shared by several places goes to the territory served first, then to an official
  name over an alias, then to the larger population; the others are listed in `alternatives`;
- typos are forgiven only on longer words (1 edit from 5 letters, 2 from 9), never when two
  different towns are equally close, and never for words listed as `not_places`;
- inside a sentence, names that are also everyday words ("hope", "price") count only when
  capitalized or after "à", "in", "from"… (an article may come between: "dans le Plateau");
  short acronyms ("pat", "ids") only in capitals or after such a word;
- streets ("rue …", "avenue du Mont-Royal", "coin Pie-IX et Sherbrooke") are not places, but a
  known métro station is (bot/places/stations.py: "métro Sherbrooke" is on the Plateau);
- people, feasts, brands and idioms that look like towns ("ma sœur Lorraine", "la Saint-Jean",
  "poulet St-Hubert", "à contrecœur") are vetoed by bot/places/context.py.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from bot.places import normalize
from bot.places.context import ARTICLES, SAINTS, ContextRules
from bot.places.data import (
    alias_config,
    fsa_area_name,
    fsa_points,
    localities,
    merged_names,
    mrc_names,
    municipalities,
)
from bot.places.stations import MONTREAL, StationHit, StationIndex, station_points
from bot.places.territory import Municipality, is_served
from bot.settings import REFERENCE_DIR

KIND_RANK: dict[str, int] = {
    "municipality": 0,
    "borough": 1,
    "former_municipality": 1,
    "merged": 1,
    "neighbourhood": 2,
    "sector": 2,
    "english": 2,
    "acronym": 2,
    "landmark": 2,
    "station": 2,
    "short_form": 3,
    "locality": 4,
}
"""Among places sharing a name (same territory status), the lower rank wins."""

CONFIDENCE: dict[str, float] = {
    "municipality": 1.0,
    "borough": 1.0,
    "english": 0.95,
    "acronym": 0.95,
    "neighbourhood": 0.95,
    "sector": 0.95,
    "former_municipality": 0.9,
    "merged": 0.9,
    "short_form": 0.9,
    "landmark": 0.9,
    "station": 0.85,
    "locality": 0.75,
}
AMBIGUOUS_FACTOR = 0.8
"""Confidence is multiplied by this when the name has other meanings (see alternatives)."""

LOCATIVES: frozenset[str] = frozenset(
    [
        "a",
        "au",
        "aux",
        "dans",
        "en",
        "in",
        "from",
        "near",
        "sur",
        "vers",
        "at",
        "around",
        "habite",
        "habites",
        "reste",
        "restes",
        "demeure",
        "vis",
        "live",
        "lives",
        "living",
        "secteur",
        "quartier",
        "region",
        "ville",
        "city",
        "town",
        "borough",
        "arrondissement",
        "pres",
        "proche",
        "cote",
        "close",
        "of",
        "de",
        "du",
        "des",
    ]
)
"""Words after which a place is expected ("à", "in", "près de"…), folded."""
FUZZY_LOCATIVES: frozenset[str] = LOCATIVES - {"de", "du", "des", "en", "of"}
"""After these, a misspelt place is looked for ("de" introduces too many other things)."""

STREET_BEFORE: frozenset[str] = frozenset(
    [
        "rue",
        "boul",
        "boulevard",
        "bd",
        "blvd",
        "avenue",
        "av",
        "ave",
        "chemin",
        "ch",
        "metro",
        "station",
        "autoroute",
        "route",
        "pont",
        "coin",
        "rues",
    ]
)
STREET_AFTER: frozenset[str] = frozenset(
    ["street", "avenue", "ave", "blvd", "boulevard", "road", "rd", "metro"]
)
"""A name right after "rue", "métro"… or before "street" is a street or a station, not where
the person lives ("rue Sainte-Catherine"): better to ask again. Known métro stations are read
before this rule (bot/places/stations.py)."""
STREET_WORDS: frozenset[str] = (STREET_BEFORE | STREET_AFTER) - {"metro", "station", "pont"}
"""Words that name a street somewhere in a message: the person is giving a corner."""
IN_A_TOWN: frozenset[str] = frozenset(["a", "in", "dans", "at"])
"""Right before a name, a town: "à Sherbrooke sur la rue King"."""
STREET_DIRECTIONS: frozenset[str] = frozenset(["ouest", "west", "east", "o", "w"])
"""A name before one of these is a street ("Sherbrooke Ouest", "Jean-Talon West"): a town's
part has its own name ("Laval-Ouest", "Montréal-Est"), read before this rule."""
ON_A_STREET: frozenset[str] = frozenset(["sur", "on"])
"""Before a saint's name, or a name followed by "est", a street: "sur Ste-Catherine", "sur
Sherbrooke Est" (a town takes "à"; "est" alone after a town is mostly the verb: "Laval est trop
loin"). "Sur Laval", "sur le Plateau" stay places."""
STREET_LINKS: frozenset[str] = frozenset(["de", "du", "des", "la", "l", "d"])
"""May stand between the street word and the name: "avenue du Mont-Royal", "rue de la …"."""
CORNERS: frozenset[str] = frozenset(["coin", "angle", "corner", "intersection", "croisement"])
AROUND: frozenset[str] = frozenset(
    ["le", "du", "mon", "ton", "son", "notre", "votre", "leur", "ce"]
)
"""Before "coin", the area, not a corner: "dans le coin de Ahuntsic", "du coin", "dans mon
coin" ("au coin de Pie-IX et Sherbrooke" is a corner)."""
CORNER_REACH = 6
"""Names up to this many words after "coin", "angle"… are streets ("coin Pie-IX et
Sherbrooke"), unless a locative comes between ("… à Montréal")."""

TRAILING_NOISE: frozenset[str] = frozenset(
    [
        "qc",
        "quebec",
        "que",
        "canada",
        "ca",
        "province",
        "svp",
        "please",
        "merci",
        "thanks",
        "stp",
        "pls",
    ]
)
LEADING_NOISE: tuple[str, ...] = (
    "j habite a",
    "j habite au",
    "j habite dans",
    "j habite",
    "jhabite a",
    "jhabite",
    "je reste a",
    "je reste au",
    "je reste dans",
    "je reste",
    "je demeure a",
    "je demeure",
    "je vis a",
    "je vis au",
    "je vis dans",
    "je suis a",
    "je suis au",
    "je suis dans",
    "chu a",
    "chu dans",
    "chu au",
    "je suis de",
    "i live in",
    "i live at",
    "i live",
    "im in",
    "i m in",
    "i am in",
    "i m from",
    "im from",
    "i am from",
    "from",
    "in",
    "a",
    "au",
    "dans",
    "sur",
    "pres de",
    "near",
    "proche de",
    "le",
    "la",
    "secteur",
    "quartier",
    "arrondissement",
    "region de",
    "ville de",
    "city of",
    "town of",
    "borough of",
    "sector",
)
_FOLDED_TOKEN = re.compile(r"[a-z0-9]+")
MIN_INITIALS = 3
"""Dotted initials ("N.D.G.", "T.M.R.") of at least this many letters are read as one word."""


@dataclass(frozen=True)
class Place:
    """Where a person is: a municipality (MAMH code), maybe a borough, and how sure we are."""

    code_geo: str
    name: str
    borough: str | None
    mrc: str
    in_territory: bool
    lat: float | None
    lon: float | None
    matched: str
    """What the person wrote (or the normalized postal code, or "lat,lon")."""
    confidence: float
    alternatives: tuple[str, ...] = ()
    """Other places the same words could mean, as "Name (MRC)" / "Borough (Municipality)"."""
    kind: str = "municipality"
    """municipality, borough, neighbourhood, sector, english, acronym, short_form,
    former_municipality, merged, locality, postal_code, coordinates."""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["alternatives"] = list(self.alternatives)
        return data


@dataclass(frozen=True)
class PlaceSpan:
    """A place mentioned inside a text: characters `start:end` of the text."""

    start: int
    end: int
    text: str
    place: Place

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "place": self.place.as_dict(),
        }


@dataclass(frozen=True)
class MessagePlaces:
    """What `Gazetteer.read` found in a message."""

    mentions: tuple[PlaceSpan, ...]
    """Places named in the sentence, in order."""
    answer: Place | None
    """The whole message as a place name, when no mention was found."""

    def most_precise(self, min_confidence: float = 0.0) -> PlaceSpan | None:
        """The one mention that says where the person is: a postal code, else the first
        named, unless a later mention refines that town (its borough or a station: "arrived
        in Montreal, staying near Côte-des-Neiges metro" searched the whole city)."""
        kept = [m for m in self.mentions if m.place.confidence >= min_confidence]
        if not kept:
            return None
        postal = next((m for m in kept if m.place.kind == "postal_code"), None)
        if postal is not None:
            return postal
        first = kept[0]
        if first.place.borough or first.place.kind == "station":
            return first
        return next(
            (
                m
                for m in kept[1:]
                if m.place.code_geo == first.place.code_geo
                and (m.place.borough or m.place.kind == "station")
            ),
            first,
        )


@dataclass(frozen=True)
class Target:
    """One meaning of a name: a municipality, maybe a borough, and the kind of name it is."""

    code_geo: str
    borough: str | None
    kind: str


@dataclass
class _Token:
    text: str
    start: int
    end: int


@dataclass
class BuildStats:
    seconds: float = 0.0
    names: int = 0
    targets: int = 0
    extra: dict[str, float] = field(default_factory=dict)


class Gazetteer:
    """Names → places, built once from the reference data (see `get_gazetteer`)."""

    def __init__(self) -> None:
        started = time.perf_counter()
        self.municipalities: dict[str, Municipality] = municipalities()
        self._mrc_names = mrc_names()
        config = alias_config()
        self.common_words = frozenset(normalize.fold(w) for w in config["common_words"])
        self.not_places = frozenset(normalize.fold(w) for w in config["not_places"])
        self.borough_points = _borough_points()
        self.fsa_boroughs = {str(k): v for k, v in config["fsa_boroughs"].items()}
        self.context = ContextRules.from_config(config)
        self.stations = StationIndex(
            config.get("stations") or [],
            station_points(REFERENCE_DIR / "community" / "montreal_metro_stations.csv"),
            {
                normalize.fold(borough): borough
                for borough in (config["boroughs"].get(MONTREAL) or {}).values()
            },
        )
        unknown = self.stations.codes - set(self.municipalities)
        if unknown:
            raise ValueError(f"aliases.yml: unknown station municipality codes {unknown}")
        self.names: dict[str, list[Target]] = defaultdict(list)
        for municipality in self.municipalities.values():
            self._add(municipality.name, Target(municipality.code_geo, None, "municipality"))
        for name, code in merged_names().items():
            self._add(name, Target(code, None, "merged"))
        for code, boroughs in config["boroughs"].items():
            for borough in boroughs.values():
                self._add(borough, Target(str(code), borough, "borough"))
        for entry in config["places"]:
            code = str(entry["code"])
            if code not in self.municipalities:
                raise ValueError(f"aliases.yml: unknown municipality code {code}")
            target = Target(code, entry.get("borough"), entry["kind"])
            for name in entry["names"]:
                self._add(str(name), target)
        for key in list(self.names):
            if key in self.not_places:
                del self.names[key]
        self.squashed: dict[str, str] = {}
        for key in sorted(self.names, key=len):
            self.squashed.setdefault(normalize.squash(key), key)
        self.keys: list[str] = list(self.names)
        self.keys_by_length: dict[int, list[str]] = defaultdict(list)
        for key in self.keys:
            self.keys_by_length[len(key)].append(key)
        self.stats = BuildStats(
            seconds=time.perf_counter() - started,
            names=len(self.names),
            targets=sum(len(v) for v in self.names.values()),
        )

    # ------------------------------------------------------------------ building
    def _add(self, name: str, target: Target) -> None:
        key = normalize.fold(name)
        if not key:
            return
        variants = {key}
        if key.startswith("l ") and len(key) > 6:
            variants.add(key[2:])  # "L'Île-Perrot" → "ile perrot", "L'Assomption" → "assomption"
        for variant in variants:
            if target not in self.names[variant]:
                self.names[variant].append(target)

    # ------------------------------------------------------------------ places
    def _rank(self, target: Target) -> tuple[int, int, int]:
        municipality = self.municipalities[target.code_geo]
        return (
            0 if is_served(target.code_geo) else 1,
            KIND_RANK.get(target.kind, 5),
            -municipality.population,
        )

    def _label(self, target: Target) -> str:
        municipality = self.municipalities[target.code_geo]
        if target.borough:
            return f"{target.borough} ({municipality.name})"
        return (
            f"{municipality.name} ({municipality.mrc})" if municipality.mrc else municipality.name
        )

    def _choose(self, targets: list[Target]) -> tuple[Target, tuple[str, ...]]:
        """The best meaning of a name and labels for the others (one per municipality+borough)."""
        ordered = sorted(targets, key=self._rank)
        best = ordered[0]
        seen = {(best.code_geo, best.borough)}
        alternatives: list[str] = []
        for target in ordered[1:]:
            if (target.code_geo, target.borough) in seen:
                continue
            seen.add((target.code_geo, target.borough))
            alternatives.append(self._label(target))
        return best, tuple(alternatives)

    def place(
        self,
        code_geo: str,
        *,
        borough: str | None = None,
        matched: str,
        confidence: float,
        kind: str,
        alternatives: tuple[str, ...] = (),
        lat: float | None = None,
        lon: float | None = None,
    ) -> Place:
        """Build a Place for a municipality code (the point defaults to the borough's or town's)."""
        municipality = self.municipalities[code_geo]
        if lat is None or lon is None:
            lat, lon = self.borough_points.get(borough or "", (municipality.lat, municipality.lon))
        return Place(
            code_geo=code_geo,
            name=municipality.name,
            borough=borough,
            mrc=municipality.mrc or self._mrc_names.get(municipality.mrc_code, ""),
            in_territory=is_served(code_geo),
            lat=lat,
            lon=lon,
            matched=matched,
            confidence=round(confidence, 3),
            alternatives=alternatives,
            kind=kind,
        )

    def _from_key(self, key: str, matched: str, factor: float = 1.0) -> Place:
        target, alternatives = self._choose(self.names[key])
        confidence = CONFIDENCE.get(target.kind, 0.9) * factor
        if alternatives:
            confidence *= AMBIGUOUS_FACTOR
        return self.place(
            target.code_geo,
            borough=target.borough,
            matched=matched,
            confidence=confidence,
            kind=target.kind,
            alternatives=alternatives,
        )

    # ------------------------------------------------------------------ lookups
    def _exact(self, key: str) -> str | None:
        if not key or key in self.not_places:
            return None
        if key in self.names:
            return key
        return self.squashed.get(normalize.squash(key))

    def _exact_plain(self, text: str) -> str | None:
        """Initials written with dots or spaces ("N.D.G.", "t m r") as one word."""
        plain = normalize.squash(normalize.fold_plain(text))
        return plain if plain in self.names and plain not in self.not_places else None

    def _fuzzy(self, key: str) -> str | None:
        """The one name within a small edit distance of `key`, or None (too short, a tie…)."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        size = len(normalize.squash(key))
        if size < 5 or key in self.not_places or key in self.common_words:
            return None
        limit = 1 if size < 9 else 2
        candidates = [
            name
            for length in range(len(key) - limit, len(key) + limit + 1)
            for name in self.keys_by_length.get(length, ())
        ]
        hits = process.extract(key, candidates, scorer=OSA.distance, score_cutoff=limit, limit=20)
        if not hits:
            return None
        best_distance = min(distance for _, distance, _ in hits)
        best = [name for name, distance, _ in hits if distance == best_distance]
        if size < 8:
            best = [name for name in best if name[0] == key[0]]
        groups = {(t.code_geo, t.borough) for name in best for t in self.names[name]}
        codes = {code for code, _ in groups}
        if not best or len(codes) > 1:
            return None
        return min(best, key=len)

    def _stripped(self, key: str) -> list[str] | None:
        """`key` without its lead-in ("j'habite à") and tail ("qc", "svp"), step by step; None
        when the lead-in says a street ("sur Ste-Catherine": `_is_street`)."""
        words = key.split()
        steps: list[str] = []
        changed = True
        while changed and words:
            changed = False
            joined = " ".join(words)
            for lead in LEADING_NOISE:
                if joined.startswith(lead + " ") and not self._feast_after(lead, words):
                    size = len(lead.split())
                    if _is_street(words, size, len(words)):
                        return None
                    words = words[size:]
                    changed = True
                    break
            if len(words) > 1 and words[-1] in TRAILING_NOISE:
                words = words[:-1]
                changed = True
            if changed and words:
                steps.append(" ".join(words))
        return steps

    def _feast_after(self, lead: str, words: list[str]) -> bool:
        """An article before a Saint- name ("la St-Jean") is a feast: not to be stripped."""
        size = len(lead.split())
        return lead in self.context.feast_before and len(words) > size and words[size] in SAINTS

    # ------------------------------------------------------------------ public API
    def read(self, text: str | None) -> MessagePlaces:
        """Everything a message says about where the person is, in one pass: the places named
        in the sentence, else the whole message read as an answer to "where?" ("verdunn",
        "st-hubert"), which only counts when the question was asked (the dialogue decides)."""
        spans = self.match(text)
        answer = None if spans or not text else self.resolve(text, spans=spans)
        return MessagePlaces(tuple(spans), answer)

    def resolve(self, text: str | None, *, spans: list[PlaceSpan] | None = None) -> Place | None:
        """The place a short answer designates ("DDO", "h2x 1y4", "chu dans Hochelaga");
        `spans` are the text's mentions when the caller already has them."""
        if not text or not text.strip():
            return None
        matched = text.strip()
        key = normalize.fold(matched)
        if key in self.not_places:
            return None
        found = self._exact(key) or self._exact_plain(matched)
        if found:
            return self._from_key(found, matched)
        postal = normalize.POSTAL_CODE.search(matched)
        if postal:
            place = self.postal_code(postal.group(1), postal.group(2))
            if place is not None:
                return place
        steps = self._stripped(key)
        if steps is None:
            return None
        for step in steps:
            found = self._exact(step)
            if found:
                return self._from_key(found, matched)
        stripped = steps[-1] if steps else key
        if spans is None:
            spans = self.match(matched)
        if spans:
            best = max(spans, key=lambda s: (s.place.confidence, s.end - s.start)).place
            same = [s.place for s in spans if s.place.code_geo == best.code_geo and s.place.borough]
            return best if best.borough or not same else same[0]
        if 0 < len(stripped.split()) <= 6:
            found = self._fuzzy(stripped)
            if found:
                return self._from_key(found, matched, factor=0.85)
            locality = self._locality_names.get(stripped)
            if locality:  # only where the point leaves no doubt (see _locality_names)
                return self.place(
                    locality, matched=matched, confidence=CONFIDENCE["locality"], kind="locality"
                )
        return None

    def postal_code(self, fsa: str, ldu: str | None = None) -> Place | None:
        """A postal code (or its FSA) → municipality, + borough in Montréal and Longueuil."""
        fsa = fsa.upper()
        point = fsa_points().get(fsa)
        if point is None:
            return None  # not Québec, or not a residential FSA
        located = self.geo.locate(point.lat, point.lon)
        code = point.code_hint or (located.code_geo if located else None)
        if code is None:
            return None
        borough = None
        if code == "66023" and located is not None and located.code_geo == code:
            borough = located.borough
        elif code == "58227":
            borough = self.fsa_boroughs.get(fsa)
        confidence = (0.6 if point.rural else 0.95) if ldu else (0.5 if point.rural else 0.9)
        return self.place(
            code,
            borough=borough,
            matched=normalize.format_postal_code(fsa, ldu),
            confidence=confidence,
            kind="postal_code",
            lat=point.lat,
            lon=point.lon,
        )

    def reverse(self, lat: float, lon: float) -> Place | None:
        """The municipality at a point (borough too on Montréal island); None outside Québec."""
        located = self.geo.locate(lat, lon)
        if located is None:
            return None
        return self.place(
            located.code_geo,
            borough=located.borough,
            matched=f"{lat:.5f},{lon:.5f}",
            confidence=0.95 if located.exact else 0.8,
            kind="coordinates",
            lat=lat,
            lon=lon,
        )

    def match(self, text: str | None) -> list[PlaceSpan]:
        """Place mentions inside a sentence, in order, not overlapping."""
        if not text:
            return []
        spans: list[PlaceSpan] = []
        taken: list[tuple[int, int]] = []
        for postal in normalize.POSTAL_CODE.finditer(text):
            place = self.postal_code(postal.group(1), postal.group(2))
            if place is not None:
                spans.append(PlaceSpan(postal.start(), postal.end(), postal.group(0), place))
                taken.append((postal.start(), postal.end()))
        tokens = [t for t in _tokens(text) if not _inside(t, taken)]
        words = [t.text for t in tokens]
        covered: set[int] = set()
        for hit in self.stations.find(words):
            first, last = tokens[hit.start], tokens[hit.end - 1]
            original = text[first.start : last.end]
            spans.append(PlaceSpan(first.start, last.end, original, self._station(hit, original)))
            covered.update(range(hit.start, hit.end))
        for start, end in self.matcher.find(words):
            if covered.intersection(range(start, end)):
                continue
            key = " ".join(words[start:end])
            if not self._accept(key, tokens, start, end, text):
                covered.update(range(start, end))  # the fuzzy step would find it again
                continue
            first, last = tokens[start], tokens[end - 1]
            original = text[first.start : last.end]
            place = self._from_key(key, original)
            if not place.in_territory:
                place = self._station_among_streets(words, start, end, original) or place
            spans.append(PlaceSpan(first.start, last.end, original, place))
            covered.update(range(start, end))
        spans.extend(self._fuzzy_mentions(text, tokens, covered))
        return sorted(spans, key=lambda s: s.start)

    def _station_among_streets(
        self, words: list[str], start: int, end: int, original: str
    ) -> Place | None:
        """A distant town's name that is also a métro station's, in a message that names a
        street, is the station: "rue Ontario près de Frontenac" is in Hochelaga, not in
        Estrie ("Frontenac" alone, or a town's own street, "à Joliette sur la rue Principale",
        stays the town)."""
        if not STREET_WORDS.intersection(words) or (start > 0 and words[start - 1] in IN_A_TOWN):
            return None
        hit = self.stations.named(words, start, end)
        return None if hit is None else self._station(hit, original)

    def _station(self, hit: StationHit, matched: str) -> Place:
        """The place a métro station names: its borough, and its own point when known."""
        return self.place(
            hit.code_geo,
            borough=hit.borough,
            matched=matched,
            confidence=CONFIDENCE["station"],
            kind="station",
            lat=hit.point[0] if hit.point else None,
            lon=hit.point[1] if hit.point else None,
        )

    # ------------------------------------------------------------------ sentence helpers
    def _after_locative(self, tokens: list[_Token], start: int) -> bool:
        """Right after "à", "in"… or after such a word and an article ("dans le", "in the")."""
        if start > 1 and tokens[start - 1].text in ARTICLES:
            start -= 1
        return start > 0 and tokens[start - 1].text in LOCATIVES

    def _accept(self, key: str, tokens: list[_Token], start: int, end: int, text: str) -> bool:
        """Whether a table hit inside a sentence is a place (see the module docstring)."""
        if key in self.not_places:
            return False
        words = [t.text for t in tokens]
        if _is_street(words, start, end):
            return False
        original = text[tokens[start].start : tokens[end - 1].end]
        if self.context.rejects(words, start, end, original):
            return False
        capitalized = original[:1].isupper()
        if key in self.common_words and len(tokens) > end - start:
            return self._after_locative(tokens, start) or (capitalized and start > 0)
        if end - start > 1 or len(tokens) == 1:
            return True
        if len(key) <= 4 and all(t.kind != "municipality" for t in self.names[key]):
            return original.isupper() or self._after_locative(tokens, start)
        return True

    def _fuzzy_mentions(
        self, text: str, tokens: list[_Token], covered: set[int]
    ) -> list[PlaceSpan]:
        """Misspelt places right after "à", "in", "dans"… (1 to 4 words)."""
        found: list[PlaceSpan] = []
        words = [t.text for t in tokens]
        index = 0
        while index < len(tokens):
            if tokens[index].text not in FUZZY_LOCATIVES or index + 1 in covered:
                index += 1
                continue
            best: tuple[int, str] | None = None
            for size in range(4, 0, -1):
                window = range(index + 1, index + 1 + size)
                if window.stop > len(tokens) or covered.intersection(window):
                    continue
                key = " ".join(tokens[i].text for i in window)
                name = self._fuzzy(key)
                original = text[tokens[window.start].start : tokens[window.stop - 1].end]
                if name and not self.context.rejects(words, window.start, window.stop, original):
                    best = (size, name)
                    break
            if best is None:
                index += 1
                continue
            size, name = best
            first, last = tokens[index + 1], tokens[index + size]
            original = text[first.start : last.end]
            found.append(
                PlaceSpan(
                    first.start, last.end, original, self._from_key(name, original, factor=0.85)
                )
            )
            covered.update(range(index + 1, index + 1 + size))
            index += size + 1
        return found

    # ------------------------------------------------------------------ lazy parts
    @cached_property
    def matcher(self):
        """Token-run matcher over every name of the table (built on first `match`)."""
        from bot.places.names import NameMatcher

        return NameMatcher(self.keys)

    @cached_property
    def geo(self):
        """Polygons and anchors (built on the first postal code or coordinates)."""
        from bot.places.geo import Anchor, GeoIndex

        anchors: list[Anchor] = []
        for locality in localities():
            key = self._exact(normalize.fold(locality.name))
            if key is None:
                continue
            target, alternatives = self._choose(self.names[key])
            if not alternatives:
                anchors.append(Anchor(target.code_geo, target.borough, locality.lat, locality.lon))
        for point in fsa_points().values():
            if point.code_hint and not point.rural:
                anchors.append(Anchor(point.code_hint, None, point.lat, point.lon))
            elif point.fsa in self.fsa_boroughs:
                anchors.append(Anchor("58227", self.fsa_boroughs[point.fsa], point.lat, point.lon))
        return GeoIndex(anchors)

    @cached_property
    def _locality_names(self) -> dict[str, str]:
        """GeoNames places and FSA areas not in the table (villages, "Ville Émard"…) → code.

        Kept only where the point alone decides the municipality (a Montréal borough or ville
        liée polygon, or an MRC that is one municipality): with nearest points only,
        "Kahnawake" (a Mohawk territory, not a municipality) would become Châteauguay.
        """
        result: dict[str, str] = {}
        for locality in localities():
            key = normalize.fold(locality.name)
            if self._exact(key) or key in self.common_words or key in result:
                continue
            located = self.geo.locate(locality.lat, locality.lon)
            if located is not None and located.exact:
                result[key] = located.code_geo
        for point in fsa_points().values():
            key = normalize.fold(fsa_area_name(point))
            if not key or self._exact(key) or key in result or point.rural:
                continue
            located = self.geo.locate(point.lat, point.lon)
            code = point.code_hint or (located.code_geo if located and located.exact else None)
            if code:
                result[key] = code
        return result


def _is_street(words: list[str], start: int, end: int) -> bool:
    """Whether `words[start:end]` names a street: "rue …", "avenue du …", "… street",
    or a corner ("coin Jean-Talon et St-Denis")."""
    before = start - 1
    while before >= 0 and words[before] in STREET_LINKS:
        before -= 1
    if before >= 0 and words[before] in STREET_BEFORE:
        return not (words[before] in CORNERS and before > 0 and words[before - 1] in AROUND)
    if end < len(words) and words[end] in STREET_AFTER | STREET_DIRECTIONS:
        return True
    on_a_street = start > 0 and words[start - 1] in ON_A_STREET
    if on_a_street and end < len(words) and words[end] == "est":
        return True
    # "je dors sur Ste-Catherine", "j'habite sur St-Hubert": a town takes "à", and Montréal's
    # saints' streets were read as Sainte-Catherine (Roussillon) or Saint-Hubert (Longueuil)
    if on_a_street and words[start] in SAINTS:
        return True
    for index in range(start - 1, max(-1, start - 1 - CORNER_REACH), -1):
        if words[index] in FUZZY_LOCATIVES:
            return False
        if words[index] in CORNERS:
            return index == 0 or words[index - 1] not in AROUND
    return False


def _inside(token: _Token, taken: list[tuple[int, int]]) -> bool:
    return any(start <= token.start < end for start, end in taken)


def _tokens(text: str) -> list[_Token]:
    """Folded tokens with their character span in `text`; abbreviations spelled out."""
    folded, offsets = normalize.fold_with_offsets(text)
    raw = _join_initials(
        [
            _Token(m.group(), offsets[m.start()], offsets[m.end() - 1] + 1)
            for m in _FOLDED_TOKEN.finditer(folded)
        ],
        text,
    )
    result: list[_Token] = []
    index = 0
    while index < len(raw):
        token = raw[index]
        if index + 1 < len(raw):
            pair = f"{token.text} {raw[index + 1].text}"
            if pair in normalize.ABBREVIATIONS:
                first, second = normalize.ABBREVIATIONS[pair].split()
                result.append(_Token(first, token.start, token.end))
                result.append(_Token(second, raw[index + 1].start, raw[index + 1].end))
                index += 2
                continue
        for word in normalize.ABBREVIATIONS.get(token.text, token.text).split():
            result.append(_Token(word, token.start, token.end))
        index += 1
    return result


def _join_initials(raw: list[_Token], text: str) -> list[_Token]:
    """ "N.D.G." → one token "ndg": single letters each followed by a dot, 3 or more in a row.

    Two letters are left alone ("N.-D.", "p.m."): "N. D." spells out as "Notre-Dame".
    """
    result: list[_Token] = []
    index = 0
    while index < len(raw):
        run = index
        while (
            run < len(raw)
            and len(raw[run].text) == 1
            and text[raw[run].end : raw[run].end + 1] == "."
            and (run == index or raw[run].start == raw[run - 1].end + 1)
        ):
            run += 1
        if run - index >= MIN_INITIALS:
            letters = "".join(t.text for t in raw[index:run])
            result.append(_Token(letters, raw[index].start, raw[run - 1].end + 1))
            index = run
        else:
            result.append(raw[index])
            index += 1
    return result


def _borough_points() -> dict[str, tuple[float, float]]:
    """Official borough name → a point inside it (for distances from a borough).

    The polygon centroid of montreal_arrondissements_villes_liees.csv, except where it falls
    outside the polygon (Pierrefonds-Roxboro): there the GeoNames point of the same borough.
    """
    import csv

    from bot.places.data import REFERENCE_DIR, alias_config

    by_rem = {str(k): v for k, v in alias_config()["boroughs"]["66023"].items()}
    geonames: dict[str, tuple[float, float]] = {}
    with (REFERENCE_DIR / "boroughs" / "agglomeration_place_names_geonames.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        for row in csv.DictReader(handle):
            if row["source"] == "geonames_cities500":
                geonames[normalize.fold(row["name_as_found"])] = (
                    float(row["lat"]),
                    float(row["lon"]),
                )
    points: dict[str, tuple[float, float]] = {}
    with (REFERENCE_DIR / "boroughs" / "montreal_arrondissements_villes_liees.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        for row in csv.DictReader(handle):
            borough = by_rem.get(row["CODEMAMH"])
            if borough is None:
                continue
            point = (float(row["derived_centroid_lat"]), float(row["derived_centroid_lon"]))
            if row["derived_centroid_inside"] != "True":
                point = geonames.get(normalize.fold(borough), point)
            points[borough] = point
    return points


@lru_cache(maxsize=1)
def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer (built once, about a tenth of a second)."""
    return Gazetteer()
