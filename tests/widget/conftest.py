"""Fixtures of the widget tests: the real web app (a child process, as `relais run` starts it),
the real stack (action server + Rasa + web app, for the conversation tests) and Debian's
Chromium driven by Playwright.

- `web_alone`: the web app with Rasa pointed at a closed port (rendering, a11y, XSS, exit);
- `stack`: action server, Rasa (with the Relais hook) and the web app on free ports, on the
  demo directory in a temporary SQLite database. The model is `RELAIS_TEST_MODEL` or the NLU
  area's cached one (`bot.assistant.training.ensure_model()`); without either it skips.
- `browser`: one headless Chromium (never a downloaded one) per module; module-scoped because
  sync Playwright holds an event loop that the async (aiohttp) tests must not meet.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from widget_browser import CHROMIUM, CHROMIUM_ARGS, free_port

from bot.assistant import runner
from bot.settings import get_settings


@dataclass
class WebApp:
    url: str
    rasa_url: str
    supervisor: runner.Supervisor


def web_child(port: int, rasa_url: str, database_url: str, token: str) -> runner.Child:
    """The web app as `relais run` starts it, healthy once the widget's boot.json answers."""
    import sys

    return runner.Child(
        "web",
        [sys.executable, "-m", "bot.assistant.runner", "serve-web"],
        f"http://127.0.0.1:{port}/widget/boot.json",
        {
            "RELAIS_WEB_PORT": str(port),
            "RELAIS_WEB_HOST": "127.0.0.1",
            "RELAIS_RASA_URL": rasa_url,
            "RELAIS_RASA_TOKEN": token,
            "RELAIS_DATABASE_URL": database_url,
        },
        startup_timeout=120.0,
    )


def start(supervisor: runner.Supervisor) -> None:
    if not supervisor.start_all():
        logs = {
            c.name: c.log_path.read_text(errors="replace")[-3000:]
            for c in supervisor.children
            if c.log_path and c.log_path.exists()
        }
        supervisor.stop_all()
        pytest.fail(f"the processes did not start: {logs}")


@pytest.fixture(scope="session")
def web_alone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    tmp = tmp_path_factory.mktemp("widget-web")
    port, closed = free_port(), free_port()
    rasa_url = f"http://127.0.0.1:{closed}"
    child = web_child(port, rasa_url, f"sqlite:///{tmp / 'relais.db'}", "widget-token")
    supervisor = runner.Supervisor([child], lambda *a, **k: None, log_dir=tmp / "log")
    start(supervisor)
    try:
        yield WebApp(f"http://127.0.0.1:{port}", rasa_url, supervisor)
    finally:
        supervisor.stop_all()


def trained_model() -> Path:
    if os.environ.get("RELAIS_TEST_MODEL"):
        return Path(os.environ["RELAIS_TEST_MODEL"])
    try:
        from bot.assistant import training
    except ImportError:
        pytest.skip("no model: bot.assistant.training is not there yet and RELAIS_TEST_MODEL unset")
    return Path(training.ensure_model())


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    search = pytest.importorskip("bot.search", reason="the search area is not there yet")
    if not hasattr(search, "search"):
        pytest.skip("bot.search.search is not there yet (the action server needs it)")
    tmp = tmp_path_factory.mktemp("widget-stack")
    database_url = f"sqlite:///{tmp / 'relais.db'}"
    model = trained_model()
    runner.ensure_directory(database_url, lambda *a, **k: None)
    settings = replace(get_settings(), database_url=database_url, rasa_token="widget-e2e-token")
    ports = runner.Ports(web=free_port(), rasa=free_port(), actions=free_port())
    children = runner.build_children(
        settings, model, ports, tracker_db=tmp / "tracker.db", with_web=False
    )
    rasa_url = f"http://127.0.0.1:{ports.rasa}"
    children.append(web_child(ports.web, rasa_url, database_url, settings.rasa_token))
    supervisor = runner.Supervisor(children, lambda *a, **k: None, log_dir=tmp / "log")
    start(supervisor)
    try:
        yield WebApp(f"http://127.0.0.1:{ports.web}", rasa_url, supervisor)
    finally:
        supervisor.stop_all()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (scripts/ensure-system-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
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
        context.close()
