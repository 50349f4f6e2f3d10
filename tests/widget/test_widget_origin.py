"""The widget served from another host name: a second web app bound to 127.0.0.2 (its own
public origin) in front of the shared stack's Rasa, driven in Chromium. The widget must talk
to Rasa's channels through the origin that served it (bot/web/rasa_proxy.py), never to Rasa's
port, which listens on 127.0.0.1 only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.ops import runner
from bot.ops.stack import Stack, free_port
from bot.settings import get_settings
from tests.widget.test_widget_stack import W, open_page, open_widget, send, transport_mode

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HOST = "127.0.0.2"


@pytest.fixture(scope="module")
def other_host(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web app on 127.0.0.2 (public origin http://127.0.0.2:<port>), Rasa of `stack`."""
    port = free_port(HOST)
    origin = f"http://{HOST}:{port}"
    settings = replace(
        get_settings(),
        database_url=stack.database_url,
        rasa_token=stack.token,
        secret_key=stack.options.secret_key,
        web_host=HOST,
        public_url=origin,
        allowed_origins=(origin,),
    )
    ports = runner.Ports(web=port, rasa=stack.ports.rasa, actions=stack.ports.actions)
    child = runner.web_child(settings, ports, stack.folder / "tracker.db")
    child.env.update({k: v for k, v in stack.env.items() if k != "RELAIS_PUBLIC_URL"})
    child.env.update(RELAIS_PUBLIC_URL=origin, RELAIS_ALLOWED_ORIGINS=origin)
    log_dir: Path = tmp_path_factory.mktemp("web-127.0.0.2")
    child.start(log_dir)
    try:
        assert runner.wait_healthy(child, threading.Event()), (log_dir / "web.log").read_text()
        yield origin
    finally:
        child.stop()


def test_widget_talks_through_the_origin_that_served_it(
    context_factory: Any, other_host: str
) -> None:
    context = context_factory(viewport={"width": 1280, "height": 800})
    page = open_page(context, other_host + "/")
    open_widget(page)
    assert transport_mode(page) == "socketio"
    assert page.evaluate("window.Relais211.widget.transport.socketUrl") == other_host
    send(page, "j'ai besoin de nourriture, j'habite à Laval")
    page.locator(f"{W} .r211-card").first.wait_for()
    engine = "window.Relais211.widget.transport.socket.io.engine"
    assert page.evaluate(f"{engine}.transport.name") == "websocket"
    assert page.evaluate(f"{engine}.hostname") == HOST
