"""Read the vendored reference data (data/reference/) and repair its known errors.

Every loader is cached and returns plain Python objects. The errors listed in
data/reference/SOURCES.md are fixed here, in one place, each with a test in
tests/places/test_data_fixes.py:
- GeoNames "Ct 0001"… rows (census tracts, not places) are dropped;
- "Saint-Franþois" (and any "þ") is read as "ç";
- FSA points off the map (H0H "Santa Claus" at 90,0) are dropped; H4Y and G0B, whose points are
  wrong, go to the municipality in `aliases.yml: fsa_fixes`;
- GeoNames municipality codes retired by mergers are mapped to the current ones;
- the 6 merged municipalities without a code become aliases (see `aliases.yml: merged`);
- borough polygon names written with "-" instead of "–" take the official name by REM code;
- rural FSAs (second character 0) use the Statistics Canada centroid, not the GeoNames point.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.places.territory import Municipality
from bot.settings import REFERENCE_DIR

ALIASES_FILE = Path(__file__).resolve().parent / "aliases.yml"
MUNICIPALITIES_CSV = REFERENCE_DIR / "municipalities" / "qc_municipalities.csv"
MRC_GEOJSON = REFERENCE_DIR / "municipalities" / "qc_mrc_sda.geojson"
MRC_CSV = REFERENCE_DIR / "municipalities" / "qc_mrc.csv"
CITIES_CSV = REFERENCE_DIR / "municipalities" / "geonames_cities500_qc.csv"
BOROUGHS_GEOJSON = (
    REFERENCE_DIR / "boroughs" / "montreal_limites_administratives_agglomeration.geojson"
)
FSA_CSV = REFERENCE_DIR / "postal" / "fsa_qc_combined.csv"

QUEBEC_BOUNDS = (44.9, 63.0, -80.0, -57.0)
"""lat_min, lat_max, lon_min, lon_max: a point outside cannot be in Québec."""

_CENSUS_TRACT = re.compile(r"^Ct \d+$")
_MISENCODED = str.maketrans({"þ": "ç", "Þ": "Ç"})
_FSA_DIRECTION = re.compile(
    r"\s+(?:(?:Inner|Outer)\s+)?(?:North|South|East|West|Central|Northeast|Northwest|Southeast|"
    r"Southwest|Outskirts|North Central|South Central|North North|North South|South & West)"
    r"(?:\s+(?:Central|North|South))?$"
)


def in_quebec_bounds(lat: float, lon: float) -> bool:
    lat_min, lat_max, lon_min, lon_max = QUEBEC_BOUNDS
    return lat_min <= lat <= lat_max and lon_min <= lon <= lon_max


def fix_text(name: str) -> str:
    """Repair upstream mis-encodings ("Saint-Franþois" → "Saint-François")."""
    return name.translate(_MISENCODED).strip()


@lru_cache(maxsize=1)
def alias_config() -> dict[str, Any]:
    """bot/places/aliases.yml, as loaded."""
    with ALIASES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _float(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=1)
def municipalities() -> dict[str, Municipality]:
    """code_geo → Municipality for every live municipality of Québec (rows with a code)."""
    result: dict[str, Municipality] = {}
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["code_geo"].strip()
            if not code:
                continue  # merged municipality: an alias (see merged_names)
            result[code] = Municipality(
                code_geo=code,
                name=row["name"],
                mrc_code=row["derived_sda_mrc_code"],
                mrc=row["mrc"] or row["derived_sda_mrc_name"],
                region_code=row["derived_region_code"],
                region=row["derived_region_name"],
                population=int(row["population"] or 0),
                lat=_float(row["lat"]),
                lon=_float(row["lon"]),
                designation=row["designation"],
            )
    return result


@lru_cache(maxsize=1)
def merged_names() -> dict[str, str]:
    """Name of a merged municipality (no code of its own) → code of the one it joined."""
    merged = {str(k): str(v) for k, v in alias_config()["merged"].items()}
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as handle:
        missing = [r["name"] for r in csv.DictReader(handle) if not r["code_geo"].strip()]
    unknown = [name for name in missing if name not in merged]
    if unknown:
        raise ValueError(f"aliases.yml: merged municipalities without a target: {unknown}")
    return merged


def current_code(code: str | None) -> str | None:
    """A MAMH code as it is today (codes retired by a merger → the new one); None if unknown."""
    if not code:
        return None
    code = {str(k): str(v) for k, v in alias_config()["obsolete_codes"].items()}.get(code, code)
    return code if code in municipalities() else None


@lru_cache(maxsize=1)
def mrc_names() -> dict[str, str]:
    """MRC code → MRC name (qc_mrc.csv)."""
    with MRC_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["mrc_code"]: row["mrc_name"] for row in csv.DictReader(handle)}


@dataclass(frozen=True)
class FsaPoint:
    """Where an FSA (first three characters of a postal code) lies, and what it is called."""

    fsa: str
    lat: float | None
    lon: float | None
    place_name: str
    code_hint: str | None
    """The municipality, when the data says so (GeoNames code, or a fix of aliases.yml)."""
    rural: bool


@lru_cache(maxsize=1)
def fsa_points() -> dict[str, FsaPoint]:
    """FSA → FsaPoint for Québec, with the SOURCES.md caveats repaired."""
    fixes = {str(k): v for k, v in alias_config()["fsa_fixes"].items()}
    result: dict[str, FsaPoint] = {}
    with FSA_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            fsa = row["fsa"].upper()
            rural = fsa[1] == "0"
            geonames = (_float(row["geonames_lat"]), _float(row["geonames_lon"]))
            statcan = (_float(row["statcan_centroid_lat"]), _float(row["statcan_centroid_lon"]))
            lat, lon = statcan if (rural or geonames[0] is None) and statcan[0] else geonames
            distance = _float(row["derived_distance_km"])
            if statcan[0] is not None and distance is not None and distance > 5:
                lat, lon = statcan  # the two sources disagree: trust the polygon centroid
            code = current_code(row["geonames_municipality_code"])
            if fsa in fixes:
                if fixes[fsa] is None:
                    continue
                code = str(fixes[fsa])
                fixed = municipalities()[code]
                lat, lon = fixed.lat, fixed.lon
            if lat is None or lon is None or not in_quebec_bounds(lat, lon):
                continue  # H0H "Santa Claus" (90, 0) and the like
            result[fsa] = FsaPoint(
                fsa=fsa,
                lat=lat,
                lon=lon,
                place_name=fix_text(row["geonames_place_name"]),
                code_hint=code,
                rural=rural,
            )
    return result


def fsa_area_name(point: FsaPoint) -> str:
    """The neighbourhood an FSA is named after: "Chomedey Northeast" → "Chomedey"."""
    name = re.sub(r"\s*\(.*\)$", "", point.place_name)
    return _FSA_DIRECTION.sub("", name).strip()


@dataclass(frozen=True)
class Locality:
    """A GeoNames populated place (town, village, neighbourhood) with its point."""

    name: str
    lat: float
    lon: float
    population: int


@lru_cache(maxsize=1)
def localities() -> list[Locality]:
    """GeoNames cities500 for Québec, without the "Ct 00xx" census-tract rows."""
    result: list[Locality] = []
    with CITIES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = fix_text(row["name"])
            if _CENSUS_TRACT.match(name):
                continue
            result.append(
                Locality(
                    name,
                    float(row["latitude"]),
                    float(row["longitude"]),
                    int(row["population"] or 0),
                )
            )
    return result


def _features(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)["features"]


@dataclass(frozen=True)
class Area:
    """A polygon with what it stands for: an MRC, or a Montréal borough / ville liée."""

    code: str
    """MRC code for MRCs; MAMH code_geo for Montréal areas."""
    name: str
    borough: str | None
    region_code: str
    geometry: Any


def mrc_areas() -> list[Area]:
    """The 106 MRC (and TÉ) polygons of the SDA."""
    from shapely.geometry import shape

    return [
        Area(
            code=f["properties"]["MRS_CO_MRC"],
            name=f["properties"]["MRS_NM_MRC"],
            borough=None,
            region_code=f["properties"]["MRS_CO_REG"],
            geometry=shape(f["geometry"]),
        )
        for f in _features(MRC_GEOJSON)
    ]


def montreal_areas() -> list[Area]:
    """The 34 areas of the Montréal agglomeration: 19 boroughs (code 66023) and 15 villes liées.

    Borough names come from aliases.yml by REM code, so they carry the official en dashes.
    """
    from shapely.geometry import shape

    boroughs = {str(k): v for k, v in alias_config()["boroughs"]["66023"].items()}
    areas = []
    for feature in _features(BOROUGHS_GEOJSON):
        props = feature["properties"]
        mamh = str(props["CODEMAMH"])
        if mamh.startswith("REM"):
            code, borough = "66023", boroughs[mamh]
        else:
            code, borough = mamh, None
        areas.append(Area(code, props["NOM"], borough, "06", shape(feature["geometry"])))
    return areas
