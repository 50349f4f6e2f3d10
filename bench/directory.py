"""Benchmark of a directory import: 100k services through `relais directory import`'s path.

The demo generator (`bot.directory.demo.build_large_tables`) makes 100k fictional services
with everything a real service has (organization, location, address, phones, schedules,
service areas, languages, needs and flags, English translations: about 26 rows each); they
are written as an HSDS CSV datapackage (what `relais directory export` writes), then imported
with `import_path` — read, validate, load in one transaction — and the search vectors are
refreshed, as the command does. Each phase reports wall time (what the 60 s target is about)
and this process's CPU time (steadier when other jobs share the machine). A second import of
the same files checks that a re-import is fast and adds nothing.

    python -m bench.directory                                  # SQLite, 100k services
    python -m bench.directory --url postgresql://postgres@127.0.0.1:5432/test --services 20000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SERVICES = 100_000
TARGET_S = 60


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _sqlite_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6, 1)


@contextmanager
def _database(url: str | None, folder: Path) -> Iterator[str]:
    """A fresh database: a SQLite file in `folder`, or a new schema of the PostgreSQL `url`
    (dropped afterwards)."""
    if not url:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    from bot.directory.store import scratch_schema

    with scratch_schema(url, "bench_directory") as scratch:
        yield scratch


def _store_mb(engine: Any, url: str) -> float:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        return _sqlite_mb(Path(sa_url.database))
    with engine.connect() as conn:
        size = conn.execute(
            text(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            )
        ).scalar_one()
    return round(float(size) / 1e6, 1)


def _phases(prefix: str, timings: dict[str, dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for phase, figures in timings.items():
        out[f"{prefix}{phase}_s"] = round(figures["wall_s"], 2)
        out[f"{prefix}{phase}_cpu_s"] = round(figures["cpu_s"], 2)
    out[f"{prefix}total_s"] = round(sum(f["wall_s"] for f in timings.values()), 2)
    out[f"{prefix}total_cpu_s"] = round(sum(f["cpu_s"] for f in timings.values()), 2)
    return out


def _vectors(engine: Any) -> dict[str, Any]:
    """`relais directory import` refreshes the search vectors after loading: time it, the
    encoder's one-time loading apart (it is the same for 10 services or 100k)."""
    try:
        from bot.search.embeddings import get_encoder
        from bot.search.vectors import refresh

        started = time.perf_counter()
        encoder = get_encoder()
        loaded = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        report = refresh(engine, encoder=encoder)
        return {
            "encoder_load_s": round(loaded, 2),
            "vectors_s": round(time.perf_counter() - started, 2),
            "vectors_cpu_s": round(time.process_time() - cpu, 2),
            "vectors_encoded": report["encoded"],
            "model": report["model"],
        }
    except Exception as exc:  # the import figures stand without the search area
        return {"vectors_error": f"{type(exc).__name__}: {exc}"}


def _write_package(services: int, folder: Path) -> tuple[int, float, float]:
    """Generate `services` services and write them as a CSV datapackage in `folder`: rows,
    seconds generating, seconds writing. Run in a child process, so that the peak memory
    measured here is the import's alone."""
    from bot.directory.demo import build_large_tables
    from bot.directory.exporter import write_datapackage

    started = time.perf_counter()
    tables = build_large_tables(services)
    generated = time.perf_counter()
    write_datapackage(tables, folder)
    return (
        sum(len(rows) for rows in tables.values()),
        generated - started,
        time.perf_counter() - generated,
    )


def run(services: int = SERVICES, url: str | None = None) -> dict[str, Any]:
    """Generate `services` services, write them as CSV, import them twice; the figures."""
    from bot.directory.importer import import_path
    from bot.directory.store import counts, create_engine_from_url

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            rows, generate_s, write_s = pool.submit(
                _write_package, services, folder / "package"
            ).result()
        with _database(url, folder) as database:
            engine = create_engine_from_url(database)
            first = import_path(folder / "package", engine)
            if not first.ok:
                raise RuntimeError([issue.message("en") for issue in first.issues[:5]])
            figures = _phases("", first.timings)
            import_rss_mb = _rss_mb()
            vectors = _vectors(engine)
            with engine.connect() as conn:
                before = counts(conn)
            again = import_path(folder / "package", engine)
            with engine.connect() as conn:
                unchanged = again.ok and counts(conn) == before
            store_mb = _store_mb(engine, database)
            engine.dispose()
    total = figures["total_s"] + vectors.get("vectors_s", 0)
    return {
        "services": services,
        "rows": rows,
        "database": "postgresql" if url else "sqlite",
        "generate_s": round(generate_s, 2),
        "write_csv_s": round(write_s, 2),
        **{f"import_{key}": value for key, value in figures.items()},
        "rows_per_s": round(rows / figures["total_s"]),
        **vectors,
        "import_and_vectors_s": round(total, 2),
        **_phases("reimport_", again.timings),
        "reimport_adds_nothing": unchanged,
        "store_mb": store_mb,
        "import_peak_rss_mb": import_rss_mb,
        "peak_rss_mb": _rss_mb(),
        "target_import_s": TARGET_S,
        "target_met": total <= TARGET_S,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.directory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--services", type=int, default=SERVICES)
    parser.add_argument(
        "--url",
        default=None,
        help="a PostgreSQL URL (a schema is created and dropped); default SQLite",
    )
    args = parser.parse_args(argv)
    print(json.dumps(run(args.services, args.url), indent=2))


if __name__ == "__main__":
    main()
