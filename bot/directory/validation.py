"""Checking HSDS data before it touches the database, and saying what is wrong in plain words.

Two layers, so that JSON and CSV get the same checks:

- `schema_issues()`: a nested JSON object against the official HSDS 3.0 JSON Schemas
  (`data/reference/hsds/v3.0/schema`, Draft 7, relative `$ref`s resolved from that folder);
- `check_tables()`: flat tables against the HSDS tabular descriptor (`datapackage.json`):
  required fields, enums, types, duplicate ids and references, the latter resolved against
  the data being imported *and* the database.

Every problem becomes an `Issue` naming the file, the record (table + id, or CSV row) and
the field; nothing stops at the first problem. Errors block an import; warnings do not.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from itertools import compress, repeat
from operator import eq, itemgetter
from pathlib import Path
from typing import Any

from dateutil.parser import isoparse, isoparser

from bot import texts
from bot.directory.hsds import NESTING, POLYMORPHIC, TRANSLATIONS_KEY, Tables
from bot.directory.schema import TABLES, TRANSLATABLE
from bot.settings import REFERENCE_DIR

HSDS_DIR = REFERENCE_DIR / "hsds" / "v3.0"
SCHEMA_DIR = HSDS_DIR / "schema"
DESCRIPTOR_PATH = HSDS_DIR / "datapackage.json"
ERROR, WARNING = "error", "warning"

X_TRANSLATION_RESOURCE: dict[str, Any] = {
    "name": "x_translation",
    "path": "x_translations.csv",
    "title": "Translations (Relais 211 extension)",
    "description": "A text field of an HSDS record in a language other than the record's "
    "(see docs/hsds-extension.md).",
    "format": "csv",
    "mediatype": "text/csv",
    "encoding": "utf-8",
    "profile": "tabular-data-resource",
    "schema": {
        "fields": [
            {
                "name": name,
                "type": "string",
                "constraints": {"required": True, "unique": name == "id"},
            }
            for name in ("id", "link_entity", "link_id", "field", "language", "value")
        ],
        "primaryKey": "id",
    },
}


@dataclass
class Issue:
    """One problem found in the data, located as precisely as possible."""

    code: str
    severity: str = ERROR
    file: str = ""
    table: str = ""
    record: str = ""
    row: int | None = None
    field: str = ""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def message(self, lang: str = "fr") -> str:
        """The issue in one line, in `lang`: where, then what."""
        where = [self.file] if self.file else []
        if self.table and self.record:
            where.append(
                texts.t("directory.where.record", lang, table=self.table, record=self.record)
            )
        elif self.table:
            where.append(texts.t("directory.where.table", lang, table=self.table))
        if self.row is not None:
            where.append(texts.t("directory.where.row", lang, row=self.row))
        if self.field:
            where.append(texts.t("directory.where.field", lang, field=self.field))
        label = texts.t(f"directory.severity.{self.severity}", lang)
        params = {k: _short(v) for k, v in self.params.items()}
        what = texts.t(f"directory.issue.{self.code}", lang, **params)
        return (
            f"{label} — {', '.join(where)} : {what}"
            if lang == "fr"
            else f"{label} — {', '.join(where)}: {what}"
        )


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def errors(issues: Iterable[Issue]) -> list[Issue]:
    """Only the issues that block an import."""
    return [issue for issue in issues if issue.severity == ERROR]


# --- the tabular descriptor -------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One column of the HSDS tabular descriptor."""

    name: str
    type: str
    required: bool
    unique: bool
    enum: tuple[str, ...] | None


@lru_cache(maxsize=1)
def descriptor() -> dict[str, Any]:
    """The official HSDS 3.0 datapackage descriptor plus the `x_translation` resource."""
    with DESCRIPTOR_PATH.open(encoding="utf-8") as handle:
        package = json.load(handle)
    package["resources"] = [*package["resources"], X_TRANSLATION_RESOURCE]
    return package


@cache
def resource(table: str) -> dict[str, Any]:
    """The descriptor resource of a table."""
    for item in descriptor()["resources"]:
        if item["name"] == table:
            return item
    raise KeyError(table)


@cache
def field_specs(table: str) -> dict[str, FieldSpec]:
    """Columns of a table with their type and constraints, in descriptor order."""
    specs = {}
    for item in resource(table)["schema"]["fields"]:
        constraints = item.get("constraints") or {}
        enum = constraints.get("enum")
        specs[item["name"]] = FieldSpec(
            item["name"],
            item.get("type", "string"),
            bool(constraints.get("required")),
            bool(constraints.get("unique")),
            tuple(enum) if enum else None,
        )
    return specs


@cache
def foreign_keys(table: str) -> tuple[tuple[str, str], ...]:
    """`(column, referenced table)` pairs declared by the descriptor for `table`."""
    pairs = []
    for item in resource(table)["schema"].get("foreignKeys") or []:
        pairs.append((item["fields"], item["reference"]["resource"]))
    return tuple(pairs)


# --- values -------------------------------------------------------------------------------

_TIME = isoparser()


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_time(value: str) -> bool:
    try:
        _TIME.parse_isotime(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    try:
        isoparse(value)
    except (ValueError, OverflowError):
        return False
    return True


_TEXT_CHECKS: dict[str, Callable[[str], bool]] = {
    "date": _is_date,
    "time": _is_time,
    "datetime": _is_datetime,
}


def value_issue(spec: FieldSpec, value: Any) -> str | None:
    """The issue code for a value of the wrong type or outside its enum, else None."""
    if spec.type in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "type_number"
        return None
    if not isinstance(value, str):
        return "type_string"
    check = _TEXT_CHECKS.get(spec.type)
    if check is not None and not check(value):
        return f"type_{spec.type}"
    if spec.enum and value not in spec.enum:
        return "enum"
    return None


# --- flat tables ------------------------------------------------------------------------

ExistingIds = Callable[[str, set[str]], set[str]]
"""`(table, ids) -> the subset of ids already in the database`."""


@dataclass
class _Located:
    file: str | dict[str, str]  # one file, or the file of each table (CSV)
    rows: dict[str, Sequence[int | None]]  # table → line (CSV) of each row, by position

    def issue(self, code: str, table: str, index: int, record: str, **kw: Any) -> Issue:
        numbers = self.rows.get(table)
        row = numbers[index] if numbers and index < len(numbers) else None
        file = self.file if isinstance(self.file, str) else self.file.get(table, "")
        return Issue(code, file=file, table=table, record=record, row=row, **kw)


def check_tables(
    tables: Tables,
    *,
    file: str | dict[str, str] = "",
    existing: ExistingIds | None = None,
    row_numbers: dict[str, Sequence[int | None]] | None = None,
) -> list[Issue]:
    """Every problem in flat tables: required, types, enums, duplicates, references.

    `file`: the file the tables come from, or a file per table. `existing` lets references
    resolve to records already in the database (importing a service whose organization was
    imported earlier). `row_numbers` gives each row's line in its CSV file, for messages.
    """
    loc = _Located(file, row_numbers or {})
    issues: list[Issue] = []
    ids: dict[str, set[str]] = {}
    columns: dict[str, _Columns] = {}
    for table, rows in tables.items():
        if table not in TABLES:
            issues.append(Issue("unknown_table", WARNING, table=table))
            continue
        columns[table] = _Columns(rows)
        clean = _clean_ids(table, columns[table])
        ids[table] = clean if clean is not None else _check_rows(table, rows, loc, issues)
    issues.extend(_check_references(tables, ids, loc, existing, columns))
    translations = tables.get("x_translation", [])
    if not _translations_clean(columns.get("x_translation") or _Columns(translations)):
        issues.extend(_check_translations(translations, loc))
    return issues


# Fast paths. Checking a 100k-service import cell by cell in Python costs more than loading
# it, so whole columns are checked at once with set operations (C loops). They only say
# "nothing to report": a table with any doubt goes through the row-by-row check, which
# finds and locates every issue, in the same order as if there were no fast path.

_NUMBER_TYPES = frozenset({int, float, type(None)})
_TEXT_TYPES = frozenset({str, type(None)})


class _Columns:
    """The columns of one table's rows, each taken out once: in one pass for all columns
    when the rows share their keys (as rows read from a file do). The fast checks read
    columns several times, and millions of row dicts scattered in memory are slow to walk."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self._columns: dict[str, Sequence[Any]] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, name: str) -> Sequence[Any]:
        if self._columns is None:
            self._columns = self._transpose()
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = list(map(dict.get, self.rows, repeat(name)))
        return found

    def _transpose(self) -> dict[str, Sequence[Any]]:
        names = tuple(self.rows[0]) if self.rows else ()
        if len(names) < 2:
            return {}
        try:
            rows = map(itemgetter(*names), self.rows)
            return dict(zip(names, zip(*rows, strict=True), strict=True))
        except KeyError:  # rows of several layouts: one column at a time
            return {}


def _clean_ids(table: str, columns: _Columns) -> set[str] | None:
    """The ids of the rows when `_check_rows` would report nothing, else None (check them)."""
    if not len(columns):
        return set()
    try:
        for spec in field_specs(table).values():
            values = columns[spec.name]
            kinds = set(map(type, values))
            if spec.required and type(None) in kinds:
                return None
            if spec.type in ("number", "integer"):
                if not kinds <= _NUMBER_TYPES:
                    return None
                continue
            if not kinds <= _TEXT_TYPES:
                return None
            check = _TEXT_CHECKS.get(spec.type)
            unique = spec.unique and spec.name != "id"
            if check is None and not spec.enum and not unique:
                continue
            distinct = set(values)
            distinct.discard(None)
            if check is not None and not all(map(check, distinct)):
                return None
            if spec.enum and not distinct <= set(spec.enum):
                return None
            if unique and len(distinct) != len(values) - values.count(None):
                return None
        ids = set(columns["id"])
        if len(ids) != len(columns) or "" in ids or not set(map(type, ids)) <= {str}:
            return None
        return ids
    except TypeError:  # unhashable values (bad JSON): the row-by-row check says where
        return None


def _references_clean(columns: _Columns, column: str, ids: set[str] | tuple) -> bool:
    """Whether every text in `column` is one of `ids` (no reference to look up)."""
    try:
        values = set(columns[column])
    except TypeError:
        return False
    return all(not isinstance(value, str) for value in values - set(ids))


def _polymorphic_clean(
    columns: _Columns, column: str, entity_column: str, ids: dict[str, set[str]]
) -> bool:
    """The same, for a column whose target table is named by `entity_column`."""
    values, targets = columns[column], columns[entity_column]
    try:
        for target in set(targets):
            if target not in TABLES:
                continue
            pointed = set(compress(values, map(eq, targets, repeat(target))))
            if any(isinstance(value, str) for value in pointed - ids.get(target, set())):
                return False
    except TypeError:
        return False
    return True


def _translations_clean(columns: _Columns) -> bool:
    """Whether `_check_translations` would report nothing."""
    try:
        entities, names = columns["link_entity"], columns["field"]
        languages = columns["language"]
        for entity, name in set(zip(entities, names, strict=True)):
            if entity is None:
                continue
            if entity not in TRANSLATABLE or entity not in TABLES:
                return False
            if name is not None and name not in TRANSLATABLE[entity]:
                return False
        for language in set(languages):
            if isinstance(language, str) and not (2 <= len(language) <= 8 and language.isascii()):
                return False
        keys = set(zip(entities, columns["link_id"], names, languages, strict=True))
    except TypeError:
        return False
    return len(keys) == len(columns)


def _check_rows(
    table: str, rows: list[dict[str, Any]], loc: _Located, issues: list[Issue]
) -> set[str]:
    specs = field_specs(table)
    seen: dict[str, int] = {}
    unique_seen: dict[str, dict[Any, str]] = {}
    for index, row in enumerate(rows):
        record = str(row.get("id") or "")
        for spec in specs.values():
            value = row.get(spec.name)
            if value is None:
                if spec.required:
                    issues.append(loc.issue("required", table, index, record, field=spec.name))
                continue
            code = value_issue(spec, value)
            if code:
                params = {"value": value}
                if spec.enum:
                    params["allowed"] = ", ".join(spec.enum)
                issues.append(loc.issue(code, table, index, record, field=spec.name, params=params))
            if spec.unique and spec.name != "id":
                first = unique_seen.setdefault(spec.name, {}).setdefault(value, record)
                if first != record:
                    issues.append(
                        loc.issue(
                            "not_unique",
                            table,
                            index,
                            record,
                            field=spec.name,
                            severity=WARNING,
                            params={"value": value, "first": first},
                        )
                    )
        if record:
            if record in seen:
                issues.append(
                    loc.issue(
                        "duplicate_id", table, index, record, field="id", params={"value": record}
                    )
                )
            else:
                seen[record] = index
    return set(seen)


def _check_references(
    tables: Tables,
    ids: dict[str, set[str]],
    loc: _Located,
    existing: ExistingIds | None,
    columns: dict[str, _Columns],
) -> list[Issue]:
    """References that point nowhere: errors on required columns, warnings on optional ones."""
    wanted: dict[str, set[str]] = {}
    pending: list[tuple[str, int, str, str, str, str, bool]] = []
    for table, rows in tables.items():
        if table not in TABLES:
            continue
        specs = field_specs(table)
        for column, target in foreign_keys(table):
            if _references_clean(columns[table], column, ids.get(target, ())):
                continue
            required = specs[column].required if column in specs else False
            required = required or not TABLES[table].c[column].nullable
            for index, row in enumerate(rows):
                value = row.get(column)
                if not isinstance(value, str) or value in ids.get(target, ()):
                    continue
                wanted.setdefault(target, set()).add(value)
                pending.append((table, index, str(row.get("id")), column, target, value, required))
        for column, entity_column in POLYMORPHIC.items():
            if column not in specs or _polymorphic_clean(
                columns[table], column, entity_column, ids
            ):
                continue
            for index, row in enumerate(rows):
                value, entity = row.get(column), row.get(entity_column)
                if not isinstance(value, str) or not isinstance(entity, str):
                    continue
                if entity not in TABLES or value in ids.get(entity, ()):
                    continue
                wanted.setdefault(entity, set()).add(value)
                pending.append((table, index, str(row.get("id")), column, entity, value, False))
    found: dict[str, set[str]] = {}
    if existing is not None:
        found = {target: existing(target, values) for target, values in wanted.items()}
    issues = []
    for table, index, record, column, target, value, required in pending:
        if value in found.get(target, ()):
            continue
        code = "dangling" if required else "dangling_optional"
        issues.append(
            loc.issue(
                code,
                table,
                index,
                record,
                field=column,
                severity=ERROR if required else WARNING,
                params={"value": value, "target": target},
            )
        )
    return issues


def _check_translations(rows: list[dict[str, Any]], loc: _Located) -> list[Issue]:
    issues = []
    seen: dict[tuple, str] = {}
    for index, row in enumerate(rows):
        record = str(row.get("id") or "")
        entity, name = row.get("link_entity"), row.get("field")
        if entity not in TRANSLATABLE or entity not in TABLES:
            if entity is not None:
                issues.append(
                    loc.issue(
                        "translation_entity",
                        "x_translation",
                        index,
                        record,
                        field="link_entity",
                        params={"value": entity},
                    )
                )
        elif name not in TRANSLATABLE[entity] and name is not None:
            issues.append(
                loc.issue(
                    "translation_field",
                    "x_translation",
                    index,
                    record,
                    field="field",
                    params={
                        "value": name,
                        "table": entity,
                        "allowed": ", ".join(TRANSLATABLE[entity]),
                    },
                )
            )
        language = row.get("language")
        if isinstance(language, str) and not (2 <= len(language) <= 8 and language.isascii()):
            issues.append(
                loc.issue(
                    "translation_language",
                    "x_translation",
                    index,
                    record,
                    field="language",
                    params={"value": language},
                )
            )
        key = (entity, row.get("link_id"), name, language)
        first = seen.setdefault(key, record)
        if first != record:
            issues.append(
                loc.issue(
                    "translation_twice",
                    "x_translation",
                    index,
                    record,
                    field="field",
                    params={"value": name, "first": first},
                )
            )
    return issues


# --- nested JSON against the JSON Schemas ------------------------------------------------


@lru_cache(maxsize=1)
def _schema_store() -> dict[str, dict[str, Any]]:
    store = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        if path.name != "openapi.json":
            with path.open(encoding="utf-8") as handle:
                store[path.resolve().as_uri()] = json.load(handle)
    return store


@cache
def json_validator(table: str) -> Any:
    """A Draft 7 validator for the HSDS object `table`, `$ref`s resolved from the folder."""
    from jsonschema import Draft7Validator, RefResolver

    uri = (SCHEMA_DIR / f"{table}.json").resolve().as_uri()
    store = _schema_store()
    schema = store[uri]
    resolver = RefResolver(base_uri=uri, referrer=schema, store=store)
    return Draft7Validator(schema, resolver=resolver)


@cache
def schema_check(table: str) -> Callable[[Any], bool]:
    """A fast yes/no check of an HSDS object `table`: True only when `json_validator` would
    find nothing (see `bot.directory.schema_checks`)."""
    return _schema_checks().check((SCHEMA_DIR / f"{table}.json").resolve().as_uri())


@lru_cache(maxsize=1)
def _schema_checks() -> Any:
    from bot.directory.schema_checks import SchemaChecks

    return SchemaChecks(_schema_store())


def _locate(table: str, instance: Any, path: Iterable[Any]) -> tuple[str, str, str]:
    """Walk a JSON path with the nesting model: the (table, record id, field) it lands on."""
    current_table, record, last = table, "", ""
    obj = instance
    if isinstance(obj, dict) and isinstance(obj.get("id"), str):
        record = obj["id"]
    for step in path:
        if isinstance(obj, dict):
            links = {link.key: link for link in NESTING.get(current_table, [])}
            if step in links and isinstance(obj.get(step), (dict, list)):
                current_table, last = links[step].table, ""
            elif step == TRANSLATIONS_KEY:
                last = step
            else:
                last = str(step)
            obj = obj.get(step) if isinstance(step, str) else None
        elif isinstance(obj, list) and isinstance(step, int) and step < len(obj):
            obj = obj[step]
        else:
            break
        if isinstance(obj, dict) and isinstance(obj.get("id"), str) and last == "":
            record = obj["id"]
    return current_table, record, last


def schema_issues(obj: Any, table: str, file: str = "", item: int | None = None) -> list[Issue]:
    """Every JSON Schema violation of one nested HSDS object, located and in plain words."""
    if schema_check(table)(obj):  # the usual valid object, without interpreting the schema
        return []
    issues = []
    validator = json_validator(table)
    for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.path))):
        where, record, name = _locate(table, obj, error.absolute_path)
        if not record and item is not None:
            record = f"#{item + 1}"
        params: dict[str, Any] = {}
        if error.validator == "required":
            missing = [p for p in error.validator_value if p not in (error.instance or {})]
            code, name = "required", (missing[0] if missing else name)
        elif error.validator == "enum":
            code = "enum"
            params = {
                "value": error.instance,
                "allowed": ", ".join(map(str, error.validator_value)),
            }
        elif error.validator == "type" and error.validator_value in ("number", "integer"):
            code, params = "type_number", {"value": error.instance}
        elif error.validator == "type" and error.validator_value == "string":
            code, params = "type_string", {"value": error.instance}
        elif error.validator == "type" and error.validator_value in ("array", "object"):
            code, params = f"type_{error.validator_value}", {"value": error.instance}
        else:
            code, params = "schema", {"detail": error.message}
        issues.append(Issue(code, file=file, table=where, record=record, field=name, params=params))
    return issues


def known_schema(table: str) -> bool:
    """Whether HSDS has a JSON Schema for `table`."""
    return (SCHEMA_DIR / f"{table}.json").is_file()


def relative(path: Path, base: Path | None = None) -> str:
    """A path as shown in messages: relative to `base` (or the working folder) when inside."""
    try:
        return str(path.resolve().relative_to((base or Path.cwd()).resolve()))
    except ValueError:
        return str(path)
