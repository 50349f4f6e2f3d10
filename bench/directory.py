"""Benchmark of the directory store: load 100k services into SQLite with `load_tables`.

Synthetic but realistic rows (per service: a location, its address, the service-at-location
link, a phone, two schedules, two attributes and four English translations; one organization
per five services), so the figure covers what an import really writes. Run standalone:
`python -m bench.directory` prints JSON.
"""

from __future__ import annotations

import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

SERVICES = 100_000


def synthetic_tables(n_services: int = SERVICES) -> dict[str, list[dict[str, Any]]]:
    """Flat HSDS tables for `n_services` fictional services (needs taxonomy included)."""
    from bot.directory.needs import (
        FLAG_FICTIONAL,
        FLAGS_TAXONOMY,
        NEED_IDS,
        NEEDS_TAXONOMY,
        taxonomy_tables,
        term_id,
    )

    tables = taxonomy_tables("fr")
    tables.setdefault("attribute", [])
    tables.setdefault("x_translation", [])
    for name in ("organization", "service", "location", "address", "service_at_location",
                 "phone", "schedule"):
        tables[name] = []
    fictional = term_id(FLAGS_TAXONOMY, FLAG_FICTIONAL)
    for i in range(n_services):
        org, svc, loc = f"org-{i // 5}", f"svc-{i}", f"loc-{i}"
        if i % 5 == 0:
            tables["organization"].append({"id": org, "name": f"Organisme {i // 5}",
                                           "description": "Organisme communautaire fictif."})
        tables["service"].append({
            "id": svc, "organization_id": org, "name": f"Service {i}", "status": "active",
            "description": "Aide alimentaire, paniers d'épicerie et repas communautaires.",
            "eligibility_description": "Résidents du quartier.",
        })
        tables["location"].append({"id": loc, "location_type": "physical", "name": f"Point {i}",
                                   "latitude": 45.4 + (i % 1000) / 5000,
                                   "longitude": -73.9 + (i % 700) / 2000})
        tables["address"].append({"id": f"adr-{i}", "location_id": loc,
                                  "address_1": f"{i} rue Principale", "city": "Montréal",
                                  "state_province": "QC", "postal_code": "H2X 1Y4",
                                  "country": "CA", "address_type": "physical"})
        tables["service_at_location"].append({"id": f"sal-{i}", "service_id": svc,
                                              "location_id": loc})
        tables["phone"].append({"id": f"tel-{i}", "service_id": svc,
                                "number": f"514-555-{i % 10000:04d}", "type": "voice"})
        for day, hours in (("MO,TU,WE,TH,FR", ("09:00:00", "17:00:00")),
                           ("SA", ("10:00:00", "14:00:00"))):
            tables["schedule"].append({"id": f"hor-{i}-{day[:2]}", "service_id": svc,
                                       "freq": "WEEKLY", "byday": day, "opens_at": hours[0],
                                       "closes_at": hours[1], "description": "Heures"})
        need = NEED_IDS[i % len(NEED_IDS)]
        for code, term in ((need, term_id(NEEDS_TAXONOMY, need)), ("fictional", fictional)):
            tables["attribute"].append({"id": f"att-{i}-{code}", "link_id": svc,
                                        "link_entity": "service", "taxonomy_term_id": term})
        for entity, record, field, value in (
            ("service", svc, "name", f"Service {i}"),
            ("service", svc, "description", "Food help, grocery baskets and community meals."),
            ("service", svc, "eligibility_description", "Neighbourhood residents."),
            ("schedule", f"hor-{i}-MO", "description", "Hours"),
        ):
            tables["x_translation"].append({"id": f"tr-{record}-{field}", "link_entity": entity,
                                            "link_id": record, "field": field, "language": "en",
                                            "value": value})
    return tables


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run(n_services: int = SERVICES) -> dict[str, Any]:
    """Time `load_tables` (first load, then an idempotent re-load) on a fresh SQLite file.

    `load_s` is wall time (what the 60 s target is about); `load_cpu_s` is this process's
    CPU time, a steadier figure when other jobs share the machine."""
    from bot.directory.store import create_engine_from_url, init_db, load_tables

    started = time.perf_counter()
    tables = synthetic_tables(n_services)
    generate_s = time.perf_counter() - started
    rows = sum(len(rows) for rows in tables.values())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        engine = create_engine_from_url(f"sqlite:///{path}")
        init_db(engine)
        started, cpu = time.perf_counter(), time.process_time()
        load_tables(engine, tables)
        load_s, load_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        load_tables(engine, tables)
        reload_s = time.perf_counter() - started
        engine.dispose()
        size = _size(path)
    return {
        "services": n_services,
        "rows": rows,
        "generate_s": round(generate_s, 2),
        "load_s": round(load_s, 2),
        "load_cpu_s": round(load_cpu_s, 2),
        "reload_s": round(reload_s, 2),
        "rows_per_s": round(rows / load_s),
        "sqlite_mb": round(size / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target_load_s": 60,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
