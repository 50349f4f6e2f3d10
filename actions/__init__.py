"""Custom actions. In the action server, the heavy data is loaded at startup, not on the
first request (see `warmup.py`)."""

from .warmup import start_if_action_server

start_if_action_server()
