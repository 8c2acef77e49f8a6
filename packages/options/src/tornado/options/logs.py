"""The logging options of a server and the log format they turn on.

``define_logging_options(parser)`` adds ``--logging``, ``--log_to_stderr``,
``--log_file_prefix`` and the rotation settings; after a final parse,
``enable_pretty_logging`` configures the root logger from them.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tornado.options._values import Error

if TYPE_CHECKING:
    from tornado.options import OptionParser

__all__ = ["LogFormatter", "define_logging_options", "enable_pretty_logging"]

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}

# ANSI foreground colours for the level letter and timestamp prefix.
_COLORS = {
    logging.DEBUG: "\033[34m",  # blue
    logging.INFO: "\033[32m",  # green
    logging.WARNING: "\033[33m",  # yellow
    logging.ERROR: "\033[31m",  # red
    logging.CRITICAL: "\033[31m",
}
_RESET = "\033[0m"


class LogFormatter(logging.Formatter):
    """``[I 100910 14:30:00 module:42] message``: short, sortable, one glance per line.

    With ``color=True`` the bracketed prefix is coloured by level; use
    :func:`stream_supports_color` to decide for a stream.
    """

    def __init__(self, color: bool = False, datefmt: str = "%y%m%d %H:%M:%S") -> None:
        super().__init__(datefmt=datefmt)
        self.color = color

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        prefix = f"[{record.levelname[:1]} {self.formatTime(record, self.datefmt)} {record.module}:{record.lineno}]"
        if self.color:
            prefix = _COLORS.get(record.levelno, "") + prefix + _RESET
        lines = [f"{prefix} {message}"]
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            lines.append(record.exc_text)
        if record.stack_info:
            lines.append(self.formatStack(record.stack_info))
        return "\n".join(lines)


def stream_supports_color(stream: TextIO) -> bool:
    """True for a terminal (not a pipe or file) on a platform with ANSI colours."""
    try:
        return bool(stream.isatty()) and sys.platform != "win32"
    except (AttributeError, ValueError):
        return False


def define_logging_options(options: OptionParser | None = None) -> None:
    """Add the logging options to ``options`` (the global parser by default).

    After each final parse of that parser, :func:`enable_pretty_logging` applies them.
    """
    if options is None:
        from tornado.options import options as global_options

        options = global_options
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

    ``options`` is an :class:`OptionParser` with the logging options defined (the global one
    by default) or any object with the same attributes. Handlers added by an earlier call
    are replaced, so reparsing does not duplicate output.
    """
    if options is None:
        from tornado.options import options as global_options

        options = global_options
    if logger is None:
        logger = logging.getLogger()
    level_name = options.logging
    if level_name is None or str(level_name).lower() == "none":
        return
    level = _LEVELS.get(str(level_name).lower())
    if level is None:
        raise Error(f"Option 'logging' must be one of {', '.join([*_LEVELS, 'none'])}, got {level_name!r}")

    handlers: list[logging.Handler] = []
    prefix = options.log_file_prefix
    if prefix:
        mode = options.log_rotate_mode
        if mode == "size":
            handlers.append(
                logging.handlers.RotatingFileHandler(
                    prefix,
                    maxBytes=_non_negative(options, "log_file_max_size"),
                    backupCount=_non_negative(options, "log_file_num_backups"),
                    encoding="utf-8",
                )
            )
        elif mode == "time":
            try:
                handlers.append(
                    logging.handlers.TimedRotatingFileHandler(
                        prefix,
                        when=options.log_rotate_when,
                        interval=_non_negative(options, "log_rotate_interval"),
                        backupCount=_non_negative(options, "log_file_num_backups"),
                        encoding="utf-8",
                    )
                )
            except ValueError as e:
                raise Error(
                    f"Option 'log_rotate_when' is invalid ({options.log_rotate_when!r}): {e}"
                ) from None
        else:
            raise Error(f"Option 'log_rotate_mode' must be 'size' or 'time', got {mode!r}")
        handlers[-1].setFormatter(LogFormatter(color=False))

    own = [h for h in logger.handlers if getattr(h, "_tornado_options", False)]
    for h in own:
        logger.removeHandler(h)
        h.close()

    to_stderr = options.log_to_stderr
    if to_stderr or (to_stderr is None and not logger.handlers and not handlers):
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(LogFormatter(color=stream_supports_color(sys.stderr)))
        handlers.append(stream)

    logger.setLevel(level)
    for h in handlers:
        h._tornado_options = True  # type: ignore[attr-defined]
        logger.addHandler(h)


def _non_negative(options: Any, name: str) -> int:
    value = getattr(options, name)
    if not isinstance(value, int) or value < 0:
        raise Error(f"Option {name!r} must be a non-negative int, got {value!r}")
    return value
