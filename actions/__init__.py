"""Custom actions. In the action server, the heavy data is loaded at startup, not on the
first request (see `warmup.py`)."""

from .warmup import in_action_server, start_if_action_server

if in_action_server():
    from bot.privacy.log_filter import install_everywhere

    install_everywhere()  # Law 25: no message text, number or address in the action server's log
start_if_action_server()
