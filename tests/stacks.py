"""The stacks the end-to-end tests share (`stacks` fixture in tests/conftest.py).

One full stack serves the assistant, SMS, handoff and widget tests: action server, Rasa, web
app, SMS sandbox and a counsellor account, with counsellor hours pinned to an open moment
(`RELAIS_HANDOFF_NOW`: a holiday at 10 h) so that no test depends on the time it runs.
"""

from __future__ import annotations

from bot.ops.stack import Counsellor, StackOptions

COUNSELLOR = Counsellor("julie@example.org", "Julie", "un mot de passe solide")
STAFF = Counsellor("marc@example.org", "Marc", "un autre mot de passe solide", role="staff")
"""A staff account: the statistics dashboard (/console/stats)."""
OPEN_NOW = "2024-06-24T10:00:00-04:00"
"""Saint-Jean-Baptiste, 10 h: counsellors answer (holidays included)."""
CLOSED_NOW = "2024-06-24T22:30:00-04:00"

FULL = StackOptions(
    web=True,
    sms=True,
    counsellor=COUNSELLOR,
    accounts=(STAFF,),
    env=(
        ("RELAIS_HANDOFF_NOW", OPEN_NOW),
        ("RELAIS_HANDOFF_POLL_INTERVAL", "0.2"),
        ("RELAIS_ACTION_TIMEOUT", "30"),
        ("RELAIS_STATS_MIN_COUNT", "1"),  # every count shown: the tests find each conversation
    ),
)
WEB_ALONE = StackOptions(assistant=False, web=True)
"""The web application with no Rasa behind it (rendering, accessibility, refusals)."""
