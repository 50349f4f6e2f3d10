"""The logging filter: real loggers and handlers write redacted records only."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator

import pytest

from bot.privacy.log_filter import PrivacyFilter, install

PHONE = "514-555-0199"
SIN = "046 454 286"


@pytest.fixture
def stream_logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of its own (not propagating) with one stream handler."""
    logger = logging.getLogger(f"tests.privacy.{uuid.uuid4().hex}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    yield logger, stream
    logger.removeHandler(handler)


@pytest.fixture
def root_stream() -> Iterator[io.StringIO]:
    """A stream handler on the root logger; the filter is taken off again afterwards."""
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.setLevel(level)
    root.removeHandler(handler)
    for other in [*root.handlers, logging.lastResort]:
        if other is not None:
            for f in [f for f in other.filters if isinstance(f, PrivacyFilter)]:
                other.removeFilter(f)


def test_arguments_are_rendered_then_redacted(stream_logger) -> None:
    logger, stream = stream_logger
    install(logger)
    logger.info("callback to %s, SIN %s, %d children", PHONE, SIN, 2)
    written = stream.getvalue()
    assert PHONE not in written
    assert SIN not in written
    assert "callback to <PHONE>, SIN <SIN>, 2 children" in written


def test_record_holds_the_redacted_message_and_no_arguments(stream_logger) -> None:
    logger, _ = stream_logger
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keeper = Keep()
    logger.addHandler(keeper)
    install(logger)
    logger.warning("user said %r", f"mon code postal H2X 1Y4 et mon tel {PHONE}")
    logger.removeHandler(keeper)
    (record,) = records
    assert record.msg == "user said 'mon code postal H2X <POSTAL> et mon tel <PHONE>'"
    assert record.args == ()
    assert record.getMessage() == record.msg


def test_every_handler_of_the_logger_writes_redacted_text(stream_logger) -> None:
    logger, first = stream_logger
    second = io.StringIO()
    handler = logging.StreamHandler(second)
    logger.addHandler(handler)
    install(logger)
    logger.error("coordinates %s", '{"lat": 45.5017, "lon": -73.5673}')
    logger.removeHandler(handler)
    for stream in (first, second):
        assert "45.5017" not in stream.getvalue()
        assert "<COORDINATES>" in stream.getvalue()


def test_install_is_idempotent(stream_logger) -> None:
    logger, stream = stream_logger
    first = install(logger)
    second = install(logger.name)
    assert first is second
    (handler,) = logger.handlers
    assert sum(isinstance(f, PrivacyFilter) for f in handler.filters) == 1
    logger.info("tel %s", PHONE)
    assert stream.getvalue().count("<PHONE>") == 1


def test_a_traceback_is_redacted_too(stream_logger) -> None:
    logger, stream = stream_logger
    install(logger)
    try:
        raise ValueError(f"not a valid callback number: {PHONE}")
    except ValueError:
        logger.exception("callback failed for %s", "marie@exemple.ca")
    written = stream.getvalue()
    assert PHONE not in written
    assert "marie@exemple.ca" not in written
    assert "ValueError: not a valid callback number: <PHONE>" in written
    assert "Traceback (most recent call last)" in written


def test_stack_info_is_redacted(stream_logger) -> None:
    logger, stream = stream_logger
    install(logger)

    def inner(note: str) -> None:
        logger.info("stack", stack_info=True)

    inner("514-555-0199")  # the stack quotes this line
    written = stream.getvalue()
    assert "Stack (most recent call last)" in written
    assert 'inner("<PHONE>")' in written
    assert PHONE not in written


def test_arguments_that_do_not_fit_the_format_are_not_printed(stream_logger, capsys) -> None:
    logger, stream = stream_logger
    install(logger)
    logger.info("two placeholders %s %s", PHONE)  # one argument short
    assert PHONE not in stream.getvalue()
    assert "two placeholders %s %s" in stream.getvalue()
    assert PHONE not in capsys.readouterr().err


def test_a_message_that_is_not_a_string(stream_logger) -> None:
    logger, stream = stream_logger
    install(logger)
    logger.info({"phone": PHONE, "need": "food"})
    assert stream.getvalue().strip().endswith("{'phone': '<PHONE>', 'need': 'food'}")


def test_install_on_the_root_covers_child_loggers(root_stream) -> None:
    install()
    # a logger of its own: other tests may quiet the `bot` or `rasa` loggers
    child = logging.getLogger(f"relais_privacy_tests.{uuid.uuid4().hex}")
    child.setLevel(logging.INFO)
    child.info("SMS from %s", "+1 438 555 0123")
    assert root_stream.getvalue() == "SMS from <PHONE>\n"


def test_install_on_the_root_covers_the_last_resort_handler(root_stream, capsys) -> None:
    install()
    assert logging.lastResort is not None
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "NAS %s", (SIN,), None)
    logging.lastResort.handle(record)
    err = capsys.readouterr().err
    assert SIN not in err
    assert "NAS <SIN>" in err
