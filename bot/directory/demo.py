"""The demo directory: real Montréal public places plus fictional organizations everywhere.

`build_demo_tables(seed)` returns HSDS flat tables (see `bot.directory.store`) holding:

* **Real places** from `data/reference/community/montreal_lieux_interet_social_subset.csv`
  (Ville de Montréal, "Lieux d'intérêt", CC BY 4.0, 2020): CLSC, hospitals, clinics,
  libraries, employment centres, community organizations… with their real names, addresses and
  coordinates, mapped to needs by `demo_data/real_places.yml`. Never flagged fictional; no phone
  (the data has none, and a real place must never get an invented number); an `alert` says the
  data is from 2020, and an `open-data` attribute (organization and service) carries the source.
* **Fictional organizations** (`demo_data/fictional.yml`) so that every need has services near
  every served municipality (within 15 km of each of the 83 town points), placed in proportion to
  population, under names no real place of the source uses. Every fictional organization and
  service carries the attribute `fictional` (taxonomy `relais-flags`), and every fictional
  phone is a 555-01xx number (514/438 on the island of Montréal, 450/579 elsewhere), the range
  reserved for fiction.

Conventions other areas rely on:

* Needs: one `attribute` per (service, need), `link_entity="service"`, `link_type="need"`,
  `taxonomy_term_id` = the `relais-needs` term (see `bot.directory.needs`).
* Service areas: `service_area.extent_type = "text"` and `extent` one machine-readable code:
  `"mamh:<code_geo>"` (a municipality), `"mrc:<MRC code>"` (an MRC or equivalent territory,
  codes of `qc_mrc.csv`: 66 = agglomeration de Montréal, 65 Laval, 58 Longueuil…) or
  `"region:cmm"` (the whole territory served). `name` is the place's name. A service may have
  several rows; it serves a municipality if any row names it, its MRC, or the region.
* Texts are French (the record language); English is in `x_translation`.
* Schedules open on holidays carry an `attribute` `open-on-holidays` (`link_entity="schedule"`),
  as `bot.directory.schedules` expects.

Everything is deterministic for a seed: ids are `uuid5`, randomness comes from one
`random.Random(seed)`.
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.directory import needs as N
from bot.settings import REFERENCE_DIR
from bot.texts import t

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
REAL_CSV = REFERENCE_DIR / "community" / "montreal_lieux_interet_social_subset.csv"
RECORD_LANGUAGE = "fr"
OTHER_LANGUAGE = "en"
PEOPLE_PER_SERVICE = 50_000
"""Beyond the services that cover each area, one service per this many people × need weight."""
HUB_RADIUS_KM = 10.0
"""A municipality counts as covered by a service placed within this distance of its point."""
MAX_JITTER_KM = 3.0
LAST_MODIFIED = "2026-01-15T00:00:00Z"
OTHER_LANGUAGES = ("es", "ar", "ht", "zh", "vi", "pt", "fa", "ru", "it")
LDU_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"

Tables = dict[str, list[dict[str, Any]]]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@cache
def _yaml(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# --- the places services are put in ---------------------------------------------------------


@dataclass
class Site:
    """Where fictional services go: a municipality, or a borough of Montréal."""

    key: str
    code_geo: str
    city: str  # municipality name (address city)
    label: str  # name used in organization names (borough for Montréal)
    lat: float
    lon: float
    population: int
    mrc_code: str
    mrc: str
    polygon: Any = None
    fsas: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def island(self) -> bool:
        return self.code_geo.startswith("66")


def _sites() -> list[Site]:
    """Served municipalities (Montréal split into its 19 boroughs), in a fixed order."""
    from shapely import prepare

    from bot.places.data import montreal_areas
    from bot.places.territory import served_municipalities

    areas = montreal_areas()
    for area in areas:
        prepare(area.geometry)
    polygons = {a.code: a.geometry for a in areas if a.borough is None}
    boroughs = [a for a in areas if a.borough is not None]
    sites: list[Site] = []
    for m in sorted(served_municipalities(), key=lambda m: m.code_geo):
        if m.lat is None or m.lon is None:
            continue
        if m.code_geo == "66023" and boroughs:
            share = m.population // len(boroughs)
            for area in sorted(boroughs, key=lambda a: a.borough or ""):
                point = area.geometry.representative_point()
                sites.append(
                    Site(
                        f"66023:{area.borough}",
                        m.code_geo,
                        m.name,
                        area.borough or "",
                        point.y,
                        point.x,
                        share,
                        m.mrc_code,
                        m.mrc,
                        area.geometry,
                    )
                )
            continue
        sites.append(
            Site(
                m.code_geo,
                m.code_geo,
                m.name,
                m.name,
                m.lat,
                m.lon,
                m.population,
                m.mrc_code,
                m.mrc,
                polygons.get(m.code_geo),
            )
        )
    _attach_fsas(sites)
    return sites


def _attach_fsas(sites: list[Site]) -> None:
    """The few FSAs nearest each site (H for Montréal and Laval, J elsewhere)."""
    from bot.places.data import fsa_points

    points = [
        (p.fsa, p.lat, p.lon)
        for p in fsa_points().values()
        if p.lat is not None and p.lon is not None and not p.rural
    ]
    for site in sites:
        letter = "H" if site.code_geo[:2] in ("66", "65") else "J"
        ranked = sorted(
            (haversine_km(site.lat, site.lon, lat, lon), fsa, lat, lon)
            for fsa, lat, lon in points
            if fsa.startswith(letter)
        )
        site.fsas = [(fsa, lat, lon) for _, fsa, lat, lon in ranked[:4]]


# --- row builders -----------------------------------------------------------------------------


class Builder:
    """Accumulates HSDS rows; every generated text goes in French with its English twin."""

    def __init__(self, seed: int, *, fast_ids: bool = False) -> None:
        self.rng = random.Random(seed)
        self.tables: Tables = {}
        self._fast_prefix = N.stable_id("demo-large", str(seed))[:24] if fast_ids else ""
        self._counter = 0
        taxonomy = N.taxonomy_tables(RECORD_LANGUAGE)
        for name, rows in taxonomy.items():
            self.tables.setdefault(name, []).extend(rows)
        self.flag_fictional = N.term_id(N.FLAGS_TAXONOMY, N.FLAG_FICTIONAL)
        self.flag_open_data = N.term_id(N.FLAGS_TAXONOMY, N.FLAG_OPEN_DATA)
        self.flag_holidays = N.term_id(N.FLAGS_TAXONOMY, N.FLAG_OPEN_ON_HOLIDAYS)
        self.need_terms = {need: N.term_id(N.NEEDS_TAXONOMY, need) for need in N.NEED_IDS}
        self.fictional = _yaml("fictional.yml")
        self.translations = self.tables.setdefault("x_translation", [])
        self.taken_names = _real_names()
        self.language_names = {
            code: {lang: t(f"demo.language.{code}", lang) for lang in ("fr", "en")}
            for code in ("fr", "en", *OTHER_LANGUAGES)
        }

    def new_id(self, *parts: str) -> str:
        """`stable_id(*parts)`, or for benchmark tables a cheaper counter-based UUID.

        Both are deterministic for a seed; the counter form avoids hashing millions of ids.
        """
        if not self._fast_prefix:
            return N.stable_id("demo", *parts)
        self._counter += 1
        return f"{self._fast_prefix}{self._counter:012x}"

    def add(
        self, table: str, row: dict[str, Any], texts: dict[str, dict[str, str]] | None = None
    ) -> dict[str, Any]:
        """Add a row; `texts` = {field: {"fr": …, "en": …}} fills fields and translations."""
        for name, versions in (texts or {}).items():
            row[name] = versions[RECORD_LANGUAGE]
            other = versions.get(OTHER_LANGUAGE)
            if other and other != versions[RECORD_LANGUAGE]:
                tid = (
                    self.new_id()
                    if self._fast_prefix
                    else N.stable_id("x_translation", table, row["id"], name, OTHER_LANGUAGE)
                )
                self.translations.append(
                    {
                        "id": tid,
                        "link_entity": table,
                        "link_id": row["id"],
                        "field": name,
                        "language": OTHER_LANGUAGE,
                        "value": other,
                    }
                )
        self.tables.setdefault(table, []).append(row)
        return row

    def attribute(
        self, entity: str, link_id: str, term: str, link_type: str, value: str | None = None
    ) -> None:
        self.add(
            "attribute",
            {
                "id": self.new_id("attribute", entity, link_id, term),
                "link_id": link_id,
                "taxonomy_term_id": term,
                "link_type": link_type,
                "link_entity": entity,
                "value": value,
            },
        )

    def schedules(self, service_id: str, pattern: list[dict[str, Any]]) -> None:
        for index, spec in enumerate(pattern):
            row = self.add(
                "schedule",
                {
                    "id": self.new_id("schedule", service_id, str(index)),
                    "service_id": service_id,
                    "freq": spec.get("freq", "WEEKLY"),
                    "byday": spec["byday"],
                    "opens_at": spec["opens_at"],
                    "closes_at": spec["closes_at"],
                    "wkst": "MO",
                    "interval": 1,
                },
            )
            if spec.get("holidays"):
                self.attribute("schedule", row["id"], self.flag_holidays, "flag")

    def service_area(self, service_id: str, extent: str, name: str) -> None:
        scope = extent.split(":", 1)[0]
        self.add(
            "service_area",
            {
                "id": self.new_id("service_area", service_id, extent),
                "service_id": service_id,
                "extent": extent,
                "extent_type": "text",
                "uri": None,
            },
            {"name": {"fr": name, "en": name}, "description": _area_description(scope, name)},
        )

    def languages(self, service_id: str, codes: list[str]) -> None:
        for code in codes:
            self.add(
                "language",
                {
                    "id": self.new_id("language", service_id, code),
                    "service_id": service_id,
                    "code": code,
                },
                {"name": self.language_names[code]},
            )


@lru_cache(maxsize=4096)
def _area_description(scope: str, name: str) -> dict[str, str]:
    return {lang: t(f"demo.area.{scope}", lang, name=name) for lang in ("fr", "en")}


@lru_cache(maxsize=1)
def _phone_description() -> dict[str, str]:
    return {lang: t("fictional.flag", lang) for lang in ("fr", "en")}


@lru_cache(maxsize=1)
def _real_name_list() -> tuple[str, ...]:
    with REAL_CSV.open(encoding="utf-8", newline="") as handle:
        return tuple(row["Nom français"].strip().casefold() for row in csv.DictReader(handle))


def _real_names() -> set[str]:
    """Every real place name of the source, so no fictional organization can borrow one."""
    return set(_real_name_list())


# --- real places --------------------------------------------------------------------------


def _real_rule(row: dict[str, str], rules: list[dict[str, Any]]) -> dict[str, Any] | None:
    for rule in rules:
        if "type" in rule and rule["type"] != row["Type"].strip():
            continue
        if "name" in rule and not re.search(rule["name"], row["Nom français"], re.IGNORECASE):
            continue
        return rule
    return None


def _postal(value: str) -> str | None:
    code = re.sub(r"\s+", "", value or "").upper()
    return f"{code[:3]} {code[3:]}" if re.fullmatch(r"[A-Z]\d[A-Z]\d[A-Z]\d", code) else None


def _add_real_places(b: Builder) -> int:
    """Real public places of Montréal; returns how many services."""
    from bot.places.territory import served_names

    config = _yaml("real_places.yml")
    codes = {name: code for code, name in served_names().items()}
    added = 0
    with REAL_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in sorted(rows, key=lambda r: int(r["ID"])):
        rule = _real_rule(row, config["rules"])
        if rule is None or not row["Latitude"].strip() or not row["Longitude"].strip():
            continue
        name = row["Nom français"].strip()
        city = row["Ville"].strip() or "Montréal"
        code_geo = codes.get(city, "66023")
        key = row["ID"]
        org_id = N.stable_id("demo", "real", "organization", key)
        service_id = N.stable_id("demo", "real", "service", key)
        location_id = N.stable_id("demo", "real", "location", key)
        description = rule["description"]
        source = config["source"]
        b.add(
            "organization",
            {"id": org_id, "alternate_name": row["Nom court"].strip() or None},
            {
                "name": {"fr": name, "en": name},
                "description": {
                    lang: f"{description[lang]} {source[lang]}" for lang in ("fr", "en")
                },
            },
        )
        b.add(
            "service",
            {
                "id": service_id,
                "organization_id": org_id,
                "status": "active",
                "last_modified": LAST_MODIFIED,
            },
            {
                "name": {"fr": name, "en": name},
                "description": description,
                "alert": config["alert"],
            },
        )
        borough = row["Arrondissement"].strip()
        b.add(
            "location",
            {
                "id": location_id,
                "location_type": "physical",
                "organization_id": org_id,
                "latitude": round(float(row["Latitude"]), 6),
                "longitude": round(float(row["Longitude"]), 6),
                "external_identifier": key,
                "external_identifier_type": "ville-de-montreal-lieux-interet",
            },
            {"name": {"fr": name, "en": name}},
        )
        postal = _postal(row["Code postal"])
        street = " ".join(p for p in (row["Numéro"].strip(), row["rue"].strip()) if p)
        if postal and street:
            b.add(
                "address",
                {
                    "id": N.stable_id("demo", "real", "address", key),
                    "location_id": location_id,
                    "address_1": street,
                    "address_2": _suite(row),
                    "city": city,
                    "region": borough or None,
                    "state_province": "QC",
                    "postal_code": postal,
                    "country": "CA",
                    "address_type": "physical",
                },
            )
        b.add(
            "service_at_location",
            {
                "id": N.stable_id("demo", "real", "service_at_location", key),
                "service_id": service_id,
                "location_id": location_id,
            },
        )
        if rule.get("always_open"):
            b.schedules(service_id, _yaml("fictional.yml")["hours"]["always"])
        b.service_area(service_id, f"mamh:{code_geo}", city)
        for need in rule["needs"]:
            b.attribute("service", service_id, b.need_terms[need], "need")
        for entity, link in (("organization", org_id), ("service", service_id)):
            b.attribute(entity, link, b.flag_open_data, "flag", source[RECORD_LANGUAGE])
        added += 1
    return added


def _suite(row: dict[str, str]) -> str | None:
    parts = []
    if row["Étage"].strip() not in ("", "0"):
        parts.append(f"étage {row['Étage'].strip()}")
    if row["Bureau"].strip():
        parts.append(f"bureau {row['Bureau'].strip()}")
    return ", ".join(parts) or None


# --- fictional services ---------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One fictional service to generate: which need, where, and what it covers."""

    need: str
    site: Site
    index: int  # nth service of this need in this site
    covers_mrcs: tuple[tuple[str, str], ...] = ()  # (code, name) of MRCs it must serve


def _plan(
    sites: list[Site], weights: dict[str, float], rng: random.Random, people_per_service: int
) -> list[Slot]:
    """Hubs so every site is within HUB_RADIUS_KM of each need, then extras by population."""
    slots: list[Slot] = []
    by_population = sorted(sites, key=lambda s: (-s.population, s.key))
    for need in N.NEED_IDS:
        hubs: list[Site] = []
        for site in by_population:
            if not any(
                haversine_km(site.lat, site.lon, h.lat, h.lon) <= HUB_RADIUS_KM for h in hubs
            ):
                hubs.append(site)
        covers: dict[str, set[tuple[str, str]]] = {h.key: set() for h in hubs}
        for site in sites:
            nearest = min(hubs, key=lambda h: haversine_km(site.lat, site.lon, h.lat, h.lon))
            covers[nearest.key].add((site.mrc_code, site.mrc))
        counts = {h.key: 1 for h in hubs}
        for site in sites:
            expected = site.population * weights[need] / people_per_service
            extra = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            counts[site.key] = counts.get(site.key, 0) + extra
        for site in sites:
            for index in range(counts.get(site.key, 0)):
                hub = index == 0 and site.key in covers
                slots.append(
                    Slot(need, site, index, tuple(sorted(covers[site.key])) if hub else ())
                )
    return slots


def _jitter(site: Site, rng: random.Random, max_km: float = MAX_JITTER_KM) -> tuple[float, float]:
    """A point 0.2–max_km from the site, inside its polygon when there is one."""
    import shapely

    for _ in range(25):
        distance = rng.uniform(0.2, max_km)
        bearing = rng.uniform(0, 2 * math.pi)
        dlat = distance * math.cos(bearing) / 111.32
        dlon = distance * math.sin(bearing) / (111.32 * math.cos(math.radians(site.lat)))
        lat, lon = site.lat + dlat, site.lon + dlon
        if site.polygon is None or shapely.contains_xy(site.polygon, lon, lat):
            return round(lat, 6), round(lon, 6)
    return round(site.lat, 6), round(site.lon, 6)


def _postal_code(site: Site, lat: float, lon: float, rng: random.Random) -> str:
    if not site.fsas:
        return ""
    fsa = min(site.fsas, key=lambda f: haversine_km(lat, lon, f[1], f[2]))[0]
    return f"{fsa} {rng.randint(1, 9)}{rng.choice(LDU_LETTERS)}{rng.randint(0, 9)}"


def _phone(site: Site, rng: random.Random) -> str:
    area = rng.choice(("514", "438") if site.island else ("450", "579"))
    return f"{area}-555-01{rng.randint(0, 99):02d}"


def _languages(need: str, site: Site, rng: random.Random) -> list[str]:
    codes = ["fr"]
    if rng.random() < (0.9 if site.island or site.code_geo[:2] in ("65", "58") else 0.55):
        codes.append("en")
    extra_chance = 0.6 if need == "immigration" else 0.12
    if rng.random() < extra_chance:
        codes.extend(sorted(rng.sample(OTHER_LANGUAGES, rng.randint(1, 3))))
    return codes


def _fees(spec: Any) -> dict[str, str]:
    return _free() if spec == "free" else spec


@lru_cache(maxsize=1)
def _free() -> dict[str, str]:
    return {lang: t("demo.fees.free", lang) for lang in ("fr", "en")}


def _de(name: str) -> str:
    """French "de" before a place name: d'Anjou, du Plateau, des Cèdres, de Laval."""
    if name.startswith("Le "):
        return f"du {name[3:]}"
    if name.startswith("Les "):
        return f"des {name[4:]}"
    if name[:1] in "AEIOUÉÈÊÎÔÂ":
        return f"d'{name}"
    return f"de {name}"


def _org_name(
    spec: dict[str, Any], slot: Slot, qualifiers: list[dict[str, str]], taken: set[str]
) -> dict[str, str]:
    """A bilingual name no real place and no other fictional organization already has."""
    templates = spec["orgs"]
    label = slot.site.label
    attempt = slot.index
    while True:
        template = templates[attempt % len(templates)]
        round_ = attempt // len(templates)
        names = {
            lang: template[lang].format(city=label, de_city=_de(label)) for lang in ("fr", "en")
        }
        if round_:
            qualifier = qualifiers[(round_ - 1 + len(slot.site.key)) % len(qualifiers)]
            suffix = "" if round_ <= len(qualifiers) else f" {round_}"
            names = {lang: f"{names[lang]} – {qualifier[lang]}{suffix}" for lang in ("fr", "en")}
        if names["fr"].casefold() not in taken and names["en"].casefold() not in taken:
            taken.update((names["fr"].casefold(), names["en"].casefold()))
            return names
        attempt += len(templates)


def _variant(spec: dict[str, Any], key: str) -> dict[str, Any]:
    """The need's usual service, or one of its specialised `variants` (about one service in
    `len(variants) + 2`), chosen by a hash of the slot so the random draws stay the same."""
    variants = spec.get("variants") or []
    pick = int(hashlib.sha256(key.encode()).hexdigest(), 16) % (len(variants) + 2)
    return {**spec, **variants[pick]} if pick < len(variants) else spec


def _add_fictional(b: Builder, slot: Slot, serial: int) -> None:
    rng = b.rng
    site = slot.site
    key = f"{slot.need}:{site.key}:{slot.index}:{serial}"
    spec = _variant(b.fictional["needs"][slot.need], key)
    org_id = b.new_id("organization", key)
    service_id = b.new_id("service", key)
    location_id = b.new_id("location", key)
    org_name = _org_name(spec, slot, b.fictional["qualifiers"], b.taken_names)
    b.add(
        "organization",
        {"id": org_id},
        {
            "name": org_name,
            "description": {
                lang: t(
                    "demo.org.description",
                    lang,
                    name=org_name[lang],
                    description=spec["description"][lang],
                )
                for lang in ("fr", "en")
            },
        },
    )
    ages = spec.get("ages") or [None, None]
    b.add(
        "service",
        {
            "id": service_id,
            "organization_id": org_id,
            "status": "active",
            "minimum_age": ages[0],
            "maximum_age": ages[1],
            "last_modified": LAST_MODIFIED,
            "interpretation_services": None,
        },
        {
            "name": spec["service"],
            "description": spec["description"],
            "eligibility_description": spec["eligibility"],
            "application_process": spec["process"],
            "fees_description": _fees(spec["fees"]),
        },
    )
    lat, lon = _jitter(site, rng)
    b.add(
        "location",
        {
            "id": location_id,
            "location_type": "physical",
            "organization_id": org_id,
            "latitude": lat,
            "longitude": lon,
        },
        {"name": org_name},
    )
    streets = b.fictional["streets"]
    b.add(
        "address",
        {
            "id": b.new_id("address", key),
            "location_id": location_id,
            "address_1": f"{rng.randint(10, 2999)} {rng.choice(streets)}",
            "city": site.city,
            "region": site.label if site.label != site.city else site.mrc,
            "state_province": "QC",
            "postal_code": _postal_code(site, lat, lon, rng),
            "country": "CA",
            "address_type": "physical",
        },
    )
    b.add(
        "service_at_location",
        {
            "id": b.new_id("service_at_location", key),
            "service_id": service_id,
            "location_id": location_id,
        },
    )
    b.add(
        "phone",
        {
            "id": b.new_id("phone", key),
            "service_id": service_id,
            "organization_id": org_id,
            "number": _phone(site, rng),
            "type": "voice",
        },
        {"description": _phone_description()},
    )
    hours = spec["hours"]
    b.schedules(service_id, b.fictional["hours"][hours[(slot.index + serial) % len(hours)]])
    if slot.covers_mrcs:
        if len(slot.covers_mrcs) > 2 or (
            slot.need in ("gambling", "violence") and rng.random() < 0.3
        ):
            b.service_area(service_id, "region:cmm", t("demo.area.region_name", RECORD_LANGUAGE))
        else:
            for code, name in slot.covers_mrcs:
                b.service_area(service_id, f"mrc:{code}", name)
    elif rng.random() < 0.75:
        b.service_area(service_id, f"mamh:{site.code_geo}", site.city)
    else:
        b.service_area(service_id, f"mrc:{site.mrc_code}", site.mrc)
    b.languages(service_id, _languages(slot.need, site, rng))
    b.attribute("service", service_id, b.need_terms[slot.need], "need")
    for other in spec.get("also_needs") or ():
        b.attribute("service", service_id, b.need_terms[other], "need")
    for entity, link in (("organization", org_id), ("service", service_id)):
        b.attribute(entity, link, b.flag_fictional, "flag")


# --- entry points ---------------------------------------------------------------------------


def _weights() -> dict[str, float]:
    spec = _yaml("fictional.yml")["needs"]
    return {need: float(spec[need]["weight"]) for need in N.NEED_IDS}


def build_demo_tables(seed: int = 211) -> Tables:
    """The demo directory: real Montréal places + fictional services covering the territory."""
    b = Builder(seed)
    _add_real_places(b)
    for serial, slot in enumerate(_plan(_sites(), _weights(), b.rng, PEOPLE_PER_SERVICE)):
        _add_fictional(b, slot, serial)
    return b.tables


def _large_slots(sites: list[Site], services: int, rng: random.Random) -> Iterator[Slot]:
    """`services` slots drawn by population × need weight (no coverage planning: benchmarks)."""
    weights = _weights()
    pairs = [(need, site) for site in sites for need in N.NEED_IDS]
    cumulative = [site.population * weights[need] + 1 for need, site in pairs]
    seen: dict[tuple[str, str], int] = {}
    for need, site in rng.choices(pairs, weights=cumulative, k=services):
        index = seen.get((need, site.key), 0)
        seen[(need, site.key)] = index + 1
        yield Slot(need, site, index)


def build_large_tables(services: int, seed: int = 211) -> Tables:
    """Exactly `services` fictional services (plus the taxonomy), for benchmarks."""
    b = Builder(seed, fast_ids=True)
    for serial, slot in enumerate(_large_slots(_sites(), services, b.rng)):
        _add_fictional(b, slot, serial)
    return b.tables


def counts(tables: Tables) -> dict[str, int]:
    """Rows per table, in table-name order."""
    return {name: len(rows) for name, rows in sorted(tables.items())}


def flagged_ids(tables: Tables, entity: str, flag: str = N.FLAG_FICTIONAL) -> set[str]:
    """Ids of the `entity` records (service, organization…) carrying a `relais-flags` term."""
    term = N.term_id(N.FLAGS_TAXONOMY, flag)
    return {
        row["link_id"]
        for row in tables.get("attribute", [])
        if row["link_entity"] == entity and row["taxonomy_term_id"] == term
    }


def summary(tables: Tables) -> dict[str, int]:
    """Services in all, real (open data) and fictional: what `relais directory demo` prints."""
    services = len(tables.get("service", []))
    fictional = len(flagged_ids(tables, "service"))
    return {"services": services, "real": services - fictional, "fictional": fictional}
