"""Reading the processes' logs after a fuzz run (`bot.ops.fuzz`): a traceback answered
politely is not a bug, a websocket closed by the client is counted apart, and every other
traceback is named by its exception so that the benchmark says what went wrong."""

from __future__ import annotations

from bot.ops import fuzz

LOG = """\
2026-12-04 10:00:00 INFO     rasa.core.processor  - a turn
2026-12-04 10:00:01 ERROR    bot.runtime.patches  - action failed, answering with utter_error
Traceback (most recent call last):
  File "x.py", line 1, in f
asyncio.exceptions.TimeoutError
[2026-12-04 10:00:02 +0000] [12] [ERROR] Exception occurred while handling uri: 'ws://h/socket.io/?EIO=4'
Traceback (most recent call last):
  File "sanic/app.py", line 1, in handle_request
sanic.exceptions.ServerError: Invalid response type None (need HTTPResponse)
2026-12-04 10:00:03 ERROR    rasa.core.channels.socketio  - boom
Traceback (most recent call last):
  File "y.py", line 2, in g
KeyError: 'session_id'
2026-12-04 10:00:04 ERROR    rasa.core.channels.socketio  - boom again
Traceback (most recent call last):
  File "y.py", line 2, in g
KeyError: 'session_id'
/site-packages/rasa/shared/utils/io.py:100: UserWarning: Failed to parse arguments
  More info at https://rasa.com/docs/rasa/stories

2026-12-04 10:00:05 INFO     rasa.core.processor  - another turn
"""


def test_tracebacks_are_sorted_by_kind() -> None:
    assert fuzz.log_errors(LOG) == {
        "answered": 1,
        "timeouts": 1,
        "websocket_closed": 1,
        "unhandled": 2,
    }


def test_unhandled_tracebacks_are_named_by_their_exception() -> None:
    assert fuzz.unhandled_kinds(LOG) == {"KeyError: 'session_id'": 2}
    assert fuzz.unhandled_kinds("2026-12-04 10:00:00 INFO fine\n") == {}
