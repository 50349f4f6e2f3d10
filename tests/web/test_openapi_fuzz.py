"""The OpenAPI document tells the truth (issue 15): Schemathesis, with all its checks, calls
every operation of the RUNNING web app as `/api/v1/openapi.json` describes it (valid and
invalid parameters, stateful sequences) and finds nothing.

Schemathesis runs from an environment of its own (`.venv/schemathesis`, installed by
`make install` from tests/tools/schemathesis.txt): it needs a jsonschema newer than Rasa 3.6
allows. The seed is fixed, so a run is repeatable."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft7Validator, RefResolver

from bot.ops.stack import Stack
from bot.settings import ROOT
from tests.stacks import STAFF, WEB_ALONE
from tests.stats.test_stats_e2e import sign_in

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCHEMATHESIS = ROOT / ".venv" / "schemathesis" / "bin" / "schemathesis"
EXAMPLES = 20
"""Generated cases per operation and phase: about a thousand calls, about a minute."""


@pytest.fixture(scope="module")
def web(stacks) -> Stack:  # type: ignore[no-untyped-def]
    """The web app alone, with a staff account (the statistics API needs its token)."""
    return stacks.get(replace(WEB_ALONE, accounts=(STAFF,)))


async def test_schemathesis_with_all_its_checks_finds_nothing(web: Stack, tmp_path: Path) -> None:
    import aiohttp

    assert SCHEMATHESIS.exists(), "make install sets up .venv/schemathesis"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        token = await sign_in(session, web.web_url, STAFF.email, STAFF.password)
        # The first search builds the index (about 10 s on 2 cores): Schemathesis's response
        # time check would time that build, not the API. Cold start belongs to `make bench`.
        first = await session.get(
            f"{web.web_url}/api/v1/services",
            params={"need": "food", "place": "Montréal"},
            timeout=aiohttp.ClientTimeout(total=120),
        )
        assert first.status == 200, await first.text()
    run = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{web.web_url}/api/v1/openapi.json",
         "--checks", "all", "--max-examples", str(EXAMPLES), "--seed", "211",
         "--generation-database", "none", "--no-color",
         "--header", f"Authorization: Bearer {token}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-8000:]
    assert " passed" in report and "Missing authentication" not in report, report[-3000:]


def json_schema(node: Any) -> Any:
    """`{"type": "number", "nullable": true}` → `{"type": ["number", "null"]}`, throughout."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and isinstance(node.get("type"), str):
        converted["type"] = [node["type"], "null"]
    return converted


def test_widened_is_documented_as_the_object_it_is(web: Stack) -> None:
    """A search far from any service widens: the answer still validates."""
    document = requests.get(f"{web.web_url}/api/v1/openapi.json", timeout=30).json()
    answer = requests.get(
        f"{web.web_url}/api/v1/services",
        params={"need": "gambling", "lat": 48.4, "lon": -71.0, "lang": "en"},  # Saguenay
        timeout=30,
    )
    assert answer.status_code == 200
    assert isinstance(answer.json()["widened"], dict)
    schema = document["paths"]["/api/v1/services"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    document = json_schema(document)  # OpenAPI 3.0's `nullable` as JSON Schema says it
    validator = Draft7Validator(json_schema(schema), resolver=RefResolver.from_schema(document))
    assert [error.message for error in validator.iter_errors(answer.json())] == []
