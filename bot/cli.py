"""`relais`: the one command-line entry point.

Each area registers its own subcommands from `bot/<area>/commands.py` (a `register(subparsers)`
function), so this file only lists the areas. Heavy imports happen inside the handlers, so
`relais --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES: tuple[str, ...] = (
    "bot.directory.commands",
    "bot.places.commands",
    "bot.search.commands",
    "bot.ops.commands",
    "bot.handoff.commands",
    "bot.web.commands",
    "bot.db.commands",
    "bot.privacy.commands",
    "bot.stats.commands",
)

DESCRIPTION = """Relais 211 — assistant d'information et de référence / information and referral assistant.

Commandes principales / main commands:
  relais run                    tout démarrer / start everything (web, Rasa, actions)
  relais directory demo         construire l'annuaire de démonstration / build the demo directory
  relais place "DDO"            trouver un lieu / resolve a place
  relais search --need food --place Repentigny
  relais db upgrade             mettre le schéma de la base à jour / bring the database schema up to date
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser with every area's subcommands."""
    parser = argparse.ArgumentParser(
        prog="relais",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `relais`; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    result = handler(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
