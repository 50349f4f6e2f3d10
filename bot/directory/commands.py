"""`relais directory …`: import, export and validate HSDS 3.0 data (and build the demo).

Every subcommand uses the database of `RELAIS_DATABASE_URL` (default `var/relais.db`) and
speaks French unless `--lang en` is given. Heavy modules are imported inside the handlers so
`relais --help` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.texts import t
from bot.texts.terminal import say


def _both(key: str) -> str:
    """Help texts show both languages: the reader has not chosen one yet."""
    return f"{t(key, 'fr')} / {t(key, 'en')}"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang", choices=("fr", "en"), default="fr", help=_both("directory.cli.lang.help")
    )


def _print_issues(issues: Sequence[Any], lang: str) -> tuple[int, int]:
    from bot.directory.validation import ERROR

    n_errors = 0
    for issue in issues:
        n_errors += issue.severity == ERROR
        print(issue.message(lang), file=sys.stderr)
    return n_errors, len(issues) - n_errors


def _database_label(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- import -------------------------------------------------------------------------------


def _import(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.directory.importer import import_path
    from bot.directory.store import create_engine_from_url
    from bot.settings import get_settings

    lang = args.lang
    url = get_settings().database_url
    try:
        engine = create_engine_from_url(url)
        progress = args.progress or sys.stderr.isatty()
        result = import_path(Path(args.path), engine, progress=progress)
    except SQLAlchemyError as exc:
        say(lang, "directory.cli.database_error", error=True, detail=type(exc).__name__)
        return 2
    n_errors, n_warnings = _print_issues(result.issues, lang)
    if not result.ok:
        say(lang, "directory.cli.import_refused", error=True, errors=n_errors, warnings=n_warnings)
        return 1
    details = ", ".join(f"{table} {n}" for table, n in result.counts.items())
    say(
        lang,
        "directory.cli.imported",
        total=sum(result.counts.values()),
        database=_database_label(url),
        details=details,
    )
    _refresh_search_vectors(engine, lang)
    return 0


def _refresh_search_vectors(engine: Any, lang: str) -> None:
    """Compute the search vectors of new or changed service texts (stored, so queries only
    encode the person's words)."""
    from bot.search.vectors import refresh

    report = refresh(engine)
    say(
        lang,
        "directory.cli.vectors",
        encoded=report["encoded"],
        texts=report["texts"],
        model=report["model"],
    )


# --- export -------------------------------------------------------------------------------


def _export(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.directory.exporter import export_tables
    from bot.directory.store import create_engine_from_url, dump_tables

    lang, folder = args.lang, Path(args.dir)
    try:
        tables = dump_tables(create_engine_from_url())
    except SQLAlchemyError as exc:
        say(lang, "directory.cli.database_error", error=True, detail=type(exc).__name__)
        return 2
    try:
        written = export_tables(tables, folder)
    except OSError as exc:
        say(lang, "directory.cli.write_error", error=True, folder=folder, detail=exc.strerror)
        return 2
    say(
        lang,
        "directory.cli.exported",
        total=sum(written.values()),
        folder=folder,
        files=len(written),
    )
    return 0


# --- validate -----------------------------------------------------------------------------


def _existing_database() -> Any:
    """The configured database if it already exists (validation must not create one)."""
    from sqlalchemy.engine import make_url

    from bot.directory.store import create_engine_from_url
    from bot.settings import get_settings

    url = make_url(get_settings().database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        return None
    return create_engine_from_url(str(url))


def _validate(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.directory.importer import read_source, validate

    lang = args.lang
    source = read_source(Path(args.path))
    try:
        issues = validate(source, None if args.no_database else _existing_database())
    except SQLAlchemyError:
        issues = validate(source, None)
    n_errors, n_warnings = _print_issues(issues, lang)
    if n_errors:
        say(lang, "directory.cli.invalid", error=True, errors=n_errors, warnings=n_warnings)
        return 1
    say(lang, "directory.cli.valid", warnings=n_warnings)
    return 0


# --- registration -------------------------------------------------------------------------


def _register_import(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import",
        help=_both("directory.cli.import.help"),
        description=_both("directory.cli.import.help"),
    )
    parser.add_argument("path", metavar="PATH", help=_both("directory.cli.path.help"))
    parser.add_argument(
        "--progress", action="store_true", help=_both("directory.cli.progress.help")
    )
    _common(parser)
    parser.set_defaults(handler=_import)


def _register_export(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export",
        help=_both("directory.cli.export.help"),
        description=_both("directory.cli.export.help"),
    )
    parser.add_argument("dir", metavar="DIR", help=_both("directory.cli.dir.help"))
    _common(parser)
    parser.set_defaults(handler=_export)


def _register_validate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate",
        help=_both("directory.cli.validate.help"),
        description=_both("directory.cli.validate.help"),
    )
    parser.add_argument("path", metavar="PATH", help=_both("directory.cli.path.help"))
    parser.add_argument(
        "--no-database", action="store_true", help=_both("directory.cli.no_database.help")
    )
    _common(parser)
    parser.set_defaults(handler=_validate)


# --- demo: `relais directory demo` (owner: the demo generator, bot/directory/demo.py) ------


def _demo(args: argparse.Namespace) -> int:
    """Build the demo directory (or N benchmark services) and load it into the database."""
    import time

    from bot.directory import demo
    from bot.directory.store import create_engine_from_url, load_tables
    from bot.directory.validation import check_tables, errors
    from bot.settings import get_settings

    lang = args.lang
    start = time.perf_counter()
    if args.services:
        tables = demo.build_large_tables(args.services, seed=args.seed)
    else:
        tables = demo.build_demo_tables(seed=args.seed)
    counts: dict[str, Any] = dict(demo.summary(tables))
    say(lang, "demo.cli.built", seconds=time.perf_counter() - start, **counts)
    if not args.services:  # benchmark tables share the generator, so the demo check covers them
        problems = errors(check_tables(tables))
        if problems:
            _print_issues(problems, lang)
            return 1
    if not args.dry_run:
        url = get_settings().database_url
        start = time.perf_counter()
        engine = create_engine_from_url(url)
        load_tables(engine, tables, progress=args.progress)
        say(lang, "demo.cli.loaded", url=_database_label(url), seconds=time.perf_counter() - start)
        _refresh_search_vectors(engine, lang)
    for table, count in demo.counts(tables).items():
        say(lang, "demo.cli.table_count", table=table, count=count)
    return 0


def _register_demo(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo", help=_both("demo.cli.help"), description=_both("demo.cli.help")
    )
    parser.add_argument(
        "--services", type=int, default=0, metavar="N", help=_both("demo.cli.services")
    )
    parser.add_argument("--seed", type=int, default=211, help=_both("demo.cli.seed"))
    parser.add_argument("--dry-run", action="store_true", help=_both("demo.cli.dry_run"))
    parser.add_argument(
        "--progress", action="store_true", help=_both("directory.cli.progress.help")
    )
    _common(parser)
    parser.set_defaults(handler=_demo)


SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _register_import,
    _register_export,
    _register_validate,
    _register_demo,
]
"""One registration function per `relais directory` subcommand, in help order."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `relais directory` and its subcommands to `relais`."""
    parser = subparsers.add_parser(
        "directory",
        help=_both("directory.cli.help"),
        description=f"{t('directory.cli.description', 'fr')}\n{t('directory.cli.description', 'en')}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="directory_command", metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(commands)
    parser.set_defaults(handler=lambda _args: parser.print_help() or 0)
