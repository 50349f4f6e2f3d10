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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
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
            {"name": name, "type": "string",
             "constraints": {"required": True, "unique": name == "id"}}
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
            where.append(texts.t("directory.where.record", lang, table=self.table,
                                 record=self.record))
        elif self.table:
            where.append(texts.t("directory.where.table", lang, table=self.table))
        if self.row is not None:
            where.append(texts.t("directory.where.row", lang, row=self.row))
        if self.field:
            where.append(texts.t("directory.where.field", lang, field=self.field))
        label = texts.t(f"directory.severity.{self.severity}", lang)
        params = {k: _short(v) for k, v in self.params.items()}
        what = texts.t(f"directory.issue.{self.code}", lang, **params)
        return f"{label} — {', '.join(where)} : {what}" if lang == "fr" else \
            f"{label} — {', '.join(where)}: {what}"


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
            item["name"], item.get("type", "string"), bool(constraints.get("required")),
            bool(constraints.get("unique")), tuple(enum) if enum else None,
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
    "date": _is_date, "time": _is_time, "datetime": _is_datetime,
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
    rows: dict[str, list[int | None]]  # table → line (CSV) of each row, by position

    def issue(self, code: str, table: str, index: int, record: str, **kw: Any) -> Issue:
        numbers = self.rows.get(table)
        row = numbers[index] if numbers and index < len(numbers) else None
        file = self.file if isinstance(self.file, str) else self.file.get(table, "")
        return Issue(code, file=file, table=table, record=record, row=row, **kw)


def check_tables(tables: Tables, *, file: str | dict[str, str] = "",
                 existing: ExistingIds | None = None,
                 row_numbers: dict[str, list[int | None]] | None = None) -> list[Issue]:
    """Every problem in flat tables: required, types, enums, duplicates, references.

    `file`: the file the tables come from, or a file per table. `existing` lets references
    resolve to records already in the database (importing a service whose organization was
    imported earlier). `row_numbers` gives each row's line in its CSV file, for messages.
    """
    loc = _Located(file, row_numbers or {})
    issues: list[Issue] = []
    ids: dict[str, set[str]] = {}
    for table, rows in tables.items():
        if table not in TABLES:
            issues.append(Issue("unknown_table", WARNING, table=table))
            continue
        ids[table] = _check_rows(table, rows, loc, issues)
    issues.extend(_check_references(tables, ids, loc, existing))
    issues.extend(_check_translations(tables.get("x_translation", []), loc))
    return issues


def _check_rows(table: str, rows: list[dict[str, Any]], loc: _Located,
                issues: list[Issue]) -> set[str]:
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
                issues.append(loc.issue(code, table, index, record, field=spec.name,
                                        params=params))
            if spec.unique and spec.name != "id":
                first = unique_seen.setdefault(spec.name, {}).setdefault(value, record)
                if first != record:
                    issues.append(loc.issue("not_unique", table, index, record, field=spec.name,
                                            severity=WARNING,
                                            params={"value": value, "first": first}))
        if record:
            if record in seen:
                issues.append(loc.issue("duplicate_id", table, index, record, field="id",
                                        params={"value": record}))
            else:
                seen[record] = index
    return set(seen)


def _check_references(tables: Tables, ids: dict[str, set[str]], loc: _Located,
                      existing: ExistingIds | None) -> list[Issue]:
    """References that point nowhere: errors on required columns, warnings on optional ones."""
    wanted: dict[str, set[str]] = {}
    pending: list[tuple[str, int, str, str, str, str, bool]] = []
    for table, rows in tables.items():
        if table not in TABLES:
            continue
        specs = field_specs(table)
        for column, target in foreign_keys(table):
            required = specs[column].required if column in specs else False
            required = required or not TABLES[table].c[column].nullable
            for index, row in enumerate(rows):
                value = row.get(column)
                if not isinstance(value, str) or value in ids.get(target, ()):
                    continue
                wanted.setdefault(target, set()).add(value)
                pending.append((table, index, str(row.get("id")), column, target, value,
                                required))
        for column, entity_column in POLYMORPHIC.items():
            if column not in specs:
                continue
            for index, row in enumerate(rows):
                value, target = row.get(column), row.get(entity_column)
                if not isinstance(value, str) or target not in TABLES:
                    continue
                if value in ids.get(target, ()):
                    continue
                wanted.setdefault(target, set()).add(value)
                pending.append((table, index, str(row.get("id")), column, target, value, False))
    found: dict[str, set[str]] = {}
    if existing is not None:
        found = {target: existing(target, values) for target, values in wanted.items()}
    issues = []
    for table, index, record, column, target, value, required in pending:
        if value in found.get(target, ()):
            continue
        code = "dangling" if required else "dangling_optional"
        issues.append(loc.issue(code, table, index, record, field=column,
                                severity=ERROR if required else WARNING,
                                params={"value": value, "target": target}))
    return issues


def _check_translations(rows: list[dict[str, Any]], loc: _Located) -> list[Issue]:
    issues = []
    seen: dict[tuple, str] = {}
    for index, row in enumerate(rows):
        record = str(row.get("id") or "")
        entity, name = row.get("link_entity"), row.get("field")
        if entity not in TRANSLATABLE or entity not in TABLES:
            if entity is not None:
                issues.append(loc.issue("translation_entity", "x_translation", index, record,
                                        field="link_entity", params={"value": entity}))
        elif name not in TRANSLATABLE[entity] and name is not None:
            issues.append(loc.issue("translation_field", "x_translation", index, record,
                                    field="field", params={"value": name, "table": entity,
                                                           "allowed": ", ".join(
                                                               TRANSLATABLE[entity])}))
        language = row.get("language")
        if isinstance(language, str) and not (2 <= len(language) <= 8 and language.isascii()):
            issues.append(loc.issue("translation_language", "x_translation", index, record,
                                    field="language", params={"value": language}))
        key = (entity, row.get("link_id"), name, language)
        first = seen.setdefault(key, record)
        if first != record:
            issues.append(loc.issue("translation_twice", "x_translation", index, record,
                                    field="field", params={"value": name, "first": first}))
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
            params = {"value": error.instance,
                      "allowed": ", ".join(map(str, error.validator_value))}
        elif error.validator == "type" and error.validator_value in ("number", "integer"):
            code, params = "type_number", {"value": error.instance}
        elif error.validator == "type" and error.validator_value == "string":
            code, params = "type_string", {"value": error.instance}
        elif error.validator == "type" and error.validator_value in ("array", "object"):
            code, params = f"type_{error.validator_value}", {"value": error.instance}
        else:
            code, params = "schema", {"detail": error.message}
        issues.append(Issue(code, file=file, table=where, record=record, field=name,
                            params=params))
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

