"""The 20 needs Relais 211 understands, and their HSDS taxonomy rows.

A need id (`food`, `housing`…) is the one vocabulary shared by the NLU (`need_<id>` intents),
search and the directory. In HSDS the needs are the terms of taxonomy `relais-needs` (term
`code` = need id), linked to services by `attribute` rows (`link_entity="service"`). Each need
also maps to Open Eligibility 2.0 terms (`data/reference/taxonomy/open_eligibility_taxonomy.csv`)
so an export speaks a taxonomy other directories know; that mapping is stored as `attribute`
rows on the need term (`link_entity="taxonomy_term"`, `link_type="equivalent"`).

Ids are `uuid5` on a fixed namespace, so building the tables twice gives the same rows and a
re-import upserts instead of duplicating.
"""

from __future__ import annotations

import csv
import hashlib
import uuid
from dataclasses import dataclass
from functools import lru_cache

from bot.settings import REFERENCE_DIR
from bot.texts import LANGUAGES, t

NEED_IDS: tuple[str, ...] = (
    "food",
    "housing",
    "shelter",
    "mental_health",
    "addiction",
    "gambling",
    "violence",
    "seniors",
    "family",
    "youth",
    "employment",
    "education",
    "immigration",
    "legal",
    "income",
    "material",
    "health",
    "disability",
    "transportation",
    "government",
)

NEED_PREFIX = "need_"
"""The intent of a need is `need_<id>` (the NLU's `need_food`; `need_unspecified` is none)."""

NEEDS_TAXONOMY = "relais-needs"
FLAGS_TAXONOMY = "relais-flags"
OE_TAXONOMY = "open-eligibility"
FLAG_FICTIONAL = "fictional"
FLAG_OPEN_DATA = "open-data"
FLAG_OPEN_ON_HOLIDAYS = "open-on-holidays"
FLAG_CODES: tuple[str, ...] = (FLAG_FICTIONAL, FLAG_OPEN_DATA, FLAG_OPEN_ON_HOLIDAYS)

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/relais211/hsds")
"""Root of every deterministic id of the project's generated HSDS rows."""

OE_CSV = REFERENCE_DIR / "taxonomy" / "open_eligibility_taxonomy.csv"
OE_URI = "https://github.com/auntbertha/openeligibility"

# Open Eligibility 2.0 ids: services (11xx–13xx) and situations (200xx) share one id space.
_OPEN_ELIGIBILITY: dict[str, tuple[str, ...]] = {
    "food": ("1102", "1120", "1130", "1131", "1132"),
    "housing": ("1103", "1136", "1137", "1142"),
    "shelter": ("1121", "1135", "1152", "20058"),
    "mental_health": ("1126", "1198", "1304", "1305", "20051"),
    "addiction": ("1178", "1180", "1181", "20050"),
    "gambling": ("1178", "1312", "1328"),
    "violence": ("1123", "1124", "1125", "20083", "20086"),
    "seniors": ("1278", "1286", "1307", "20006"),
    "family": ("1195", "1280", "1155", "20054"),
    "youth": ("1279", "1308", "20004"),
    "employment": ("1110", "1357", "1365", "1354"),
    "education": ("1109", "1323", "1326", "1350", "1343"),
    "immigration": ("1381", "1390", "20012", "20013"),
    "legal": ("1111", "1375", "1387", "1389"),
    "income": ("1107", "1232", "1256", "1263", "1270"),
    "material": ("1104", "1158", "1163", "1166"),
    "health": ("1106", "1184", "1206", "1210"),
    "disability": ("1170", "1197", "1257", "20017"),
    "transportation": ("1105", "1172", "1175", "1176"),
    "government": ("1260", "1292", "1293", "1384"),
}


_NAMESPACE_BYTES = NAMESPACE.bytes


def stable_id(*parts: str) -> str:
    """A deterministic UUID for a generated row, from the parts that make it unique.

    Exactly `str(uuid.uuid5(NAMESPACE, ":".join(parts)))`, computed without building `UUID`
    objects: the benchmark directory needs millions of them.
    """
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + ":".join(parts).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _check(need_id: str) -> str:
    if need_id not in NEED_IDS:
        raise KeyError(f"unknown need {need_id!r}; expected one of {', '.join(NEED_IDS)}")
    return need_id


def need_label(need_id: str, lang: str = "fr") -> str:
    """Short name of a need, for a button."""
    return t(f"need.{_check(need_id)}.label", lang)


def need_resources(need_id: str, lang: str = "fr") -> str:
    """What a results heading calls the need's services ("des ressources pour les jeunes")."""
    return t(f"need.{_check(need_id)}.resources", lang)


def need_description(need_id: str, lang: str = "fr") -> str:
    """One line saying what the need covers, for a card."""
    return t(f"need.{_check(need_id)}.description", lang)


def open_eligibility_terms(need_id: str) -> list[str]:
    """The Open Eligibility 2.0 term ids equivalent to a need, most general first."""
    return list(_OPEN_ELIGIBILITY[_check(need_id)])


@dataclass(frozen=True)
class OeTerm:
    """One Open Eligibility term as flattened in the vendored CSV."""

    id: str
    title: str
    parent_id: str
    facet: str  # "services" or "situations"


@lru_cache(maxsize=1)
def oe_terms() -> dict[str, OeTerm]:
    """Open Eligibility terms by id; for the id used twice upstream (1206), the first wins."""
    terms: dict[str, OeTerm] = {}
    with OE_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            terms.setdefault(
                row["id"], OeTerm(row["id"], row["title"], row["parent_id"], row["taxonomy"])
            )
    return terms


def term_id(taxonomy: str, code: str) -> str:
    """The HSDS id of a taxonomy term (`term_id("relais-needs", "food")`)."""
    return stable_id("taxonomy_term", taxonomy, code)


def taxonomy_id(taxonomy: str) -> str:
    """The HSDS id of one of the project's taxonomies."""
    return stable_id("taxonomy", taxonomy)


def translation_row(link_entity: str, link_id: str, field: str, lang: str, value: str) -> dict:
    """One `x_translation` row (the text of a field in the non-record language)."""
    return {
        "id": stable_id("x_translation", link_entity, link_id, field, lang),
        "link_entity": link_entity,
        "link_id": link_id,
        "field": field,
        "language": lang,
        "value": value,
    }


def _used_oe_ids() -> list[str]:
    """Every mapped term plus its ancestors, so each `parent_id` points at a row."""
    terms = oe_terms()
    seen: dict[str, None] = {}
    for need in NEED_IDS:
        for code in _OPEN_ELIGIBILITY[need]:
            chain = []
            while code and code not in seen:
                chain.append(code)
                parent = terms[code].parent_id
                code = parent if parent != code else ""
            for item in reversed(chain):
                seen[item] = None
    return list(seen)


def taxonomy_tables(record_language: str = "fr") -> dict[str, list[dict]]:
    """HSDS `taxonomy`, `taxonomy_term`, `attribute` (need ↔ Open Eligibility) and `x_translation`.

    Texts are written in `record_language`; the other first-class language goes to
    `x_translation`. Open Eligibility exists in English only, so its terms carry `language="en"`
    and no translation.
    """
    other = [lang for lang in LANGUAGES if lang != record_language]
    taxonomies: list[dict] = []
    terms: list[dict] = []
    attributes: list[dict] = []
    translations: list[dict] = []

    def add_taxonomy(code: str, key: str, uri: str | None, version: str) -> None:
        row = {
            "id": taxonomy_id(code),
            "name": t(f"{key}.name", record_language),
            "description": t(f"{key}.description", record_language),
            "uri": uri,
            "version": version,
        }
        taxonomies.append(row)
        for lang in other:
            for field in ("name", "description"):
                translations.append(
                    translation_row(
                        "taxonomy", str(row["id"]), field, lang, t(f"{key}.{field}", lang)
                    )
                )

    def add_term(taxonomy: str, code: str, label_key: str, description_key: str) -> None:
        row = {
            "id": term_id(taxonomy, code),
            "code": code,
            "name": t(label_key, record_language),
            "description": t(description_key, record_language),
            "parent_id": None,
            "taxonomy": taxonomy,
            "language": record_language,
            "taxonomy_id": taxonomy_id(taxonomy),
            "term_uri": None,
        }
        terms.append(row)
        for lang in other:
            translations.append(
                translation_row("taxonomy_term", str(row["id"]), "name", lang, t(label_key, lang))
            )
            translations.append(
                translation_row(
                    "taxonomy_term", str(row["id"]), "description", lang, t(description_key, lang)
                )
            )

    add_taxonomy(NEEDS_TAXONOMY, "need.taxonomy.needs", None, "1")
    add_taxonomy(FLAGS_TAXONOMY, "need.taxonomy.flags", None, "1")
    add_taxonomy(OE_TAXONOMY, "need.taxonomy.open_eligibility", OE_URI, "2.0")
    for need in NEED_IDS:
        add_term(NEEDS_TAXONOMY, need, f"need.{need}.label", f"need.{need}.description")
    for flag in FLAG_CODES:
        key = flag.replace("-", "_")
        add_term(FLAGS_TAXONOMY, flag, f"need.flag.{key}.label", f"need.flag.{key}.description")

    catalog = oe_terms()
    for code in _used_oe_ids():
        term = catalog[code]
        parent = term.parent_id if term.parent_id and term.parent_id != code else None
        terms.append(
            {
                "id": term_id(OE_TAXONOMY, code),
                "code": code,
                "name": term.title,
                "description": f"Open Eligibility {term.facet}: {term.title}",
                "parent_id": term_id(OE_TAXONOMY, parent) if parent else None,
                "taxonomy": OE_TAXONOMY,
                "language": "en",
                "taxonomy_id": taxonomy_id(OE_TAXONOMY),
                "term_uri": None,
            }
        )
    for need in NEED_IDS:
        need_term = term_id(NEEDS_TAXONOMY, need)
        for code in _OPEN_ELIGIBILITY[need]:
            attributes.append(
                {
                    "id": stable_id("attribute", "equivalent", need_term, code),
                    "link_id": need_term,
                    "taxonomy_term_id": term_id(OE_TAXONOMY, code),
                    "link_type": "equivalent",
                    "link_entity": "taxonomy_term",
                    "value": None,
                }
            )
    return {
        "taxonomy": taxonomies,
        "taxonomy_term": terms,
        "attribute": attributes,
        "x_translation": translations,
    }
