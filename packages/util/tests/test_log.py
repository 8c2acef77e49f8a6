"""Tests for tornado.log used alone (tornado.options' tests cover the options side)."""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from tornado.log import (
    LogFormatter,
    access_log,
    app_log,
    define_logging_options,
    enable_pretty_logging,
    gen_log,
)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _record(msg: object = "hi %s", args: tuple = ("there",), level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("x", level, "/src/mod.py", 7, msg, args, None)


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    lg = logging.getLogger("tornado_log_test")
    yield lg
    for h in list(lg.handlers):
        lg.removeHandler(h)
        h.close()


def test_logger_names() -> None:
    assert access_log is logging.getLogger("tornado.access")
    assert app_log is logging.getLogger("tornado.application")
    assert gen_log is logging.getLogger("tornado.general")


def test_default_format() -> None:
    text = LogFormatter().format(_record())
    assert re.match(r"^\[I \d{6} \d\d:\d\d:\d\d mod:7\] hi there$", text), text


def test_custom_format_and_brace_style(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", _Tty())
    fmt = LogFormatter(fmt="{color}{levelname}{end_color}|{message}", style="{", colors={logging.WARNING: 6})
    assert fmt.format(_record(level=logging.WARNING)) == "\033[36mWARNING\033[0m|hi there"
    assert fmt.format(_record(level=logging.INFO)) == "INFO|hi there"  # no colour for that level


def test_color_false_on_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", _Tty())
    assert "\033[" not in LogFormatter(color=False).format(_record())
    assert LogFormatter().format(_record(level=logging.CRITICAL)).startswith("\033[35m[C ")


def test_bytes_and_broken_messages_are_kept() -> None:
    assert LogFormatter().format(_record("caf\xe9".encode("latin-1"), ())).endswith("] caf\ufffd")
    assert LogFormatter().format(_record("caf\u00e9".encode(), ())).endswith("] caf\xe9")
    broken = LogFormatter().format(_record("%d items", ("many",)))
    assert "Bad message" in broken and "%d items" in broken


def test_traceback_lines_are_indented() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        rec = logging.LogRecord("x", logging.ERROR, "m.py", 1, "line one\nline two", (), sys.exc_info())
    lines = LogFormatter().format(rec).split("\n")
    assert lines[0].endswith("] line one")
    assert lines[1] == "    line two"
    assert lines[2] == "    Traceback (most recent call last):"
    assert lines[-1] == "    ValueError: bad"


class _Settings:
    logging = "warning"
    log_to_stderr = None
    log_file_prefix = None


def test_enable_pretty_logging_from_plain_object(logger: logging.Logger) -> None:
    enable_pretty_logging(_Settings(), logger)
    assert logger.level == logging.WARNING
    (handler,) = logger.handlers
    assert isinstance(handler.formatter, LogFormatter)


def test_bad_setting_outside_options_is_value_error(logger: logging.Logger) -> None:
    s = _Settings()
    s.logging = "chatty"
    with pytest.raises(ValueError, match="'logging'.*'chatty'"):
        enable_pretty_logging(s, logger)


def test_define_logging_options_on_any_parser() -> None:
    class Parser:
        def __init__(self) -> None:
            self.defined: dict[str, object] = {}
            self.callbacks: list[object] = []

        def define(self, name: str, default: object = None, **kw: object) -> None:
            self.defined[name] = default

        def add_parse_callback(self, cb: object) -> None:
            self.callbacks.append(cb)

    p = Parser()
    define_logging_options(p)
    assert p.defined["logging"] == "info"
    assert p.defined["log_rotate_mode"] == "size"
    assert len(p.callbacks) == 1


def test_enable_without_arguments_configures_root(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    level, before = root.level, list(root.handlers)
    for h in before:
        root.removeHandler(h)
    try:
        enable_pretty_logging()
        # Defaults (or the global tornado.options values, which default the same): info to stderr.
        assert root.level == logging.INFO
        logging.getLogger("tornado_log_root_test").info("to the root %d", 3)
        assert "to the root 3" in capsys.readouterr().err
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
            h.close()
        for h in before:
            root.addHandler(h)
        root.setLevel(level)
