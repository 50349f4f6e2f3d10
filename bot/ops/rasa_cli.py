"""`python -m bot.ops.rasa_cli …`: the `rasa` command, with the HTTP API token taken from the
environment (`RELAIS_RASA_TOKEN`) instead of the command line, where `ps` would show it.

Nothing else differs from plain `rasa`: Relais's runtime extensions come from the project's
`endpoints.yml`, `credentials.yml` and `config.yml`, as they do for `rasa run` at the root.
"""

from __future__ import annotations

import os
import sys


def argv_with_token(argv: list[str], token: str | None) -> list[str]:
    """`argv` plus `--auth-token` when the API is enabled and a token is known."""
    if token and "--enable-api" in argv and "--auth-token" not in argv:
        return [*argv, "--auth-token", token]
    return list(argv)


def main() -> None:
    from rasa.__main__ import main as rasa_main

    from bot.privacy.log_filter import install_everywhere

    install_everywhere()  # Rasa logs what people write (DEBUG, some INFO): redacted first
    sys.argv = ["rasa", *argv_with_token(sys.argv[1:], os.environ.get("RELAIS_RASA_TOKEN"))]
    rasa_main()


if __name__ == "__main__":
    main()
