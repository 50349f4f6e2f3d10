"""Fixtures of the widget tests: the web app alone (a child process, as `relais run` starts it),
and Debian's Chromium driven by Playwright. The conversation tests use the shared full stack
(`stack`, tests/conftest.py).

- `web_alone`: the web app with no Rasa behind it (rendering, a11y, XSS, exit);
- `browser`: one headless Chromium (never a downloaded one) per module; module-scoped because
  sync Playwright holds an event loop that the async (aiohttp) tests must not meet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.ops.stack import Stack
from tests.browser import launch_options
from tests.stacks import WEB_ALONE


@pytest.fixture(scope="session")
def web_alone(stacks: Any) -> Stack:
    return stacks.get(WEB_ALONE)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    options = launch_options()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**options)
        yield chromium
        chromium.close()


@pytest.fixture
def context_factory(browser: Any) -> Iterator[Any]:
    """`new_context(**options)`: browser contexts closed after the test; neutral site stubbed."""
    contexts: list[Any] = []

    def new_context(**options: Any) -> Any:
        context = browser.new_context(**options)
        context.route(
            "https://www.meteomedia.com/**",
            lambda route: route.fulfill(
                status=200, content_type="text/html", body="<p>neutral</p>"
            ),
        )
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        # a route handler still waiting on a socket.io long poll held closing for 60 s
        context.unroute_all(behavior="ignoreErrors")
        context.close()
