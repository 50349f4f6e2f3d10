"""The territory served (the 82 CMM municipalities + L'Épiphanie) and the other 211s of Québec.

The territory is configuration, not code: `territory.yml` next to this module lists every
municipality by its MAMH code and name, with where the list comes from. This module only reads
it, so that changing the territory is a reviewed data change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.texts import both

TERRITORY_FILE = Path(__file__).resolve().parent / "territory.yml"


@dataclass(frozen=True)
class Municipality:
    """One municipality of Québec, as in qc_municipalities.csv."""

    code_geo: str
    name: str
    mrc_code: str = ""
    mrc: str = ""
    region_code: str = ""
    region: str = ""
    population: int = 0
    lat: float | None = None
    lon: float | None = None
    designation: str = ""


@dataclass(frozen=True)
class Referral:
    """A 211 service to send a person to, with the sentence to say, in French and English."""

    key: str
    name: str
    phone: str
    url: str | None
    served: bool
    uncertain: tuple[str, ...] = ()
    texts: dict[str, str] = field(default_factory=dict)

    def text(self, language: str = "fr") -> str:
        """The sentence for the person in `language` (French for any other language)."""
        return self.texts.get(language) or self.texts["fr"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "phone": self.phone,
            "url": self.url,
            "served": self.served,
            "uncertain": list(self.uncertain),
            "texts": dict(self.texts),
        }


@lru_cache(maxsize=1)
def _config() -> dict[str, Any]:
    with TERRITORY_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _flatten(groups: dict[str, dict[str, str]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for members in groups.values():
        names.update({str(code): name for code, name in members.items()})
    return names


@lru_cache(maxsize=1)
def cmm_names() -> dict[str, str]:
    """code_geo → name of the 82 CMM members."""
    return _flatten(_config()["cmm"])


@lru_cache(maxsize=1)
def served_names() -> dict[str, str]:
    """code_geo → name of the 83 municipalities served."""
    names = dict(cmm_names())
    names.update({str(code): name for code, name in _config()["also_served"].items()})
    return names


def cmm_groups() -> dict[str, list[str]]:
    """Group (agglomeration_montreal, couronne_nord…) → codes, in the order of the file."""
    return {group: [str(c) for c in members] for group, members in _config()["cmm"].items()}


CMM_CODES: frozenset[str] = frozenset(cmm_names())
SERVED_CODES: frozenset[str] = frozenset(served_names())


def is_served(code_geo: str | None) -> bool:
    """Whether 211 Grand Montréal serves this municipality."""
    return bool(code_geo) and code_geo in SERVED_CODES


def served_municipalities() -> list[Municipality]:
    """The 83 municipalities served, with their MRC, region and point, by name."""
    from bot.places.data import municipalities

    rows = municipalities()
    return sorted((rows[code] for code in SERVED_CODES), key=lambda m: m.name)


def _referral(entry: dict[str, Any], *, served: bool, place: str) -> Referral:
    key = entry["key"]
    url = entry.get("url") or ""
    variables = {"name": entry["name"], "phone": entry["phone"], "url": url, "place": place}
    text_key = (
        f"places.referral.{key}"
        if key in ("grand_montreal", "quebec")
        else ("places.referral.other_211" if url else "places.referral.other_211_no_url")
    )
    return Referral(
        key=key,
        name=entry["name"],
        phone=str(entry["phone"]),
        url=entry.get("url"),
        served=served,
        uncertain=tuple(entry.get("uncertain") or ()),
        texts=both(text_key, **variables),
    )


def referral_for(code_geo: str | None) -> Referral:
    """The 211 that serves `code_geo`: ours inside the territory, the regional one elsewhere.

    An unknown code (or None) gets the generic Québec fallback (211, or Info-Social 811).
    """
    from bot.places.data import municipalities

    config = _config()["referrals"]
    municipality = municipalities().get(code_geo or "")
    place = municipality.name if municipality else ""
    if code_geo and is_served(code_geo):
        return _referral(config["home"], served=True, place=place)
    if municipality is not None:
        for service in config["services"]:
            if municipality.region_code in (service.get("regions") or ()):
                return _referral(service, served=False, place=place)
            if municipality.mrc_code in (service.get("mrcs") or ()):
                return _referral(service, served=False, place=place)
    return _referral(config["fallback"], served=False, place=place)
