"""HSDS 3.0 nested JSON ⇄ flat tables: pure functions, no database.

HSDS publishes the same data two ways: nested JSON objects (`service_full.json`: a service
holding its phones, its locations, its organization…) and flat tables (the CSV datapackage,
one row per record, linked by `*_id` columns). `flatten()` turns the first into the second,
`nest()` the second into the first. The database stores flat tables; the API and the JSON
export nest them again.

Flat tables are `dict[str, list[dict]]` keyed by table name (`"service"`, `"phone"`…, see
`bot.directory.schema`), plus `"x_translation"` rows for the non-record language. In JSON,
translations ride on each object as `"x_translations": [{"language", "field", "value"}]`
(HSDS 3.0 schemas allow extra properties; see docs/hsds-extension.md).

The same record may appear several times in nested JSON (a phone under its service, its
location and its contact); flattening merges the copies into one row and reports copies
that disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bot.directory.schema import HSDS_TABLES, TABLES, columns

Tables = dict[str, list[dict[str, Any]]]
TRANSLATIONS_KEY = "x_translations"


@dataclass(frozen=True)
class Link:
    """One nested property of an HSDS object.

    `via="child"`: the nested rows point at the parent (`phone.service_id == service.id`).
    `via="parent"`: the parent points at the one nested row (`service.organization_id`).
    """

    key: str
    table: str
    column: str
    via: str = "child"
    many: bool = True


def _common() -> list[Link]:
    return [Link("attributes", "attribute", "link_id"), Link("metadata", "metadata", "resource_id")]


NESTING: dict[str, list[Link]] = {
    "service": [
        Link("phones", "phone", "service_id"),
        Link("schedules", "schedule", "service_id"),
        Link("service_areas", "service_area", "service_id"),
        Link("service_at_locations", "service_at_location", "service_id"),
        Link("languages", "language", "service_id"),
        Link("organization", "organization", "organization_id", "parent", False),
        Link("funding", "funding", "service_id"),
        Link("cost_options", "cost_option", "service_id"),
        Link("program", "program", "program_id", "parent", False),
        Link("required_documents", "required_document", "service_id"),
        Link("contacts", "contact", "service_id"),
        *_common(),
    ],
    "organization": [
        Link("funding", "funding", "organization_id"),
        Link("contacts", "contact", "organization_id"),
        Link("phones", "phone", "organization_id"),
        Link("locations", "location", "organization_id"),
        Link("programs", "program", "organization_id"),
        Link("organization_identifiers", "organization_identifier", "organization_id"),
        Link("services", "service", "organization_id"),
        *_common(),
    ],
    "service_at_location": [
        Link("contacts", "contact", "service_at_location_id"),
        Link("phones", "phone", "service_at_location_id"),
        Link("schedules", "schedule", "service_at_location_id"),
        Link("location", "location", "location_id", "parent", False),
        Link("service", "service", "service_id", "parent", False),
        *_common(),
    ],
    "location": [
        Link("languages", "language", "location_id"),
        Link("addresses", "address", "location_id"),
        Link("contacts", "contact", "location_id"),
        Link("accessibility", "accessibility", "location_id"),
        Link("phones", "phone", "location_id"),
        Link("schedules", "schedule", "location_id"),
        *_common(),
    ],
    "contact": [Link("phones", "phone", "contact_id"), *_common()],
    "phone": [Link("languages", "language", "phone_id"), *_common()],
    "attribute": [
        Link("taxonomy_term", "taxonomy_term", "taxonomy_term_id", "parent", False),
        Link("metadata", "metadata", "resource_id"),
    ],
    "taxonomy_term": [
        Link("taxonomy_detail", "taxonomy", "taxonomy_id", "parent", False),
        Link("metadata", "metadata", "resource_id"),
    ],
    "taxonomy": [Link("metadata", "metadata", "resource_id")],
    "metadata": [],
}
for _table in HSDS_TABLES:
    NESTING.setdefault(_table, _common())

POLYMORPHIC: dict[str, str] = {"link_id": "link_entity", "resource_id": "resource_type"}
"""Reference columns that may point at any table, with the column naming that table."""


@dataclass
class Conflict:
    """The same record given twice with different values (or a nested record that disagrees
    with its parent): reported by validation, never silently resolved."""

    table: str
    record_id: str
    field: str
    first: Any
    second: Any


@dataclass
class Flattened:
    """Result of `flatten()`: the tables, the conflicts, and properties that are not HSDS."""

    tables: Tables
    conflicts: list[Conflict] = field(default_factory=list)
    unknown: list[tuple[str, str, str]] = field(default_factory=list)  # (table, id, property)


class _Collector:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self.result = Flattened(tables={})

    def merge(self, table: str, row: dict[str, Any]) -> None:
        rows = self.rows.setdefault(table, {})
        key = row["id"]
        existing = rows.get(key)
        if existing is None:
            rows[key] = row
            return
        for name, value in row.items():
            if value is None:
                continue
            if existing.get(name) is None:
                existing[name] = value
            elif existing[name] != value:
                self.result.conflicts.append(Conflict(table, key, name, existing[name], value))


def _clean(value: Any) -> Any:
    """Empty strings mean "no value" (a CSV cannot tell them apart from null)."""
    return None if value == "" else value


def translation_id(link_entity: str, link_id: str, field_name: str, language: str) -> str:
    """The deterministic id of an `x_translation` row, so re-imports update rather than add."""
    from bot.directory.needs import stable_id

    return stable_id("x_translation", link_entity, link_id, field_name, language)


@cache
def _shape(table: str) -> tuple[frozenset[str], dict[str, Link]]:
    """The columns of `table` and its nested properties by key (asked once per object)."""
    return frozenset(columns(table)), {link.key: link for link in NESTING.get(table, [])}


def _walk(
    obj: dict[str, Any], table: str, parent: tuple[str, str, Link] | None, out: _Collector
) -> str | None:
    record_id = obj.get("id")
    if not isinstance(record_id, str) or not record_id:
        return None  # schema validation reports the missing id
    known, links = _shape(table)
    row: dict[str, Any] = {
        name: None if value == "" else value  # as `_clean`, inlined
        for name, value in obj.items()
        if name in known
    }
    if parent is not None:
        parent_table, parent_id, parent_link = parent
        if parent_link.via == "child" and row.get(parent_link.column) is None:
            row[parent_link.column] = parent_id
            entity_column = POLYMORPHIC.get(parent_link.column)
            if entity_column and row.get(entity_column) is None:
                row[entity_column] = parent_table
    for key, value in obj.items():
        if key in known or key == TRANSLATIONS_KEY:
            continue
        link = links.get(key)
        if link is None:
            out.result.unknown.append((table, record_id, key))
            continue
        children = value if isinstance(value, list) else [value]
        for child in children:
            if not isinstance(child, dict):
                continue
            child_id = _walk(child, link.table, (table, record_id, link), out)
            if link.via == "parent" and child_id is not None:
                if row.get(link.column) is None:
                    row[link.column] = child_id
                elif row[link.column] != child_id:
                    out.result.conflicts.append(
                        Conflict(table, record_id, link.column, row[link.column], child_id)
                    )
    for item in obj.get(TRANSLATIONS_KEY) or []:
        if isinstance(item, dict):
            out.merge("x_translation", _translation_row(table, record_id, item))
    out.merge(table, row)
    return record_id


def _translation_row(table: str, record_id: str, item: dict[str, Any]) -> dict[str, Any]:
    field_name = str(item.get("field") or "")
    language = str(item.get("language") or "")
    return {
        "id": translation_id(table, record_id, field_name, language),
        "link_entity": table,
        "link_id": record_id,
        "field": field_name,
        "language": language,
        "value": _clean(item.get("value")),
    }


def _infer_program_owners(rows: dict[str, dict[str, dict[str, Any]]]) -> None:
    """A program nested in a service (`service_list.json`) does not name its organization:
    it is the service's (the tabular format requires `program.organization_id`)."""
    for service in rows.get("service", {}).values():
        program = rows.get("program", {}).get(str(service.get("program_id")))
        if program is not None and program.get("organization_id") is None:
            program["organization_id"] = service.get("organization_id")


def flatten(objects: Iterable[dict[str, Any]], table: str) -> Flattened:
    """Nested HSDS objects of one kind (`"service"`, `"organization"`…) → flat tables.

    Every row gets every column of its table (missing ones as None), so the result can go
    straight to `store.load_tables`.
    """
    collector = _Collector()
    for obj in objects:
        if isinstance(obj, dict):
            _walk(obj, table, None, collector)
    _infer_program_owners(collector.rows)
    tables: Tables = {}
    for name, rows in collector.rows.items():
        names = columns(name)
        tables[name] = [{column: row.get(column) for column in names} for row in rows.values()]
    collector.result.tables = tables
    return collector.result


class _Index:
    """Rows of flat tables looked up by id and by reference column."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.by_id = {name: {row["id"]: row for row in rows} for name, rows in tables.items()}
        self._by_ref: dict[tuple[str, str], dict[Any, list[dict]]] = {}
        self.translations: dict[tuple[str, str], list[dict]] = {}
        for row in tables.get("x_translation", []):
            self.translations.setdefault((row["link_entity"], row["link_id"]), []).append(row)

    def children(self, table: str, column: str, value: str) -> list[dict]:
        key = (table, column)
        if key not in self._by_ref:
            grouped: dict[Any, list[dict]] = {}
            for row in self.tables.get(table, []):
                grouped.setdefault(row.get(column), []).append(row)
            self._by_ref[key] = grouped
        return self._by_ref[key].get(value, [])


def number_out(value: Any) -> Any:
    """Floats that are whole numbers print as integers (`100`, not `100.0`)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _nest_row(
    index: _Index,
    table: str,
    row: dict[str, Any],
    ancestors: frozenset[str],
    language: str | None,
    with_translations: bool,
) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    translations = index.translations.get((table, row["id"]), [])
    wanted = {t["field"]: t["value"] for t in translations if t["language"] == language}
    for name in columns(table):
        value = number_out(row.get(name))
        if name in wanted and wanted[name] is not None:
            value = wanted[name]
        if value is not None:
            obj[name] = value
    inner = ancestors | {table}
    for link in NESTING.get(table, []):
        if link.table in inner:
            continue  # no cycles: a service's organization does not list the services again
        if link.via == "parent":
            target = index.by_id.get(link.table, {}).get(row.get(link.column))
            if target is not None:
                obj[link.key] = _nest_row(
                    index, link.table, target, inner, language, with_translations
                )
            continue
        items = index.children(link.table, link.column, row["id"])
        obj[link.key] = [
            _nest_row(index, link.table, item, inner, language, with_translations) for item in items
        ]
    if with_translations and translations:
        obj[TRANSLATIONS_KEY] = [
            {"language": t["language"], "field": t["field"], "value": t["value"]}
            for t in sorted(translations, key=lambda t: (t["language"], t["field"]))
        ]
    return obj


def nest(
    tables: Tables,
    table: str,
    record_id: str,
    *,
    language: str | None = None,
    with_translations: bool = False,
) -> dict[str, Any] | None:
    """The HSDS "full" object for one record of `table`, or None if it is not in `tables`.

    `language`: put the `x_translation` text of that language in place of the record text
    where one exists (the record text is the fallback). `with_translations`: also list every
    translation under `"x_translations"`, so the object round-trips through `flatten()`.
    """
    index = _Index(tables)
    row = index.by_id.get(table, {}).get(record_id)
    if row is None:
        return None
    return _nest_row(index, table, row, frozenset(), language, with_translations)


def nest_all(
    tables: Tables, table: str, *, language: str | None = None, with_translations: bool = False
) -> list[dict[str, Any]]:
    """Every record of `table` as nested objects (the JSON export)."""
    index = _Index(tables)
    return [
        _nest_row(index, table, row, frozenset(), language, with_translations)
        for row in tables.get(table, [])
    ]


def empty_tables() -> Tables:
    """One empty list per table (HSDS tables and `x_translation`)."""
    return {name: [] for name in TABLES}
