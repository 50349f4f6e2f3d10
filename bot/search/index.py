"""The in-memory search index: every active service at every located place, in numpy arrays.

Built once per process from the directory database (a handful of full-table reads), so a
search runs no SQL. Points are bucketed per need in a grid of cells of about 5 km, kept as one
array per need sorted by cell: a query reads one contiguous slice per grid row around the
person, so its cost follows what is near, not the size of the directory. Texts keep both
languages (record language plus `x_translation`). Services with the same opening hours share
one schedule group, so the search works out "open now" once per group, not once per service.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from bot.directory import needs as N
from bot.directory.schema import TABLES

log = logging.getLogger(__name__)

CELL_DEG_LAT = 0.045
"""About 5 km north-south."""
CELL_DEG_LON = 0.064
"""About 5 km east-west at Montréal's latitude (45.5° N)."""
EARTH_KM = 6371.0088
LANGUAGES = ("fr", "en")


@dataclass(slots=True)
class ServiceInfo:
    """What a hit shows about one service (texts by language)."""

    id: str
    name: dict[str, str]
    organization: dict[str, str]
    description: dict[str, str]
    url: str | None
    phone: str | None
    languages: tuple[str, ...]
    needs: frozenset[str]
    fictional: bool
    schedules: tuple[dict, ...]
    area_group: int
    """Index into `SearchIndex.area_groups`; 0 = no service_area rows (serves anyone)."""


@dataclass(slots=True)
class Point:
    """One place where a service is given."""

    service: int
    lat: float
    lon: float
    address: str


@dataclass
class SearchIndex:
    """Services, their points, the per-need grid and the service vectors."""

    services: list[ServiceInfo]
    points: list[Point]
    lat: np.ndarray  # radians, per point
    lon: np.ndarray
    point_service: np.ndarray  # int32, per point
    need_points: dict[str, np.ndarray]
    """need → point indices of services tagged with the need, sorted by grid cell (row, col)."""
    need_cells: dict[str, np.ndarray]
    """need → the cell key (`cell_key`) of each point of `need_points`, ascending."""
    region_points: dict[str, np.ndarray]
    """need → the same points in the order the grid first met their cells (region-wide step)."""
    unlocated: dict[str, np.ndarray]
    """need → services without any located point (phone lines, online services)."""
    area_groups: list[frozenset[str]]
    service_area_group: np.ndarray  # int32, per service
    schedule_sets: list[tuple[dict, ...]] = field(default_factory=list)
    """Distinct opening hours (rows without their ids); a search computes each set once."""
    service_schedule: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    """Per service, its index into `schedule_sets`, or -1 without any schedule row."""
    by_id: dict[str, int] = field(default_factory=dict)
    vectors: np.ndarray | None = None  # unique text vectors (float32, normalised)
    vector_rows: np.ndarray | None = None  # (services, 2) rows into `vectors`: fr, en
    model: str | None = None
    built_seconds: float = 0.0
    source_url: str | None = None
    """Database the index was read from (where its stored vectors are)."""
    generation: int = 0
    """The directory's generation when read (`bot.directory.generation`): stale when it moved."""

    @property
    def size(self) -> int:
        return len(self.services)

    def candidates(self, need: str, lat: float, lon: float, radius_km: float) -> np.ndarray:
        """Point indices of `need` in the grid cells that can hold points within the radius.

        Row by row, then column, then point order: one `searchsorted` slice per grid row.
        """
        keys = self.need_cells.get(need)
        if keys is None or not len(keys):
            return _NO_POINTS
        r0, c0 = cell_of(lat, lon)
        dr = math.ceil(radius_km / 111.2 / CELL_DEG_LAT)
        dc = math.ceil(radius_km / (111.2 * max(math.cos(math.radians(lat)), 0.2)) / CELL_DEG_LON)
        rows = np.arange(r0 - dr, r0 + dr + 1, dtype=np.int64)
        starts = np.searchsorted(keys, cell_key(rows, c0 - dc), side="left").tolist()
        ends = np.searchsorted(keys, cell_key(rows, c0 + dc), side="right").tolist()
        points = self.need_points[need]
        parts = [points[lo:hi] for lo, hi in zip(starts, ends, strict=True) if hi > lo]
        if not parts:
            return _NO_POINTS
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def distances_km(self, points: np.ndarray, lat: float, lon: float) -> np.ndarray:
        """Haversine distances from (lat, lon) in degrees to `points`."""
        la, lo = math.radians(lat), math.radians(lon)
        plat, plon = self.lat[points], self.lon[points]
        a = (
            np.sin((plat - la) / 2) ** 2
            + math.cos(la) * np.cos(plat) * np.sin((plon - lo) / 2) ** 2
        )
        return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


_NO_POINTS = np.zeros(0, dtype=np.int32)
_COL_SPAN = 1 << 21
"""Cell keys pack (row, col) into one ascending int64: row * span + col + span / 2."""


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEG_LAT), math.floor(lon / CELL_DEG_LON)


def cell_key(row, col):
    """The sortable key of a cell (ints or int64 arrays): ordered by row, then column."""
    return row * _COL_SPAN + (col + _COL_SPAN // 2)


_SCHEDULE_IDENTITY = frozenset(
    {
        "id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "description",
        "notes",
        "attending_type",
        "schedule_link",
    }
)
"""Schedule columns that name or describe a row without changing when it is open."""


def _frozen(value: object) -> object:
    """A hashable copy that keeps types apart (1, 1.0 and True compare equal in Python but
    are not read alike by `schedules`)."""
    if isinstance(value, dict):
        return ("dict", tuple((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(_frozen(item) for item in value))
    return (type(value), value)


def schedule_signature(schedules: tuple[dict, ...]) -> tuple:
    """What decides when a service is open: its rows without ids and free text.

    Equal signatures mean equal hours; rows listing the same columns in another order only
    miss a chance to share a group.
    """
    return (
        "rows",
        tuple(
            tuple(
                (key, _frozen(value)) for key, value in row.items() if key not in _SCHEDULE_IDENTITY
            )
            for row in schedules
        ),
    )


class _Signatures:
    """`schedule_signature` for many rows of a few shapes: the kept columns are worked out
    once per shape (100k services take a fraction of a second)."""

    def __init__(self) -> None:
        self._shapes: dict[tuple[str, ...], tuple[tuple[str, ...], Callable]] = {}

    def __call__(self, schedules: tuple[dict, ...]) -> tuple:
        rows = []
        for row in schedules:
            shape = tuple(row)
            known = self._shapes.get(shape)
            if known is None:
                kept = tuple(key for key in shape if key not in _SCHEDULE_IDENTITY)
                getter = (
                    itemgetter(*kept)
                    if len(kept) > 1
                    else (lambda r, k=kept: tuple(r[key] for key in k))
                )
                known = self._shapes[shape] = (kept, getter)
            values = known[1](row)
            rows.append((known[0], values, tuple(map(type, values))))
        signature = ("shapes", tuple(rows))
        try:
            hash(signature)
        except TypeError:  # nested values (attributes): the slower, thorough form
            return schedule_signature(schedules)
        return signature


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(min(a, 1.0)))


# --- reading the store ------------------------------------------------------------------------


def _rows(conn: Connection, table: str, *columns: str, where=None) -> Iterable:
    t = TABLES[table]
    query = select(*(t.c[name] for name in columns))
    if where is not None:
        query = query.where(where(t))
    return conn.execute(query)


def _address_line(row) -> str:
    parts = [row.address_1, row.address_2, row.city, row.postal_code]
    return ", ".join(str(part).strip() for part in parts if part and str(part).strip())


def service_text(name: str, description: str) -> str:
    """The text embedded for a service (name first: it is the densest signal)."""
    return f"{name.strip()}. {description.strip()}".strip(". ") if description else name.strip()


def read_index(conn: Connection, record_language: str = "fr") -> SearchIndex:
    """Read every table the search needs and build the index (vectors attached separately)."""
    started = time.perf_counter()
    other = "en" if record_language == "fr" else "fr"

    translations: dict[tuple[str, str, str], str] = {}
    for row in _rows(
        conn,
        "x_translation",
        "link_entity",
        "link_id",
        "field",
        "value",
        where=lambda t: (
            (t.c.language == other)
            & t.c.link_entity.in_(("service", "organization"))
            & t.c.field.in_(("name", "description"))
        ),
    ):
        translations[(row.link_entity, row.link_id, row.field)] = row.value

    def both(entity: str, record_id: str, field_name: str, value: str | None) -> dict[str, str]:
        value = value or ""
        return {
            record_language: value,
            other: translations.get((entity, record_id, field_name)) or value,
        }

    organizations = {
        row.id: both("organization", row.id, "name", row.name)
        for row in _rows(conn, "organization", "id", "name")
    }

    need_terms = {N.term_id(N.NEEDS_TAXONOMY, need): need for need in N.NEED_IDS}
    for row in _rows(conn, "taxonomy_term", "id", "code", "taxonomy_id"):
        if row.code in N.NEED_IDS:
            need_terms[row.id] = row.code
    fictional_term = N.term_id(N.FLAGS_TAXONOMY, N.FLAG_FICTIONAL)
    holiday_term = N.term_id(N.FLAGS_TAXONOMY, N.FLAG_OPEN_ON_HOLIDAYS)
    service_needs: dict[str, set[str]] = defaultdict(set)
    fictional: set[str] = set()
    open_on_holidays: set[str] = set()
    for row in _rows(conn, "attribute", "link_id", "link_entity", "taxonomy_term_id"):
        if row.link_entity == "service":
            if row.taxonomy_term_id in need_terms:
                service_needs[row.link_id].add(need_terms[row.taxonomy_term_id])
            elif row.taxonomy_term_id == fictional_term:
                fictional.add(row.link_id)
        elif row.link_entity == "organization" and row.taxonomy_term_id == fictional_term:
            fictional.add(row.link_id)
        elif row.link_entity == "schedule" and row.taxonomy_term_id == holiday_term:
            open_on_holidays.add(row.link_id)

    phones: dict[str, str] = {}
    org_phones: dict[str, str] = {}
    for row in _rows(conn, "phone", "service_id", "organization_id", "number"):
        if row.service_id:
            phones.setdefault(row.service_id, row.number)
        elif row.organization_id:
            org_phones.setdefault(row.organization_id, row.number)

    languages: dict[str, list[str]] = defaultdict(list)
    for row in _rows(conn, "language", "service_id", "code"):
        if row.service_id and row.code:
            languages[row.service_id].append(row.code)

    areas: dict[str, set[str]] = defaultdict(set)
    for row in _rows(conn, "service_area", "service_id", "extent", "extent_type"):
        if row.service_id and row.extent and ":" in row.extent:
            areas[row.service_id].add(row.extent.strip().lower())

    location_points: dict[str, tuple[float, float]] = {}
    for row in _rows(conn, "location", "id", "latitude", "longitude", "location_type"):
        if (
            row.latitude is not None
            and row.longitude is not None
            and row.location_type != "virtual"
        ):
            location_points[row.id] = (float(row.latitude), float(row.longitude))
    addresses: dict[str, str] = {}
    for row in _rows(
        conn,
        "address",
        "location_id",
        "address_1",
        "address_2",
        "city",
        "postal_code",
        "address_type",
    ):
        if row.location_id and (row.location_id not in addresses or row.address_type == "physical"):
            addresses[row.location_id] = _address_line(row)
    service_locations: dict[str, list[str]] = defaultdict(list)
    for row in _rows(conn, "service_at_location", "service_id", "location_id"):
        service_locations[row.service_id].append(row.location_id)

    schedules: dict[str, list[dict]] = defaultdict(list)
    schedule_columns = [c.name for c in TABLES["schedule"].columns]
    location_service = {loc: sid for sid, locs in service_locations.items() for loc in locs}
    for row in _rows(conn, "schedule", *schedule_columns):
        data = dict(row._mapping)
        data["x_open_on_holidays"] = data["id"] in open_on_holidays
        owner = data.get("service_id") or location_service.get(data.get("location_id") or "")
        if owner:
            schedules[owner].append(data)

    area_groups: list[frozenset[str]] = [frozenset()]
    group_ids: dict[frozenset[str], int] = {frozenset(): 0}
    services: list[ServiceInfo] = []
    points: list[Point] = []
    for row in _rows(
        conn, "service", "id", "organization_id", "name", "description", "url", "status"
    ):
        if row.status not in ("active", None):
            continue
        extent = frozenset(areas.get(row.id, ()))
        group = group_ids.setdefault(extent, len(group_ids))
        if group == len(area_groups):
            area_groups.append(extent)
        index = len(services)
        services.append(
            ServiceInfo(
                id=row.id,
                name=both("service", row.id, "name", row.name),
                organization=organizations.get(row.organization_id)
                or {record_language: "", other: ""},
                description=both("service", row.id, "description", row.description),
                url=row.url,
                phone=phones.get(row.id) or org_phones.get(row.organization_id),
                languages=tuple(dict.fromkeys(languages.get(row.id, ()))),
                needs=frozenset(service_needs.get(row.id, ())),
                fictional=row.id in fictional or row.organization_id in fictional,
                schedules=tuple(schedules.get(row.id, ())),
                area_group=group,
            )
        )
        for location_id in service_locations.get(row.id, ()):
            if location_id in location_points:
                lat, lon = location_points[location_id]
                points.append(Point(index, lat, lon, addresses.get(location_id, "")))

    built = assemble(services, points, area_groups)
    built.built_seconds = time.perf_counter() - started
    return built


def assemble(
    services: list[ServiceInfo], points: list[Point], area_groups: list[frozenset[str]]
) -> SearchIndex:
    """Arrays, the per-need grid and the schedule groups over already-read services and points."""
    lat = np.radians(np.array([p.lat for p in points], dtype=np.float64))
    lon = np.radians(np.array([p.lon for p in points], dtype=np.float64))
    point_service = np.array([p.service for p in points], dtype=np.int32)
    buckets: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    located: set[int] = set()
    for i, point in enumerate(points):
        located.add(point.service)
        r, c = cell_of(point.lat, point.lon)
        for need in services[point.service].needs:
            buckets[(need, r, c)].append(i)
    unlocated: dict[str, list[int]] = defaultdict(list)
    for i, service in enumerate(services):
        if i not in located:
            for need in service.needs:
                unlocated[need].append(i)
    need_points, need_cells, region_points = _grid(buckets)
    schedule_sets, service_schedule = _schedule_groups(services)
    return SearchIndex(
        services=services,
        points=points,
        lat=lat,
        lon=lon,
        point_service=point_service,
        need_points=need_points,
        need_cells=need_cells,
        region_points=region_points,
        unlocated={key: np.array(value, dtype=np.int32) for key, value in unlocated.items()},
        area_groups=area_groups,
        service_area_group=np.array([s.area_group for s in services], dtype=np.int32),
        schedule_sets=schedule_sets,
        service_schedule=service_schedule,
        by_id={s.id: i for i, s in enumerate(services)},
    )


def _grid(
    buckets: dict[tuple[str, int, int], list[int]],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per need: points sorted by cell with their cell keys, and points in bucket order."""
    per_need: dict[str, list[tuple[int, int, list[int]]]] = defaultdict(list)
    for (need, r, c), members in buckets.items():
        per_need[need].append((r, c, members))
    need_points: dict[str, np.ndarray] = {}
    need_cells: dict[str, np.ndarray] = {}
    region_points: dict[str, np.ndarray] = {}
    for need, cells in per_need.items():
        region_points[need] = np.array(
            [i for _, _, members in cells for i in members], dtype=np.int32
        )
        cells = sorted(cells, key=lambda cell: (cell[0], cell[1]))
        need_points[need] = np.array(
            [i for _, _, members in cells for i in members], dtype=np.int32
        )
        need_cells[need] = np.array(
            [cell_key(r, c) for r, c, members in cells for _ in members], dtype=np.int64
        )
    return need_points, need_cells, region_points


def _schedule_groups(services: list[ServiceInfo]) -> tuple[list[tuple[dict, ...]], np.ndarray]:
    """Services with identical opening hours share one group (-1: no schedule rows)."""
    groups: dict[tuple, int] = {}
    sets: list[tuple[dict, ...]] = []
    per_service = np.full(len(services), -1, dtype=np.int32)
    signature = _Signatures()
    for i, service in enumerate(services):
        if not service.schedules:
            continue
        key = signature(service.schedules)
        try:
            hash(key)
        except TypeError:  # an unhashable value: this service keeps its own group
            key = ("service", i)
        group = groups.get(key)
        if group is None:
            group = groups[key] = len(sets)
            sets.append(service.schedules)
        per_service[i] = group
    return sets, per_service


def build_index(
    engine: Engine,
    record_language: str = "fr",
    *,
    with_vectors: bool = True,
    model: str | None = None,
) -> SearchIndex:
    """The index of the directory in `engine`, with the service vectors of the encoder."""
    from bot.directory import generation

    with engine.connect() as conn:
        stamp = generation.read(conn)  # before the rows: a newer import only means a reload
        index = read_index(conn, record_language)
    index.generation = stamp
    index.source_url = engine.url.render_as_string(hide_password=False)
    if with_vectors:
        from bot.search.vectors import attach_vectors

        attach_vectors(index, engine, model=model)
    log.info(
        "search index: %d services, %d points in %.1f s",
        index.size,
        len(index.points),
        index.built_seconds,
    )
    return index
