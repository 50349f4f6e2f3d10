"""`relais privacy …`: export, erase, retention and the register, from the server's shell.

- `relais privacy export --conversation ID | --phone NUMBER [--output FILE]`
- `relais privacy forget --conversation ID | --phone NUMBER`
- `relais privacy purge [--older-than DAYS]`
- `relais privacy incidents [--days N] [--record --occurred … --description … …]`

They act on the installation of the environment (`RELAIS_DATABASE_URL`, the tracker store
of endpoints.yml or `RELAIS_TRACKER_DB`, Rasa at `RELAIS_RASA_URL` when it runs, logs in
`RELAIS_LOG_DIR`, default var/log) and print what they did, store by store.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bot.texts.terminal import say


def _both(key: str) -> str:
    from bot.texts import t

    return f"{t(key, 'fr')} / {t(key, 'en')}"


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("privacy", help=_both("privacy.help.group"))
    commands = group.add_subparsers(dest="privacy_command", metavar="COMMAND", required=True)

    def subject(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--conversation", action="append", default=[], metavar="ID")
        parser.add_argument("--phone", metavar="NUMBER")
        parser.add_argument("--lang", choices=["fr", "en"], default="fr")

    export = commands.add_parser("export", help=_both("privacy.help.export"))
    subject(export)
    export.add_argument("--output", metavar="FILE", help="- : stdout (default)")
    export.set_defaults(handler=_export)

    forget = commands.add_parser("forget", help=_both("privacy.help.forget"))
    subject(forget)
    forget.set_defaults(handler=_forget)

    purge = commands.add_parser("purge", help=_both("privacy.help.purge"))
    purge.add_argument(
        "--older-than", type=float, metavar="DAYS", help=_both("privacy.help.older_than")
    )
    purge.add_argument("--lang", choices=["fr", "en"], default="fr")
    purge.set_defaults(handler=_purge)

    incidents = commands.add_parser("incidents", help=_both("privacy.help.incidents"))
    incidents.add_argument("--days", type=float, default=30.0)
    incidents.add_argument("--record", action="store_true")
    incidents.add_argument("--occurred", default="")
    incidents.add_argument("--description", default="")
    incidents.add_argument("--persons", default="")
    incidents.add_argument("--measures", default="")
    incidents.add_argument("--notified", action="store_true")
    incidents.add_argument("--by", default=os.environ.get("USER") or "cli")
    incidents.add_argument("--lang", choices=["fr", "en"], default="fr")
    incidents.set_defaults(handler=_incidents)


def _office():
    from bot.privacy.log_filter import install_everywhere
    from bot.privacy.service import Privacy
    from bot.settings import get_settings

    install_everywhere()
    log_dir = os.environ.get("RELAIS_LOG_DIR")
    return Privacy(get_settings(), log_dir=Path(log_dir) if log_dir else None)


def _subject(args: argparse.Namespace):
    from bot.channels.sms_privacy import InvalidNumber, normalize_number
    from bot.privacy.service import Subject

    if not args.conversation and not args.phone:
        say(args.lang, "privacy.error.no_subject", error=True)
        return None
    phone = None
    if args.phone:
        try:
            phone = normalize_number(args.phone)
        except InvalidNumber:
            say(args.lang, "privacy.error.bad_phone", error=True)
            return None
    return Subject(tuple(args.conversation), phone)


def _export(args: argparse.Namespace) -> int:
    subject = _subject(args)
    if subject is None:
        return 2
    office = _office()
    try:
        document = office.export(subject)
    finally:
        office.close()
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if not args.output or args.output == "-":
        print(text)
        return 0
    fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    say(args.lang, "privacy.report.exported", path=args.output)
    return 0


def _forget(args: argparse.Namespace) -> int:
    subject = _subject(args)
    if subject is None:
        return 2
    office = _office()
    try:
        report = office.forget(subject)
        days = office.settings.retention.log_days
    finally:
        office.close()
    say(args.lang, "privacy.report.forgotten")
    for line in report.lines(args.lang):
        print(f"  {line}")
    say(args.lang, "privacy.report.logs_note", days=f"{days:g}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    office = _office()
    try:
        policy = office.settings.retention
        if args.older_than is not None:
            policy = policy.everything_older_than(max(0.0, args.older_than))
        report = office.purge(policy)
    finally:
        office.close()
    say(args.lang, "privacy.report.purged")
    for line in report.lines(args.lang):
        print(f"  {line}")
    return 0


def _incidents(args: argparse.Namespace) -> int:
    from bot.privacy import register as reg
    from bot.texts import t

    office = _office()
    lang = args.lang
    try:
        with office.engine.begin() as conn:
            if args.record:
                if not args.description or not args.occurred:
                    print("--occurred, --description", file=sys.stderr)
                    return 2
                number = reg.record_incident(
                    conn, recorded_by=args.by, occurred=args.occurred,
                    description=args.description, persons=args.persons,
                    measures=args.measures, notified=args.notified,
                )  # fmt: skip
                say(lang, "privacy.incidents.recorded", id=number)
            accesses = reg.accesses(conn, since=time.time() - args.days * 86400)
            incidents = reg.incidents(conn)
    finally:
        office.close()
    say(lang, "privacy.incidents.accesses", days=f"{args.days:g}")
    for row in accesses:
        print("  " + t("privacy.incidents.access_line", lang, at=_when(row["at"]),
                       actor=row["actor"], action=row["action"], target=row["target"]))  # fmt: skip
    if not accesses:
        print("  " + t("privacy.incidents.none", lang))
    say(lang, "privacy.incidents.title")
    for row in incidents:
        print("  " + t("privacy.incidents.line", lang, id=row["id"], at=_when(row["recorded_at"]),
                       by=row["recorded_by"], occurred=row["occurred"],
                       description=row["description"], persons=row["persons"] or "-",
                       measures=row["measures"] or "-",
                       notified=t("privacy.yes" if row["notified"] else "privacy.no", lang)))  # fmt: skip
    if not incidents:
        print("  " + t("privacy.incidents.none", lang))
    return 0


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))
