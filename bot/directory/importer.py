"""Reading HSDS 3.0 files (JSON or a CSV datapackage), checking them, loading them.

`read_source(path)` turns a file or folder into flat tables plus the problems met while
reading; `validate(source, engine)` adds every data problem; `import_path(path, engine)`
loads the tables only when there is no error, in one transaction. Nothing is written when
anything is wrong, and the report lists every problem, not just the first.

Accepted inputs:
- a JSON file holding one HSDS object (`service_full.json`, `organization_full.json`…), a
  list of them, or a paginated list (`{"contents": [...]}`, as `service_list.json`);
- a folder with CSV tables and a `datapackage.json` (as `examples/csv/`); without a
  descriptor, the official HSDS 3.0 one is used; `datapackage.json` may also be its path
  only (a Git symlink checked out as text, as in the vendored examples).
"""

from __future__ import annotations

import csv
import itertools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.directory import store
from bot.directory.hsds import Tables, flatten
from bot.directory.limits import ImportLimits, inside, too_large
from bot.directory.schema import TABLES, columns, number_columns
from bot.directory.validation import (
    WARNING,
    Issue,
    check_tables,
    descriptor,
    errors,
    field_specs,
    known_schema,
    schema_issues,
)

KIND_BY_NAME: tuple[tuple[str, str], ...] = (
    ("service_at_location", "service_at_location"),
    ("taxonomy_term", "taxonomy_term"),
    ("taxonom", "taxonomy"),
    ("organi", "organization"),
    ("service", "service"),
    ("location", "location"),
)
"""File-name fragments that say what a JSON file holds, most specific first."""


@dataclass
class Source:
    """What a file or folder holds, once read: flat tables and where each row came from."""

    path: Path
    tables: Tables = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # table → file name (CSV)
    row_numbers: dict[str, Sequence[int | None]] = field(default_factory=dict)
    limits: ImportLimits = field(default_factory=ImportLimits.from_env)

    def refuse_size(self, path: Path, table: str = "") -> bool:
        """True (and the issue noted) when `path` is over the size limit: never read."""
        if not too_large(path, self.limits):
            return False
        size = path.stat().st_size
        self.issues.append(
            Issue(
                "too_large",
                file=path.name,
                table=table,
                params={"size": size, "maximum": self.limits.max_bytes},
            )
        )
        return True

    def refuse_rows(self, name: str, table: str) -> None:
        self.issues.append(
            Issue("too_many_rows", file=name, table=table, params={"maximum": self.limits.max_rows})
        )

    @property
    def label(self) -> str:
        return self.path.name


@dataclass
class ImportResult:
    """The outcome of an import: every issue, and rows written per table (empty on error)."""

    issues: list[Issue]
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per phase (`read`, `validate`, `load`): `wall_s` and this process's `cpu_s`."""

    @property
    def ok(self) -> bool:
        return not errors(self.issues)


@contextmanager
def _timed(timings: dict[str, dict[str, float]], phase: str) -> Iterator[None]:
    """Record a phase's wall and CPU time: the CPU figure stays honest on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        timings[phase] = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}


# --- JSON ---------------------------------------------------------------------------------


def detect_kind(obj: dict[str, Any], file_name: str = "") -> str | None:
    """Which HSDS object a JSON object is: from the file name, else from telling properties."""
    stem = file_name.lower()
    for fragment, kind in KIND_BY_NAME:
        if fragment in stem:
            return kind
    keys = set(obj)
    if keys & {"status", "service_at_locations", "eligibility_description"}:
        return "service"
    if keys & {"location_type", "addresses", "accessibility", "latitude"}:
        return "location"
    if keys & {"location", "service"}:
        return "service_at_location"
    if keys & {"taxonomy_detail", "parent_id", "term_uri", "code"}:
        return "taxonomy_term"
    if keys & {
        "services",
        "locations",
        "programs",
        "website",
        "legal_status",
        "tax_status",
        "year_incorporated",
        "organization_identifiers",
        "parent_organization_id",
    }:
        return "organization"
    return None


def _json_items(data: Any) -> list[Any] | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        return data["contents"]
    if isinstance(data, dict):
        return [data]
    return None


def _is_tabular_json(data: Any) -> bool:
    """HSDS "tabular JSON" (`examples/tabular.json`): `{"services.csv": [rows…], …}`."""
    return (
        isinstance(data, dict)
        and bool(data)
        and all(
            isinstance(key, str) and key.endswith(".csv") and isinstance(value, list)
            for key, value in data.items()
        )
    )


def _read_tabular_json(data: dict[str, list[Any]], source: Source) -> Source:
    by_path = {item["path"]: item["name"] for item in descriptor()["resources"]}
    name = source.label
    for key, rows in data.items():
        table = by_path.get(key)
        if table is None:
            source.issues.append(Issue("unknown_table", WARNING, file=name, table=key))
            continue
        if len(rows) > source.limits.max_rows:
            source.refuse_rows(name, table)
            continue
        known, numbers = columns(table), number_columns(table)
        flat = []
        for position, row in enumerate(rows):
            if not isinstance(row, dict):
                source.issues.append(
                    Issue(
                        "type_object",
                        file=name,
                        table=table,
                        record=f"#{position + 1}",
                        params={"value": row},
                    )
                )
                continue
            for column in sorted(set(row) - set(known)):
                source.issues.append(
                    Issue(
                        "unknown_property",
                        WARNING,
                        file=name,
                        table=table,
                        record=str(row.get("id") or ""),
                        field=column,
                    )
                )
            flat.append(
                {column: _tabular_value(row.get(column), column in numbers) for column in known}
            )
        source.tables[table] = flat
    return source


def _tabular_value(value: Any, is_number: bool) -> Any:
    """Tabular JSON mirrors CSV, where `1234567` in a text column is still text."""
    if value == "":
        return None
    if not is_number and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def read_json(path: Path) -> Source:
    """A JSON file of HSDS objects → flat tables, with schema problems located."""
    source = Source(path)
    name = path.name
    if source.refuse_size(path):
        return source
    try:
        with path.open(encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        source.issues.append(
            Issue(
                "bad_json",
                file=name,
                params={"line": exc.lineno, "column": exc.colno, "detail": exc.msg},
            )
        )
        return source
    except (OSError, UnicodeDecodeError) as exc:
        source.issues.append(Issue("unreadable", file=name, params={"detail": str(exc)}))
        return source
    if _is_tabular_json(data):
        return _read_tabular_json(data, source)
    items = _json_items(data)
    if not items:
        source.issues.append(Issue("empty", file=name))
        return source
    if len(items) > source.limits.max_rows:
        source.refuse_rows(name, "")
        return source
    first = next((item for item in items if isinstance(item, dict)), {})
    kind = detect_kind(first, path.stem)
    if kind is None or not known_schema(kind):
        source.issues.append(Issue("unknown_kind", file=name))
        return source
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            source.issues.append(
                Issue(
                    "type_object",
                    file=name,
                    table=kind,
                    record=f"#{position + 1}",
                    params={"value": item},
                )
            )
            continue
        source.issues.extend(schema_issues(item, kind, name, position))
    flat = flatten([item for item in items if isinstance(item, dict)], kind)
    source.tables = flat.tables
    for conflict in flat.conflicts:
        source.issues.append(
            Issue(
                "conflict",
                file=name,
                table=conflict.table,
                record=conflict.record_id,
                field=conflict.field,
                params={"first": conflict.first, "second": conflict.second},
            )
        )
    for table, record, prop in flat.unknown:
        source.issues.append(
            Issue("unknown_property", WARNING, file=name, table=table, record=record, field=prop)
        )
    return source


# --- CSV datapackage ----------------------------------------------------------------------


def _load_descriptor(folder: Path, source: Source) -> tuple[dict[str, Any], bool]:
    """The folder's descriptor, or the official one; `True` when the folder declares it."""
    path = folder / "datapackage.json"
    if not path.is_file():
        source.issues.append(Issue("no_descriptor", WARNING, file=folder.name))
        return descriptor(), False
    if inside(folder, path.name) is None:  # a symlink leading out of the package
        source.issues.append(Issue("outside_package", file=path.name, params={"path": path.name}))
        return {}, True
    if source.refuse_size(path):
        return {}, True
    text = path.read_text(encoding="utf-8-sig")
    try:
        return json.loads(text), True
    except json.JSONDecodeError as exc:
        pointer = text.strip() if text.strip() and "\n" not in text.strip() else None
        target = inside(folder, pointer) if pointer else None
        if pointer and target is None and Path(pointer).name == "datapackage.json":
            # a pointer out of the folder is not followed: the official descriptor, as when
            # the folder has none (its tables are then optional)
            return descriptor(), False
        if target is not None and target.is_file() and target.suffix == ".json":
            if source.refuse_size(target):
                return {}, True
            try:
                return json.loads(target.read_text(encoding="utf-8-sig")), True
            except json.JSONDecodeError:
                pass
        source.issues.append(
            Issue(
                "bad_json",
                file=path.name,
                params={"line": exc.lineno, "column": exc.colno, "detail": exc.msg},
            )
        )
        return {}, True


def _resources(
    package: dict[str, Any], declared: bool, folder: Path, source: Source
) -> list[tuple[str, Path, bool]]:
    """`(table, csv path, must exist)` for each table the package holds."""
    found: dict[str, tuple[str, Path, bool]] = {}
    for item in package.get("resources") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        table = item["name"]
        if table not in TABLES:
            source.issues.append(
                Issue("unknown_table", WARNING, file="datapackage.json", table=table)
            )
            continue
        declared_path = item.get("path") or f"{table}.csv"
        path = inside(folder, declared_path)
        if path is None:
            shown = (
                declared_path if isinstance(declared_path, str) else type(declared_path).__name__
            )
            source.issues.append(
                Issue(
                    "outside_package",
                    file="datapackage.json",
                    table=table,
                    params={"path": shown},
                )
            )
            continue
        found[table] = (table, path, declared)
    extension = inside(folder, "x_translations.csv")
    if "x_translation" not in found and extension is not None and extension.is_file():
        found["x_translation"] = ("x_translation", extension, False)
    return list(found.values())


def _row_maker(header: list[str], table: str) -> Callable[[list[str]], dict[str, Any]]:
    """A function turning one CSV record into a row of `table`: every column, empty cells as
    None, numbers as floats; a record longer or shorter than the header raises ValueError.

    It is compiled for the file's header, as `collections.namedtuple` compiles its class: a
    dict display is the fastest way CPython has to build a row, and building millions of rows
    is most of an import's reading time. Only column names from the schema (as literals)
    and cell positions go into the code, never text from the file."""
    numbers = number_columns(table)
    position = {column: index for index, column in enumerate(header)}  # last one wins
    items = []
    for column in columns(table):
        index = position.get(column)
        if index is None:
            value = "None"
        elif column in numbers:
            value = f"_number(c{index}) if c{index} else None"
        else:
            value = f"c{index} or None"
        items.append(f"{column!r}: {value}")
    cells = "".join(f"c{index}, " for index in range(len(header)))
    code = f"def make(cells):\n    ({cells}) = cells\n    return {{{', '.join(items)}}}\n"
    namespace: dict[str, Any] = {"_number": _number}
    exec(compile(code, f"<{table} row>", "exec"), namespace)  # schema names only: see above
    return namespace["make"]


def _check_header(header: list[str], table: str, name: str, source: Source) -> None:
    known = set(columns(table))
    for column in header:
        if column not in known:
            source.issues.append(
                Issue("unknown_column", WARNING, file=name, table=table, field=column)
            )
    required = {spec.name for spec in field_specs(table).values() if spec.required}
    for column in sorted(required - set(header)):
        source.issues.append(Issue("missing_column", file=name, table=table, field=column))


def _read_csv(table: str, path: Path, source: Source) -> None:
    """Read one table. The usual file (one line per record, as long as its header) is read
    in one C loop; anything else is read again record by record to say where it differs."""
    name = path.name
    rows: list[dict[str, Any]] | None = None
    if source.refuse_size(path, table):
        return
    limit = source.limits.max_rows
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            make = _row_maker(header, table)
            try:
                rows = list(map(make, itertools.islice(reader, limit + 1))) if header else None
            except ValueError:  # a blank line, or a record of another length
                rows = None
            if rows is not None and len(rows) > limit:
                source.refuse_rows(name, table)
                return
            _check_header(header, table, name, source)
            if rows is not None and reader.line_num == len(rows) + 1:
                lines: Sequence[int | None] = range(2, len(rows) + 2)
            else:  # blank lines, odd records, or cells over several lines
                rows, lines = _read_records(path, len(header), make, table, source)
                if len(rows) > limit:
                    source.refuse_rows(name, table)
                    return
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        source.issues.append(
            Issue("unreadable", file=name, table=table, params={"detail": str(exc)})
        )
        return
    source.tables[table] = rows
    source.files[table] = name
    source.row_numbers[table] = lines


def _read_records(
    path: Path, width: int, make: Callable[[list[str]], dict[str, Any]], table: str, source: Source
) -> tuple[list[dict[str, Any]], list[int | None]]:
    """Record by record, as `csv.DictReader` reads: blank lines skipped, short records
    padded, extra values reported; each row's first line kept for messages."""
    rows: list[dict[str, Any]] = []
    lines: list[int | None] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        line = reader.line_num
        for values in reader:
            start, line = line + 1, reader.line_num
            if not values:
                continue
            if len(rows) > source.limits.max_rows:
                break  # the caller refuses the table
            extra = len(values) > width
            if len(values) != width:
                values = values[:width] + [""] * (width - len(values))
            row = make(values)
            if extra:
                source.issues.append(
                    Issue(
                        "extra_values",
                        file=path.name,
                        table=table,
                        record=str(row.get("id") or ""),
                        row=start,
                    )
                )
            rows.append(row)
            lines.append(start)
    return rows, lines


def _number(text: str) -> float | str:
    """A CSV number as a float; left as text when it is not one (validation reports it)."""
    try:
        return float(text)
    except ValueError:
        return text


def read_datapackage(folder: Path) -> Source:
    """A folder of HSDS CSV tables → flat tables, each row remembering its file and line."""
    source = Source(folder)
    package, declared = _load_descriptor(folder, source)
    for table, path, must_exist in _resources(package, declared, folder, source):
        if not path.is_file():
            if must_exist:
                source.issues.append(Issue("missing_file", file=path.name, table=table))
            continue
        _read_csv(table, path, source)
    if not source.tables and not errors(source.issues):
        source.issues.append(Issue("empty", file=folder.name))
    return source


def read_source(path: Path) -> Source:
    """Read a JSON file, a datapackage folder, or a `datapackage.json` file (the files it
    names must be inside its folder: `bot.directory.limits`)."""
    with store.bulk_work():
        if path.is_dir():
            return read_datapackage(path)
        if path.name == "datapackage.json":
            return read_datapackage(path.parent)
        if path.is_file():
            return read_json(path)
    return Source(path, issues=[Issue("not_found", file=str(path))])


# --- checking and loading -----------------------------------------------------------------


def _has_tables(engine: Engine) -> bool:
    try:
        return inspect(engine).has_table("organization")
    except SQLAlchemyError:
        return False


def validate(source: Source, engine: Engine | None = None) -> list[Issue]:
    """Every issue of `source`: reading, schema, and data (references also looked up in the
    database of `engine`, when it has the directory tables)."""
    issues = list(source.issues)
    if errors(issues) and not source.tables:
        return issues
    files: str | dict[str, str] = source.files or source.label
    if engine is not None and _has_tables(engine):
        with engine.connect() as conn, store.bulk_work():

            def lookup(table: str, ids: set[str]) -> set[str]:
                return store.existing_ids(conn, table, ids)

            issues += check_tables(
                source.tables, file=files, existing=lookup, row_numbers=source.row_numbers
            )
    else:
        with store.bulk_work():
            issues += check_tables(source.tables, file=files, row_numbers=source.row_numbers)
    return _dedupe(issues)


def _dedupe(issues: list[Issue]) -> list[Issue]:
    """The JSON Schema and the table checks can both see a problem (a `null` phone number is
    "not text" and "required"): one message per field, the schema's first."""
    seen: set[tuple] = set()
    unique = []
    for issue in issues:
        key = (
            issue.severity,
            issue.file,
            issue.table,
            issue.record,
            issue.row,
            issue.field,
            issue.code if not issue.field else "",
        )
        if key not in seen:
            seen.add(key)
            unique.append(issue)
    return unique


def import_path(path: Path, engine: Engine, *, progress: bool = False) -> ImportResult:
    """Check `path`, then load it in one transaction if (and only if) nothing is wrong."""
    store.init_db(engine)
    timings: dict[str, dict[str, float]] = {}
    with store.bulk_work():  # once for the three phases: each re-enabling would walk every row
        with _timed(timings, "read"):
            source = read_source(path)
        with _timed(timings, "validate"):
            issues = validate(source, engine)
        if errors(issues):
            return ImportResult(issues, timings=timings)
        with _timed(timings, "load"):
            counts = store.load_tables(engine, source.tables, progress=progress)
    return ImportResult(issues, counts, timings)
