"""Logging for the stack: the three loggers, the one-line log format, and the logging options.

Tornado logs on three standard-library loggers, configurable independently:

* ``tornado.access`` (:data:`access_log`): one line per request served;
* ``tornado.application`` (:data:`app_log`): uncaught exceptions from application code;
* ``tornado.general`` (:data:`gen_log`): everything else the stack itself reports.

:func:`enable_pretty_logging` configures a logger from the ``--logging`` options, which
:func:`define_logging_options` adds to a ``tornado.options`` parser.  This module does not
import ``tornado.options`` (so it works alone); when that module is installed it is what
``options=None`` means.
"""

from __future__ import annotations

import importlib
import logging
import logging.handlers
import sys
import types
from typing import Any, TextIO

__all__ = [
    "LogFormatter",
    "access_log",
    "app_log",
    "define_logging_options",
    "enable_pretty_logging",
    "gen_log",
    "stream_supports_color",
]

access_log = logging.getLogger("tornado.access")
app_log = logging.getLogger("tornado.application")
gen_log = logging.getLogger("tornado.general")

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}


def stream_supports_color(stream: TextIO) -> bool:
    """True for a terminal (not a pipe or file) on a platform with ANSI colours."""
    try:
        return bool(stream.isatty()) and sys.platform != "win32"
    except (AttributeError, ValueError):
        return False


class LogFormatter(logging.Formatter):
    """``[I 100910 14:30:00 module:42] message``: short, sortable, one glance per line.

    ``fmt`` may use ``%(color)s`` and ``%(end_color)s`` around the part coloured by level;
    ``colors`` maps levels to terminal colour numbers (1 red, 2 green, 3 yellow, 4 blue,
    5 magenta).  With ``color=True`` (the default) colours are used only when standard
    error is a terminal when the formatter is created.  Continuation lines (multi-line
    messages, tracebacks) are indented so each record reads as one block.
    """

    DEFAULT_FORMAT = "%(color)s[%(levelname)1.1s %(asctime)s %(module)s:%(lineno)d]%(end_color)s %(message)s"
    DEFAULT_DATE_FORMAT = "%y%m%d %H:%M:%S"
    DEFAULT_COLORS = {
        logging.DEBUG: 4,
        logging.INFO: 2,
        logging.WARNING: 3,
        logging.ERROR: 1,
        logging.CRITICAL: 5,
    }

    def __init__(
        self,
        fmt: str = DEFAULT_FORMAT,
        datefmt: str = DEFAULT_DATE_FORMAT,
        style: str = "%",
        color: bool = True,
        colors: dict[int, int] = DEFAULT_COLORS,
    ) -> None:
        super().__init__(fmt=fmt, datefmt=datefmt, style=style)  # type: ignore[arg-type]
        self._colors: dict[int, str] = {}
        self._normal = ""
        if color and stream_supports_color(sys.stderr):
            self._colors = {level: f"\033[3{code}m" for level, code in colors.items()}
            self._normal = "\033[0m"

    def format(self, record: logging.LogRecord) -> str:
        try:
            if isinstance(record.msg, bytes) and not record.args:
                message = record.msg.decode("utf-8", "replace")
            else:
                message = record.getMessage()
        except Exception as e:
            # A broken format string or argument must not lose the record.
            message = f"Bad message ({e!r}): {record.__dict__!r}"
        record.message = message
        record.asctime = self.formatTime(record, self.datefmt)
        color = self._colors.get(record.levelno, "")
        record.color = color
        record.end_color = self._normal if color else ""
        formatted = self.formatMessage(record)
        extra = []
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            extra.append(record.exc_text)
        if record.stack_info:
            extra.append(self.formatStack(record.stack_info))
        if extra:
            formatted = "\n".join([formatted.rstrip(), *extra])
        return formatted.replace("\n", "\n    ")


def _global_options() -> Any:
    """``tornado.options.options`` when tornado-options is installed, else None."""
    try:
        return importlib.import_module("tornado.options").options
    except ImportError:
        return None


# What enable_pretty_logging() applies when there is no options parser at all.
_DEFAULTS = types.SimpleNamespace(logging="info", log_to_stderr=None, log_file_prefix=None)


def _setting_error(options: Any, message: str) -> Exception:
    """ValueError, or tornado.options.Error when the settings come from an OptionParser."""
    opts = sys.modules.get("tornado.options")
    parser_class = getattr(opts, "OptionParser", None)
    if opts is not None and parser_class is not None and isinstance(options, parser_class):
        return opts.Error(message)
    return ValueError(message)


def define_logging_options(options: Any = None) -> None:
    """Add ``--logging``, ``--log_to_stderr``, ``--log_file_prefix`` and the rotation settings.

    ``options`` is a ``tornado.options.OptionParser`` (the global one by default, which
    already has them).  After each final parse of that parser, :func:`enable_pretty_logging`
    applies them.
    """
    if options is None:
        options = _global_options()
        if options is None:
            raise TypeError(
                "define_logging_options() needs an OptionParser (tornado-options is not installed)"
            )
    options.define(
        "logging",
        default="info",
        metavar="debug|info|warning|error|none",
        help="minimum level of log messages to show ('none' leaves logging alone)",
        group="logging",
    )
    options.define(
        "log_to_stderr",
        type=bool,
        default=None,
        help="send log output to stderr (on by default when there is no other log destination)",
        group="logging",
    )
    options.define(
        "log_file_prefix",
        type=str,
        default=None,
        metavar="PATH",
        help="path of the log file; rotated ones get suffixes",
        group="logging",
    )
    options.define(
        "log_file_max_size",
        type=int,
        default=100 * 1000 * 1000,
        help="bytes after which the log file is rotated (size rotation)",
        group="logging",
    )
    options.define(
        "log_file_num_backups",
        type=int,
        default=10,
        help="number of rotated log files to keep",
        group="logging",
    )
    options.define(
        "log_rotate_when",
        type=str,
        default="midnight",
        metavar="S|M|H|D|W0-W6|midnight",
        help="unit of --log_rotate_interval (time rotation)",
        group="logging",
    )
    options.define(
        "log_rotate_interval",
        type=int,
        default=1,
        help="how many --log_rotate_when units between rotations (time rotation)",
        group="logging",
    )
    options.define(
        "log_rotate_mode",
        type=str,
        default="size",
        metavar="size|time",
        help="rotate the log file by size or by time",
        group="logging",
    )
    parser = options
    options.add_parse_callback(lambda: enable_pretty_logging(parser))


def enable_pretty_logging(options: Any = None, logger: logging.Logger | None = None) -> None:
    """Configure ``logger`` (the root logger by default) from the logging options.

    ``options`` is an OptionParser with the logging options defined (the global
    ``tornado.options.options`` by default; plain defaults, level info to stderr, without
    tornado-options) or any object with the same attributes.  Handlers added by an earlier
    call are replaced, so reparsing does not duplicate output.  A bad setting raises an
    exception naming it (``tornado.options.Error`` for a parser, else ValueError).
    """
    if options is None:
        options = _global_options()
        if options is None:
            options = _DEFAULTS
    if logger is None:
        logger = logging.getLogger()
    level_name = options.logging
    if level_name is None or str(level_name).lower() == "none":
        return
    level = _LEVELS.get(str(level_name).lower())
    if level is None:
        raise _setting_error(
            options, f"Option 'logging' must be one of {', '.join([*_LEVELS, 'none'])}, got {level_name!r}"
        )

    handlers: list[logging.Handler] = []
    prefix = options.log_file_prefix
    if prefix:
        handlers.append(_file_handler(options, prefix))
        handlers[-1].setFormatter(LogFormatter(color=False))

    own = [h for h in logger.handlers if getattr(h, "_tornado_options", False)]
    for h in own:
        logger.removeHandler(h)
        h.close()

    to_stderr = options.log_to_stderr
    if to_stderr or (to_stderr is None and not logger.handlers and not handlers):
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(LogFormatter())
        handlers.append(stream)

    logger.setLevel(level)
    for h in handlers:
        h._tornado_options = True  # type: ignore[attr-defined]
        logger.addHandler(h)


def _file_handler(options: Any, prefix: str) -> logging.Handler:
    mode = options.log_rotate_mode
    if mode == "size":
        return logging.handlers.RotatingFileHandler(
            prefix,
            maxBytes=_non_negative(options, "log_file_max_size"),
            backupCount=_non_negative(options, "log_file_num_backups"),
            encoding="utf-8",
        )
    if mode == "time":
        try:
            return logging.handlers.TimedRotatingFileHandler(
                prefix,
                when=options.log_rotate_when,
                interval=_non_negative(options, "log_rotate_interval"),
                backupCount=_non_negative(options, "log_file_num_backups"),
                encoding="utf-8",
            )
        except ValueError as e:
            raise _setting_error(
                options, f"Option 'log_rotate_when' is invalid ({options.log_rotate_when!r}): {e}"
            ) from None
    raise _setting_error(options, f"Option 'log_rotate_mode' must be 'size' or 'time', got {mode!r}")


def _non_negative(options: Any, name: str) -> int:
    value = getattr(options, name)
    if not isinstance(value, int) or value < 0:
        raise _setting_error(options, f"Option {name!r} must be a non-negative int, got {value!r}")
    return value
