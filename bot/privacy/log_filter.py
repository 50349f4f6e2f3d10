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


SANIC_LOGGERS: tuple[str, ...] = ("sanic.root", "sanic.error", "sanic.access", "sanic.server")
"""Sanic's loggers have handlers of their own and do not propagate to the root logger."""

_PREVIOUS_FACTORY: list[object] = []


def _redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
    previous = _PREVIOUS_FACTORY[0]
    record = previous(*args, **kwargs)  # type: ignore[operator]
    _FILTER.filter(record)
    return record


def install_everywhere() -> None:
    """Redact every record this process creates, whatever logger, handler or configuration
    writes it: the record factory redacts each record as it is made (only records of an
    enabled level are made, so a DEBUG record costs nothing at INFO), so a handler added
    later (Sanic's, Rasa's `--log-file`, a `dictConfig`) and a logger that does not
    propagate are covered too. The handlers of the root logger and of Sanic's loggers get
    the filter as well. Each process calls it once at start (web app, action server, Rasa,
    the `relais` CLI); calling it again is harmless."""
    if not _PREVIOUS_FACTORY:
        _PREVIOUS_FACTORY.append(logging.getLogRecordFactory())
        logging.setLogRecordFactory(_redacting_factory)
    install()
    for name in SANIC_LOGGERS:
        install(name)
