"""ExpectLog: silence the log lines a test provokes on purpose, and insist they appear."""

from __future__ import annotations

import logging
import re
from types import TracebackType

__all__ = ["ExpectLog"]

# How many non-matching messages a failure quotes to help fix the pattern.
_SHOW_UNMATCHED = 5


class ExpectLog(logging.Filter):
    """Context manager that swallows the records of ``logger`` whose message matches
    ``regex`` (``re.match``, from the start), leaving the others visible.

    ``logger`` is a Logger or a logger name ('' for the root).  With ``required`` (the
    default) leaving the block without a match fails with an AssertionError naming the logger
    and pattern, unless the block raised.  ``level`` (``logging.WARNING``...) matches only
    records of that level and lowers the logger's level for the block if needed.  After the
    block ``matched`` counts the swallowed records and ``logged_stack`` tells whether any of
    them carried a traceback.  Not thread safe.
    """

    def __init__(
        self,
        logger: logging.Logger | str,
        regex: str | re.Pattern[str],
        required: bool = True,
        level: int | None = None,
    ) -> None:
        super().__init__()
        if isinstance(logger, str):
            logger = logging.getLogger(logger) if logger else logging.getLogger()
        elif not isinstance(logger, logging.Logger):
            raise TypeError(
                f"ExpectLog logger must be a logging.Logger or a name, not {type(logger).__name__}"
            )
        if isinstance(regex, str):
            try:
                pattern = re.compile(regex)
            except re.error as e:
                raise ValueError(
                    f"ExpectLog regex {regex!r} is not a valid regular expression: {e}"
                ) from None
        elif isinstance(regex, re.Pattern):
            pattern = regex
        else:
            raise TypeError(f"ExpectLog regex must be a str or compiled pattern, not {type(regex).__name__}")
        if level is not None and (isinstance(level, bool) or not isinstance(level, int)):
            raise TypeError(f"ExpectLog level must be a logging level such as logging.WARNING, not {level!r}")
        self.logger = logger
        self.regex = pattern
        self.required = required
        self.level = level
        self.matched = 0
        self.logged_stack = False
        self._unmatched: list[str] = []
        self._saved_level: int | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            self.logged_stack = True
        message = record.getMessage()
        if self.regex.match(message) and (self.level is None or record.levelno == self.level):
            self.matched += 1
            return False
        if len(self._unmatched) < _SHOW_UNMATCHED:
            self._unmatched.append(f"{record.levelname} {message[:200]!r}")
        return True

    def __enter__(self) -> ExpectLog:
        if self.level is not None and self.logger.getEffectiveLevel() > self.level:
            self._saved_level = self.logger.level
            self.logger.setLevel(self.level)
        self.logger.addFilter(self)
        return self

    def __exit__(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.logger.removeFilter(self)
        if self._saved_level is not None:
            self.logger.setLevel(self._saved_level)
            self._saved_level = None
        if typ is None and self.required and not self.matched:
            raise AssertionError(self._failure_message())

    def _failure_message(self) -> str:
        name = repr(self.logger.name) if self.logger is not logging.getLogger() else "'' (the root logger)"
        level = f" at level {logging.getLevelName(self.level)}" if self.level is not None else ""
        message = f"ExpectLog: did not get expected log message: nothing logged on {name}{level} matched {self.regex.pattern!r}"
        if self._unmatched:
            message += "; it logged instead: " + ", ".join(self._unmatched)
        return message

    def __repr__(self) -> str:
        return f"ExpectLog({self.logger.name!r}, {self.regex.pattern!r}, matched={self.matched})"
