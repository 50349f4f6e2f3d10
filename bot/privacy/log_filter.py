"""A logging filter that redacts every record before any handler writes it.

Filters on a logger do not see the records of its children, but the filters of a handler see
every record the handler writes; so `install()` puts one `PrivacyFilter` on each handler of
the root logger (and on `logging.lastResort`, which writes records that find no handler).
A logger that does not propagate and has handlers of its own (Sanic's `sanic.access`, for
one) needs its own `install(that_logger)`; a handler added after `install()` needs another
call. Calling `install()` again is harmless.
"""

from __future__ import annotations

import logging

from .redact import redact

_TRACEBACK_FORMATTER = logging.Formatter()


class PrivacyFilter(logging.Filter):
    """Renders the record's message, redacts it and stores it back, args gone.

    The traceback (`exc_info`) is rendered to `exc_text` and redacted too, and the exception
    object dropped, so no formatter renders it again from the original (an exception message
    often quotes what the person wrote). A message whose arguments do not fit its format is
    redacted as written, without its arguments, rather than left for logging to print raw.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # the caller's bug; logging would print the raw arguments
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = _TRACEBACK_FORMATTER.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = PrivacyFilter()


def install(logger: logging.Logger | str | None = None) -> PrivacyFilter:
    """Attach the filter to each handler of `logger` (the root logger by default) that has
    none yet; for the root logger, to `logging.lastResort` too. Returns the filter."""
    target = logging.getLogger(logger) if logger is None or isinstance(logger, str) else logger
    handlers = list(target.handlers)
    if target is logging.getLogger() and logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        if not any(isinstance(f, PrivacyFilter) for f in handler.filters):
            handler.addFilter(_FILTER)
    return _FILTER
