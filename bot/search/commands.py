"""`relais search`: find services from the command line; build the encoder; refresh vectors.

relais search --need food --place Repentigny [--lang en] [--json] [--open-now] [--limit N] [--q TEXT]
relais search build-model [--model relais-static] [--if-missing]
relais search refresh-vectors
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to `relais`."""
    parser = subparsers.add_parser(
        "search",
        help="chercher des services / search for services",
        description="Services près d'un lieu pour un besoin / services near a place for a need.",
    )
    parser.add_argument("--need", help="food, housing, shelter, mental_health…")
    parser.add_argument("--place", help='"Repentigny", "DDO", "H2X 1Y4"…')
    parser.add_argument("--lat", type=float)
    parser.add_argument("--lon", type=float)
    parser.add_argument("--lang", default="fr", choices=("fr", "en"))
    parser.add_argument("--open-now", action="store_true")
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--q", dest="text", help="the person's own words (semantic ranking)")
    parser.add_argument("--json", action="store_true", help="JSON output")
    parser.set_defaults(handler=_search)
    actions = parser.add_subparsers(dest="search_action", metavar="ACTION")
    build = actions.add_parser("build-model", help="train the search encoder (models/search/)")
    build.add_argument("--model", default=None, help="relais-static (default) or relais-minilm")
    build.add_argument("--if-missing", action="store_true", help="do nothing if already built")
    build.set_defaults(handler=_build_model)
    refresh = actions.add_parser("refresh-vectors", help="encode new service texts")
    refresh.add_argument("--model", default=None)
    refresh.set_defaults(handler=_refresh_vectors)


def format_hits(result, language: str) -> str:
    """The human listing: numbered, with distance, hours, phone, address and the flags."""
    from bot.directory.needs import need_label
    from bot.texts import t

    place = (result.place or {}).get("name") or ""
    lines = [t("search.cli.header", language, need=need_label(result.need, language), place=place)]
    if result.widened:
        lines.append(result.widened.text(result.language))
    for number, hit in enumerate(result.hits, start=1):
        flag = f" {t('search.cli.fictional', language)}" if hit.fictional else ""
        lines.append(f"{number}. {hit.name} — {hit.organization}{flag}")
        lines.append(f"   {hit.reason_text}")
        for value in (hit.phone, hit.address, hit.url):
            if value:
                lines.append(f"   {value}")
    if not result.hits:
        lines.append(t("search.cli.none", language))
    if result.fallback:
        lines.append(result.fallback.text(result.language))
    return "\n".join(lines)


def _search(args: argparse.Namespace) -> int:
    from bot.directory.needs import NEED_IDS
    from bot.search.engine import PlaceNotFound, search
    from bot.texts import t

    if args.need not in NEED_IDS:
        print(
            t(
                "search.error.unknown_need",
                args.lang,
                need=args.need or "",
                allowed=", ".join(NEED_IDS),
            ),
            file=sys.stderr,
        )
        return 2
    if not args.place and (args.lat is None or args.lon is None):
        print(t("search.error.where", args.lang), file=sys.stderr)
        return 2
    try:
        result = search(
            args.need,
            place=args.place,
            lat=args.lat,
            lon=args.lon,
            language=args.lang,
            open_now=args.open_now,
            limit=args.limit,
            text=args.text,
        )
    except PlaceNotFound:
        print(t("search.cli.place_not_found", args.lang, place=args.place), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_hits(result, args.lang))
    return 0


def _build_model(args: argparse.Namespace) -> int:
    from bot.search.embeddings import DEFAULT_MODEL, is_available, model_dir
    from bot.search.training.build import PRESETS, build_model
    from bot.settings import get_settings
    from bot.texts import t

    name = args.model or DEFAULT_MODEL
    if name not in PRESETS:
        print(f"unknown model {name!r}; expected one of {', '.join(PRESETS)}", file=sys.stderr)
        return 2
    if args.if_missing and is_available(name):
        return 0
    report = build_model(
        model_dir(name), PRESETS[name], progress=print, cache_dir=model_dir(name).parent
    )
    language = get_settings().record_language
    print(
        t(
            "search.cli.model_built",
            language,
            model=name,
            seconds=report["seconds"],
            path=model_dir(name),
        )
    )
    return 0


def _refresh_vectors(args: argparse.Namespace) -> int:
    from bot.directory.store import create_engine_from_url
    from bot.search.vectors import refresh
    from bot.settings import get_settings
    from bot.texts import t

    settings = get_settings()
    engine = create_engine_from_url(settings.database_url)
    try:
        report = refresh(engine, args.model, record_language=settings.record_language)
    finally:
        engine.dispose()
    print(t("search.cli.vectors", settings.record_language, **report))
    return 0
