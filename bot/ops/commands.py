"""`relais` subcommands of the assistant area.

Two owners share this file; keep each part in its own section:
- the NLU/training area: `train`, `understand`;
- the dialogue area: `run`, `chat`, `build-domain`.
"""

from __future__ import annotations

import argparse

from bot.texts.terminal import say_both


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to `relais`."""
    register_nlu(subparsers)
    register_dialogue(subparsers)


# --- NLU/training: `relais train`, `relais understand` (owner: NLU, #5) -----------------------


def _train(args: argparse.Namespace) -> int:
    from bot.ops import training
    from bot.texts import t

    nlu_only = True if args.nlu else None
    path = training.ensure_model(force=args.force, nlu_only=nlu_only)
    print(t("nlu.train.ready", args.lang, path=path))
    return 0


def _understand(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from bot.ops import training, understand

    model = Path(args.model) if args.model else training.ensure_model(nlu_only=args.nlu or None)
    if args.jsonl == "-":
        return 1 if understand.run(model, sys.stdin, sys.stdout) and args.strict else 0
    with open(args.jsonl, encoding="utf-8") as source:
        errors = understand.run(model, source, sys.stdout)
    return 1 if errors and args.strict else 0


def register_nlu(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser("train", help=_both("nlu.help.train"))
    train.add_argument("--force", action="store_true", help=_both("nlu.help.force"))
    train.add_argument("--nlu", action="store_true", help=_both("nlu.help.nlu_only"))
    train.add_argument("--lang", choices=["fr", "en"], default="fr")
    train.set_defaults(handler=_train)

    understand = subparsers.add_parser("understand", help=_both("nlu.help.understand"))
    understand.add_argument("--jsonl", required=True, help=_both("nlu.help.jsonl"))
    understand.add_argument("--model", help="models/….tar.gz (default: train if missing or stale)")
    understand.add_argument("--nlu", action="store_true", help=_both("nlu.help.nlu_only"))
    understand.add_argument("--strict", action="store_true", help=_both("nlu.help.strict"))
    understand.set_defaults(handler=_understand)


# --- dialogue: `relais run`, `relais chat`, `relais build-domain` (owner: dialogue, #5) -------


def _both(key: str) -> str:
    from bot.texts import t

    return f"{t(key, 'fr')} / {t(key, 'en')}"


def _run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from bot.dialogue import responses
    from bot.ops import runner
    from bot.settings import Settings

    # the public origin follows --port unless RELAIS_PUBLIC_URL names it
    port = {"RELAIS_WEB_PORT": str(args.port)} if args.port else {}
    if args.instances:
        port["RELAIS_INSTANCES"] = str(args.instances)
    settings = Settings.from_env({**os.environ, **port}).with_secrets()
    runner.refuse_if_exposed(settings)
    runner.refuse_if_unshared(settings)
    say_both("dialogue.run.starting")
    runner.ensure_directory(settings.database_url, say_both)
    responses.write()
    say_both("dialogue.run.training")
    try:
        model = Path(args.model) if args.model else runner.ensure_model()
    except FileNotFoundError:
        say_both("dialogue.run.no_model")
        return 1
    ports = runner.Ports(
        web=args.port or settings.web_port, rasa=args.rasa_port, actions=args.actions_port
    )
    children = runner.build_children(
        settings,
        model,
        ports,
        cors=tuple(args.cors) if args.cors else None,
        instances=runner.instance_ports(ports, settings.instances),
    )
    supervisor = runner.Supervisor(children, say_both)
    web = f"http://{settings.web_host}:{ports.web}/"
    # Law 25: the retention policy on every store, on a schedule (bot/privacy/schedule.py)
    from bot.privacy import schedule
    from bot.privacy.log_filter import install_everywhere

    install_everywhere()
    from dataclasses import replace

    here = replace(settings, rasa_url=f"http://127.0.0.1:{ports.rasa}")
    schedule.start(here, supervisor.log_dir, supervisor.stop_event)
    return supervisor.run(on_ready=lambda: say_both("dialogue.run.ready", web=web))


def _chat(args: argparse.Namespace) -> int:
    import asyncio
    import os
    import uuid

    import aiohttp

    from bot.ops.rasa_client import RasaClient, render
    from bot.settings import get_settings
    from bot.texts import normalize_language, t

    settings = get_settings()
    lang = normalize_language(args.lang or os.environ.get("LC_ALL") or os.environ.get("LANG"))
    url = args.url or settings.rasa_url

    async def loop() -> int:
        sender = f"chat-{uuid.uuid4().hex[:8]}"
        print(t("dialogue.chat.welcome", lang, url=url))
        async with RasaClient(url, settings.rasa_token) as rasa:
            buttons: list[dict[str, str]] = []
            opening = '/change_language{"language": "en"}' if lang == "en" else None
            while True:
                if opening:
                    text, opening = opening, None
                else:
                    try:
                        text = (await asyncio.to_thread(input, "> ")).strip()
                    except (EOFError, KeyboardInterrupt):
                        return 0
                    if text.lower() in {"/quit", "/quitter", "/exit"}:
                        return 0
                    if text.isdigit() and 1 <= int(text) <= len(buttons):
                        text = buttons[int(text) - 1]["payload"]
                if not text:
                    continue
                try:
                    messages = await rasa.send(sender, text)
                except aiohttp.ClientError:
                    print(t("dialogue.chat.unreachable", lang, url=url))
                    return 1
                lines, buttons = render(messages)
                print("\n".join(lines))
                if buttons:
                    print(t("dialogue.chat.choose", lang))

    return asyncio.run(loop())


def _build_domain(args: argparse.Namespace) -> int:
    from bot.dialogue import responses

    print(responses.write())
    return 0


def register_dialogue(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help=_both("dialogue.help.run"))
    run.add_argument("--model", help="models/….tar.gz (default: train if missing or stale)")
    run.add_argument("--port", type=int, default=None, help="web port (RELAIS_WEB_PORT, 8080)")
    run.add_argument("--rasa-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)
    run.add_argument(
        "--instances",
        type=int,
        default=None,
        help="Rasa + action server + web app sets behind HAProxy (RELAIS_INSTANCES, 1)",
    )
    run.add_argument(
        "--cors", nargs="*", help="origins allowed to call Rasa (default: RELAIS_ALLOWED_ORIGINS)"
    )
    run.set_defaults(handler=_run)

    chat = subparsers.add_parser("chat", help=_both("dialogue.help.chat"))
    chat.add_argument("--lang", choices=["fr", "en"], help="default: the terminal's language")
    chat.add_argument("--url", help="Rasa URL (RELAIS_RASA_URL)")
    chat.set_defaults(handler=_chat)

    build = subparsers.add_parser("build-domain", help=_both("dialogue.help.build_domain"))
    build.set_defaults(handler=_build_domain)
