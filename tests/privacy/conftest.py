"""Fixtures of the privacy tests: their own stack (tests/privacy/privacy_support.py), the
same on a PostgreSQL database of its own, and, for the browser tests, the widget area's
Debian Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.ops.stack import Stack
from tests.pg import fresh_database
from tests.privacy.privacy_support import PRIVACY_STACK
from tests.widget.conftest import browser, context_factory  # noqa: F401


@pytest.fixture(scope="session")
def privacy_stack(stacks) -> Stack:
    return stacks.get(PRIVACY_STACK)


@pytest.fixture
def postgres_privacy_stack(stacks) -> Iterator[Stack]:
    """The privacy stack with the application's tables and Rasa's tracker store in a new
    PostgreSQL database, stopped (so that one stack runs at a time) and dropped after."""
    with fresh_database("relais_privacy") as url:
        options = replace(PRIVACY_STACK, database_url=url)
        try:
            yield stacks.get(options)
        finally:
            stacks.release(options)
