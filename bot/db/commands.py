"""`relais db upgrade|current`: the database schema from the command line.

Both use `--database-url` or else `RELAIS_DATABASE_URL` (default `var/relais.db`) and speak
French unless `--lang en` is given, like the other admin commands. Exit codes: 0 done (or up
to date), 1 `current` finds the database not at the newest revision, 2 an error.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.texts import t
from bot.texts.terminal import say


def _both(key: str) -> str:
    """Help texts show both languages: the reader has not chosen one yet."""
    return f"{t(key, 'fr')} / {t(key, 'en')}"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to `relais`."""
    parser = subparsers.add_parser("db", help=_both("db.cli.help"))
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    for name, handler in (("upgrade", _upgrade), ("current", _current)):
        action = actions.add_parser(name, help=_both(f"db.cli.{name}.help"))
        action.add_argument("--database-url", metavar="URL", help=_both("db.cli.database_url.help"))
        action.add_argument(
            "--lang", choices=("fr", "en"), default="fr", help=_both("db.cli.lang.help")
        )
        action.set_defaults(handler=handler)


def _url(args: argparse.Namespace) -> str:
    from bot.settings import get_settings

    return args.database_url or get_settings().database_url


def _failed(lang: str, url: str, exc: Exception) -> int:
    from bot.db import SchemaError
    from bot.db.migrate import label

    if isinstance(exc, SchemaError):
        say(lang, exc.key, error=True, **exc.variables)
    else:
        detail = type(getattr(exc, "orig", None) or exc).__name__
        say(lang, "db.error.unreachable", error=True, database=label(url), detail=detail)
    return 2


def _upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db import SchemaError, describe, upgrade

    url = _url(args)
    try:
        result = upgrade(url)
    except (SchemaError, SQLAlchemyError, OSError) as exc:
        return _failed(args.lang, url, exc)
    key, variables = describe(result)
    say(args.lang, key, **variables)
    return 0


def _current(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db import SchemaError, current

    url = _url(args)
    try:
        state = current(url)
    except (SchemaError, SQLAlchemyError, OSError) as exc:
        return _failed(args.lang, url, exc)
    variables: dict[str, Any] = {
        "database": state.database,
        "revision": state.revision,
        "head": state.head,
    }
    if not state.known:
        key = "db.current.unknown"
    elif state.up_to_date:
        key = "db.current.up_to_date"
    elif state.revision is not None:
        key = "db.current.behind"
    else:
        key = "db.current.legacy" if state.legacy else "db.current.empty"
    say(args.lang, key, **variables)
    return 0 if state.up_to_date else 1
