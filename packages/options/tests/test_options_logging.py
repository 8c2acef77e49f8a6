"""Tests for the logging options, enable_pretty_logging and LogFormatter."""

from __future__ import annotations

import io
import logging
import logging.handlers
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from tornado.log import stream_supports_color
from tornado.options import Error, LogFormatter, OptionParser, define_logging_options, enable_pretty_logging


def _record(level: int = logging.INFO, msg: str = "hello %s", args: tuple = ("world",)) -> logging.LogRecord:
    return logging.LogRecord("app", level, "/srv/app/handlers.py", 42, msg, args, None)


def test_logging_options_are_defined(log_parser: OptionParser) -> None:
    assert log_parser.group_dict("logging") == {
        "logging": "info",
        "log_to_stderr": None,
        "log_file_prefix": None,
        "log_file_max_size": 100_000_000,
        "log_file_num_backups": 10,
        "log_rotate_when": "midnight",
        "log_rotate_interval": 1,
        "log_rotate_mode": "size",
    }


def test_define_logging_options_twice_is_an_error(log_parser: OptionParser) -> None:
    with pytest.raises(Error, match="'logging' already defined"):
        define_logging_options(log_parser)


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("debug", logging.DEBUG),
        ("info", logging.INFO),
        ("WARNING", logging.WARNING),
        ("error", logging.ERROR),
    ],
)
def test_level_is_set(log_parser: OptionParser, logger: logging.Logger, name: str, level: int) -> None:
    log_parser.logging = name
    enable_pretty_logging(log_parser, logger)
    assert logger.level == level


def test_none_leaves_logger_alone(
    log_parser: OptionParser,
    logger: logging.Logger,
    handlers: Callable[[logging.Logger], list[logging.Handler]],
) -> None:
    logger.setLevel(logging.CRITICAL)
    log_parser.logging = "none"
    enable_pretty_logging(log_parser, logger)
    assert logger.level == logging.CRITICAL
    assert handlers(logger) == []


def test_bad_level(log_parser: OptionParser, logger: logging.Logger) -> None:
    log_parser.logging = "loud"
    with pytest.raises(Error, match="'logging' must be one of .*'loud'"):
        enable_pretty_logging(log_parser, logger)


def test_stderr_handler_when_nothing_else(
    log_parser: OptionParser,
    logger: logging.Logger,
    capsys: pytest.CaptureFixture[str],
    handlers: Callable[[logging.Logger], list[logging.Handler]],
) -> None:
    enable_pretty_logging(log_parser, logger)
    assert len(handlers(logger)) == 1
    logger.info("to stderr %d", 7)
    assert "to stderr 7" in capsys.readouterr().err


def test_no_stderr_handler_when_logger_has_handlers(
    log_parser: OptionParser,
    logger: logging.Logger,
    handlers: Callable[[logging.Logger], list[logging.Handler]],
) -> None:
    existing = logging.NullHandler()
    logger.addHandler(existing)
    enable_pretty_logging(log_parser, logger)
    assert handlers(logger) == [existing]
    log_parser.log_to_stderr = True
    enable_pretty_logging(log_parser, logger)
    assert len(handlers(logger)) == 2


def test_log_to_stderr_false(
    log_parser: OptionParser,
    logger: logging.Logger,
    handlers: Callable[[logging.Logger], list[logging.Handler]],
) -> None:
    log_parser.log_to_stderr = False
    enable_pretty_logging(log_parser, logger)
    assert handlers(logger) == []
    assert logger.level == logging.INFO


def test_enabling_twice_does_not_duplicate_handlers(
    log_parser: OptionParser,
    logger: logging.Logger,
    handlers: Callable[[logging.Logger], list[logging.Handler]],
) -> None:
    enable_pretty_logging(log_parser, logger)
    enable_pretty_logging(log_parser, logger)
    assert len(handlers(logger)) == 1


def test_size_rotation(
    log_parser: OptionParser,
    logger: logging.Logger,
    tmp_path: Path,
    handlers: Callable[[logging.Logger], list[logging.Handler]],
) -> None:
    prefix = tmp_path / "server.log"
    log_parser.parse_command_line(
        ["prog", f"--log_file_prefix={prefix}", "--log_file_max_size=200", "--log_file_num_backups=2"],
        final=False,
    )
    enable_pretty_logging(log_parser, logger)
    found = handlers(logger)
    assert len(found) == 1  # a log file and no explicit --log_to_stderr: no stderr output
    assert isinstance(found[0], logging.handlers.RotatingFileHandler)
    for i in range(40):
        logger.info("line %03d with some padding to fill the file", i)
    for h in found:
        h.flush()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["server.log", "server.log.1", "server.log.2"]
    assert all(p.stat().st_size <= 200 for p in tmp_path.iterdir())
    last = prefix.read_text()
    assert "line 039" in last
    assert last.startswith("[I ")


def test_time_rotation_handler(
    log_parser: OptionParser,
    logger: logging.Logger,
    tmp_path: Path,
    handlers: Callable[[logging.Logger], list[logging.Handler]],
) -> None:
    prefix = tmp_path / "t.log"
    log_parser.parse_command_line(
        [
            "prog",
            f"--log_file_prefix={prefix}",
            "--log_rotate_mode=time",
            "--log_rotate_when=H",
            "--log_rotate_interval=6",
            "--log_file_num_backups=3",
        ],
        final=False,
    )
    enable_pretty_logging(log_parser, logger)
    (handler,) = handlers(logger)
    assert isinstance(handler, logging.handlers.TimedRotatingFileHandler)
    assert handler.when == "H"
    assert handler.interval == 6 * 3600
    assert handler.backupCount == 3
    logger.warning("timed")
    handler.flush()
    assert "timed" in prefix.read_text()


def test_bad_rotation_settings(
    log_parser: OptionParser,
    logger: logging.Logger,
    tmp_path: Path,
    handlers: Callable[[logging.Logger], list[logging.Handler]],
) -> None:
    log_parser.log_file_prefix = str(tmp_path / "x.log")
    log_parser.log_rotate_mode = "weekly"
    with pytest.raises(Error, match="'log_rotate_mode' must be 'size' or 'time', got 'weekly'"):
        enable_pretty_logging(log_parser, logger)
    log_parser.log_rotate_mode = "time"
    log_parser.log_rotate_when = "fortnight"
    with pytest.raises(Error, match="'log_rotate_when'.*'fortnight'"):
        enable_pretty_logging(log_parser, logger)
    log_parser.log_rotate_mode = "size"
    log_parser.log_file_num_backups = -1
    with pytest.raises(Error, match="'log_file_num_backups' must be a non-negative int"):
        enable_pretty_logging(log_parser, logger)
    assert handlers(logger) == []


def test_log_to_stderr_with_file(
    log_parser: OptionParser,
    logger: logging.Logger,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    handlers: Callable[[logging.Logger], list[logging.Handler]],
) -> None:
    log_parser.parse_command_line(
        ["prog", f"--log_file_prefix={tmp_path / 'a.log'}", "--log_to_stderr"], final=False
    )
    enable_pretty_logging(log_parser, logger)
    logger.error("both places")
    for h in handlers(logger):
        h.flush()
    assert "both places" in capsys.readouterr().err
    assert "both places" in (tmp_path / "a.log").read_text()


def test_final_parse_configures_root_logger(log_parser: OptionParser, root_logger: logging.Logger) -> None:
    log_parser.parse_command_line(["prog", "--logging=warning", "--log_to_stderr=false"])
    assert root_logger.level == logging.WARNING
    log_parser.parse_command_line(["prog", "--logging=debug"], final=False)
    assert root_logger.level == logging.WARNING


def test_enable_accepts_any_object_with_the_attributes(logger: logging.Logger) -> None:
    class Settings:
        logging = "error"
        log_to_stderr = False
        log_file_prefix = None

    enable_pretty_logging(Settings(), logger)
    assert logger.level == logging.ERROR


# -- formatter --------------------------------------------------------------------


def test_formatter_prefix() -> None:
    text = LogFormatter().format(_record())
    assert text.startswith("[I ")
    assert text.endswith(" handlers:42] hello world")
    assert "\033[" not in text


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.skipif(sys.platform == "win32", reason="ANSI colours are not used on Windows")
def test_formatter_color_by_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", _Tty())
    fmt = LogFormatter(color=True)
    info = fmt.format(_record(logging.INFO))
    error = fmt.format(_record(logging.ERROR))
    assert info.startswith("\033[32m[I ") and "\033[0m hello world" in info
    assert error.startswith("\033[31m[E ")


def test_formatter_includes_exception() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("app", logging.ERROR, "x.py", 1, "failed", (), sys.exc_info())
    text = LogFormatter().format(record)
    assert text.splitlines()[0].endswith("] failed")
    assert "Traceback" in text and "RuntimeError: boom" in text


def test_formatter_without_terminal_has_no_color() -> None:
    # color=True asks for colours where the terminal supports them; a pipe or file gets none.
    assert "\033[" not in LogFormatter(color=True).format(_record(logging.ERROR))


def test_stream_supports_color() -> None:
    assert stream_supports_color(io.StringIO()) is False
    assert stream_supports_color(_Tty()) is (sys.platform != "win32")
