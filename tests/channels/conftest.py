"""Fixtures of this area live in channels_support.py, importable by a unique name
(several areas had a `conftest` module, and `from conftest import` picked whichever came first)."""

from tests.channels.channels_support import *  # noqa: F403
