"""ExpectLog: matched records are swallowed, others pass, a required match that never came fails."""

from __future__ import annotations

import logging
import re

import pytest
from tornado.testing import ExpectLog

log = logging.getLogger("tornado.testing.sample")


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records]


def test_matching_records_are_swallowed_and_others_pass(caplog: pytest.LogCaptureFixture) -> None:
    with ExpectLog(log, "expected .* here") as expect:
        log.warning("expected noise here")
        log.warning("something else")
        log.error("expected %s here", "formatting")
    assert messages(caplog) == ["something else"]
    assert expect.matched == 2


def test_the_pattern_matches_from_the_start_of_the_message(caplog: pytest.LogCaptureFixture) -> None:
    with ExpectLog(log, "noise", required=False) as expect:
        log.warning("some noise")
    assert expect.matched == 0
    assert messages(caplog) == ["some noise"]


def test_a_logger_name_and_a_compiled_pattern(caplog: pytest.LogCaptureFixture) -> None:
    with ExpectLog("tornado.testing.sample", re.compile("by name")):
        log.warning("by name")
    assert messages(caplog) == []


def test_an_empty_name_is_the_root_logger(caplog: pytest.LogCaptureFixture) -> None:
    with ExpectLog("", "at the root"):
        logging.getLogger().warning("at the root")
    assert messages(caplog) == []


def test_required_and_unmatched_fails_naming_logger_pattern_and_what_came() -> None:
    with pytest.raises(AssertionError) as caught:
        with ExpectLog(log, "Uncaught exception"):
            log.warning("an unrelated line")
    text = str(caught.value)
    assert "did not get expected log message" in text
    assert "'tornado.testing.sample'" in text and "'Uncaught exception'" in text
    assert "an unrelated line" in text


def test_not_required_unmatched_is_fine() -> None:
    with ExpectLog(log, "never logged", required=False) as expect:
        pass
    assert expect.matched == 0


def test_an_exception_in_the_block_is_not_hidden_by_the_missing_match() -> None:
    with pytest.raises(KeyError):
        with ExpectLog(log, "never logged"):
            raise KeyError("the real problem")


def test_logged_stack_tells_whether_a_traceback_was_logged() -> None:
    with ExpectLog(log, "plain") as plain:
        log.warning("plain")
    assert not plain.logged_stack
    with ExpectLog(log, "with trace") as traced:
        try:
            raise ZeroDivisionError("traced")
        except ZeroDivisionError:
            log.exception("with trace")
    assert traced.logged_stack


def test_level_matches_only_that_level(caplog: pytest.LogCaptureFixture) -> None:
    with ExpectLog(log, "msg", level=logging.ERROR) as expect:
        log.warning("msg at warning")
        log.error("msg at error")
    assert expect.matched == 1
    assert messages(caplog) == ["msg at warning"]


def test_level_lowers_the_logger_level_for_the_block_only() -> None:
    log.setLevel(logging.WARNING)
    try:
        with ExpectLog(log, "details", level=logging.DEBUG) as expect:
            assert log.isEnabledFor(logging.DEBUG)
            log.debug("details of the operation")
        assert expect.matched == 1
        assert log.level == logging.WARNING
    finally:
        log.setLevel(logging.NOTSET)


def test_the_filter_is_removed_after_the_block(caplog: pytest.LogCaptureFixture) -> None:
    with ExpectLog(log, "gone"):
        log.warning("gone")
    log.warning("gone again")
    assert messages(caplog) == ["gone again"]
    assert log.filters == []


def test_level_names_the_level_in_the_failure() -> None:
    with pytest.raises(AssertionError, match="at level WARNING"):
        with ExpectLog(log, "x", level=logging.WARNING):
            pass


def test_bad_arguments_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="logger must be a logging.Logger or a name"):
        ExpectLog(42, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"regex '\(' is not a valid regular expression"):
        ExpectLog(log, "(")
    with pytest.raises(TypeError, match="regex must be a str or compiled pattern"):
        ExpectLog(log, b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="level must be a logging level"):
        ExpectLog(log, "x", level="WARNING")  # type: ignore[arg-type]
