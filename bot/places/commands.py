"""`relais place`: resolve what a person wrote to a municipality, one text or a JSONL file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to `relais`."""
    parser = subparsers.add_parser(
        "place",
        help="trouver un lieu / resolve a place",
        description="Trouver la municipalité d'un nom, d'un quartier ou d'un code postal. "
        "Resolve a place name, neighbourhood or postal code to its municipality.",
    )
    parser.add_argument("text", nargs="?", help='ce que la personne a écrit / the text ("DDO")')
    parser.add_argument("--json", action="store_true", help="sortie JSON / JSON output")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr", help="langue / language")
    parser.add_argument(
        "--jsonl",
        metavar="FILE",
        help='lignes {"text": …} → une ligne JSON par résultat ("-" = stdin)',
    )
    parser.set_defaults(handler=handle)


def describe(place: Any, language: str) -> str:
    """One human line for a Place."""
    from bot.texts import t

    borough = t("places.cli.borough", language, borough=place.borough) if place.borough else ""
    territory = t(
        "places.cli.in_territory" if place.in_territory else "places.cli.out_of_territory",
        language,
    )
    line = t(
        "places.cli.found",
        language,
        matched=place.matched,
        name=place.name,
        code_geo=place.code_geo,
        borough=borough,
        mrc=place.mrc,
        territory=territory,
        confidence=f"{place.confidence:.2f}",
        kind=t(f"places.kind.{place.kind}", language),
    )
    if place.alternatives:
        line += "\n" + t("places.cli.alternatives", language, names=", ".join(place.alternatives))
    return line


def _result(text: str) -> dict[str, Any]:
    from bot.places.gazetteer import get_gazetteer

    place = get_gazetteer().resolve(text)
    return {"text": text, "place": place.as_dict() if place else None}


def run_jsonl(source: TextIO, out: TextIO, language: str = "fr") -> int:
    """Resolve each `{"text": …}` line of `source`; one JSON line per input line, in order."""
    from bot.texts import both

    for number, line in enumerate(source, start=1):
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (ValueError, KeyError, TypeError):
            result: dict[str, Any] = {
                "line": number,
                "error": both("places.cli.invalid_line", line=number),
                "place": None,
            }
        else:
            result = _result(text)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


def handle(args: argparse.Namespace) -> int:
    from bot.texts import t

    if args.jsonl:
        if args.jsonl == "-":
            return run_jsonl(sys.stdin, sys.stdout, args.lang)
        with open(args.jsonl, encoding="utf-8") as source:
            return run_jsonl(source, sys.stdout, args.lang)
    if not args.text:
        print(t("places.cli.help", args.lang), file=sys.stderr)
        return 2
    result = _result(args.text)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    elif result["place"] is None:
        print(t("places.cli.not_found", args.lang, text=args.text))
    else:
        from bot.places.gazetteer import get_gazetteer

        print(describe(get_gazetteer().resolve(args.text), args.lang))
    return 0 if result["place"] is not None else 1
