"""The OpenAPI document tells the truth (issue 15): generated calls of every operation of the
RUNNING web app, checked against `/api/v1/openapi.json` (tests/web/openapi_checks.py says
which checks, and why not schemathesis itself)."""

from __future__ import annotations

import pytest
import requests

from bot.ops.stack import Stack
from tests.stacks import WEB_ALONE
from tests.web.openapi_checks import Client, operations, run

pytestmark = [pytest.mark.integration]

EXAMPLES = 20
"""Generated calls per operation and direction: about 300 calls, well under a minute."""


@pytest.fixture(scope="module")
def web(stacks) -> Stack:  # type: ignore[no-untyped-def]
    return stacks.get(WEB_ALONE)


def test_every_operation_conforms(web: Stack) -> None:
    document = requests.get(f"{web.web_url}/api/v1/openapi.json", timeout=30).json()
    client = Client(web.web_url, document)
    for operation in operations(document):
        run(client, operation, EXAMPLES)
    assert client.calls > 100
    assert client.failures == [], "\n".join(client.failures[:30])


def test_widened_is_documented_as_the_object_it_is(web: Stack) -> None:
    """A search far from any service widens: the answer still validates."""
    document = requests.get(f"{web.web_url}/api/v1/openapi.json", timeout=30).json()
    client = Client(web.web_url, document)
    search = next(op for op in operations(document) if op.path == "/api/v1/services")
    values = {"need": "gambling", "lat": 48.4, "lon": -71.0, "lang": "en"}  # Saguenay
    response = client.call(search, values)
    assert response.status_code == 200
    assert isinstance(response.json()["widened"], dict)
    client.conformance(search, values, response)
    assert client.failures == []
