"""Writing the directory out as HSDS 3.0: a CSV datapackage plus `json/services.json`.

The CSV datapackage is the lossless format: every table, every row, every translation
(`x_translations.csv`, declared in `datapackage.json`), so import → export → import gives
the same tables. `json/services.json` is the list of `service_full` objects with their
`x_translations`, for systems that speak HSDS JSON.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

from bot.directory.hsds import Tables, nest_all, number_out
from bot.directory.schema import TABLES, columns
from bot.directory.validation import descriptor

PACKAGE_NAME = "relais-211-directory"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(number_out(value))


def package_descriptor() -> dict[str, Any]:
    """The official HSDS 3.0 descriptor, renamed, with the `x_translation` resource."""
    package = copy.deepcopy(descriptor())
    package["name"] = PACKAGE_NAME
    package["title"] = "Relais 211 — HSDS 3.0"
    package["resources"] = [item for item in package["resources"] if item["name"] in TABLES]
    return package


def write_datapackage(tables: Tables, folder: Path) -> dict[str, int]:
    """Write `datapackage.json` and one CSV per table (header only when empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    package = package_descriptor()
    written: dict[str, int] = {}
    for item in package["resources"]:
        table = item["name"]
        names = [spec["name"] for spec in item["schema"]["fields"]]
        missing = set(columns(table)) - set(names)
        if missing:  # the descriptor and schema.py must agree (a test checks)
            raise ValueError(f"{table}: columns not in the descriptor: {sorted(missing)}")
        rows = tables.get(table, [])
        with (folder / item["path"]).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            for row in rows:
                writer.writerow([_cell(row.get(name)) for name in names])
        written[table] = len(rows)
    with (folder / "datapackage.json").open("w", encoding="utf-8") as handle:
        json.dump(package, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    return written


def write_services_json(tables: Tables, path: Path) -> int:
    """Write every service as a `service_full` object (with `x_translations`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    services = nest_all(tables, "service", with_translations=True)
    with path.open("w", encoding="utf-8") as handle:
        json.dump(services, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    return len(services)


def export_tables(tables: Tables, folder: Path) -> dict[str, int]:
    """The whole export: the CSV datapackage in `folder`, and `folder/json/services.json`."""
    written = write_datapackage(tables, folder)
    write_services_json(tables, folder / "json" / "services.json")
    return written
