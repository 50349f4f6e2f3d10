"""Fixtures of the privacy tests: their own stack (tests/privacy/privacy_support.py) and, for
the browser tests, the widget area's Debian Chromium."""

from __future__ import annotations

import pytest

from bot.ops.stack import Stack
from tests.privacy.privacy_support import PRIVACY_STACK
from tests.widget.conftest import browser, context_factory  # noqa: F401


@pytest.fixture(scope="session")
def privacy_stack(stacks) -> Stack:
    return stacks.get(PRIVACY_STACK)
