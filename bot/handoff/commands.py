"""`relais counsellor add|list|password|disable|enable`: counsellor accounts of the console.

Roles (`--role`): counsellor (the default), staff, admin (`bot.handoff.roles`). A password
change or `disable` ends every console session of the account at once.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from .store import ROLES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to `relais`."""
    parser = subparsers.add_parser(
        "counsellor", help="comptes des intervenantes / counsellor accounts"
    )
    actions = parser.add_subparsers(dest="counsellor_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="créer un compte / create an account")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--language", choices=["fr", "en"], default="fr")
    add.add_argument("--role", choices=list(ROLES), default="counsellor",
                     help="rôle / role (counsellor, staff, admin)")  # fmt: skip
    add.add_argument("--password-stdin", action="store_true",
                     help="lire le mot de passe sur stdin / read the password from stdin")  # fmt: skip
    add.set_defaults(handler=_add)

    password = actions.add_parser("password", help="changer le mot de passe / change password")
    password.add_argument("email")
    password.add_argument("--password-stdin", action="store_true")
    password.set_defaults(handler=_password)

    listing = actions.add_parser("list", help="lister les comptes / list accounts")
    listing.set_defaults(handler=_list)

    for name, active, words in (("disable", False, "désactiver / disable"),
                                ("enable", True, "réactiver / enable")):  # fmt: skip
        switch = actions.add_parser(name, help=f"{words} (sessions closed)")
        switch.add_argument("email")
        switch.set_defaults(handler=_switch, active=active)


def _read_password(from_stdin: bool, language: str) -> str:
    from bot.texts import t

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(t("handoff.cli.password_prompt", language))
    if getpass.getpass(t("handoff.cli.password_again", language)) != first:
        raise SystemExit(t("handoff.cli.password_mismatch", language))
    return first


def _add(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from bot.texts import t

    from .auth import MIN_PASSWORD_LENGTH, hash_password
    from .escalation import get_store

    password = _read_password(args.password_stdin, args.language)
    if len(password) < MIN_PASSWORD_LENGTH:
        print(t("handoff.cli.password_short", args.language, n=MIN_PASSWORD_LENGTH),
              file=sys.stderr)  # fmt: skip
        return 2

    async def run() -> int:
        store = await get_store()
        try:
            await store.add_counsellor(
                args.email, args.name, hash_password(password), args.language, args.role
            )
        except IntegrityError:
            print(t("handoff.cli.exists", args.language, email=args.email), file=sys.stderr)
            return 1
        finally:
            await store.engine.dispose()
        print(t("handoff.cli.added", args.language, email=args.email.lower(), name=args.name))
        return 0

    return asyncio.run(run())


def _password(args: argparse.Namespace) -> int:
    from bot.texts import t

    from .auth import hash_password
    from .escalation import get_store

    password = _read_password(args.password_stdin, "fr")

    async def run() -> int:
        store = await get_store()
        try:
            changed = await store.set_password(args.email, hash_password(password))
        finally:
            await store.engine.dispose()
        print(t("handoff.cli.password_changed" if changed else "handoff.cli.unknown", "fr",
                email=args.email))  # fmt: skip
        return 0 if changed else 1

    try:
        return asyncio.run(run())
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2


def _list(args: argparse.Namespace) -> int:
    from .escalation import get_store

    async def run() -> int:
        store = await get_store()
        try:
            for row in await store.counsellors():
                state = "" if row["active"] else " (inactive)"
                print(f"{row['email']}\t{row['name']}\t{row['language']}\t{row['role']}{state}")
        finally:
            await store.engine.dispose()
        return 0

    return asyncio.run(run())


def _switch(args: argparse.Namespace) -> int:
    from bot.texts import t

    from .escalation import get_store

    async def run() -> bool:
        store = await get_store()
        try:
            return await store.set_active(args.email, args.active)
        finally:
            await store.engine.dispose()

    changed = asyncio.run(run())
    key = "handoff.cli.enabled" if args.active else "handoff.cli.disabled"
    print(t(key if changed else "handoff.cli.unknown", "fr", email=args.email))
    return 0 if changed else 1
