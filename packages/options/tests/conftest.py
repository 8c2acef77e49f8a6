"""Shared fixtures: fresh parsers and loggers that tests may reconfigure freely."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator

import pytest
from tornado.options import OptionParser, define_logging_options

_counter = itertools.count()


@pytest.fixture
def parser() -> OptionParser:
    return OptionParser()


@pytest.fixture
def log_parser() -> OptionParser:
    p = OptionParser()
    define_logging_options(p)
    return p


def _close_new_handlers(logger: logging.Logger, keep: list[logging.Handler]) -> None:
    for h in list(logger.handlers):
        if h not in keep:
            logger.removeHandler(h)
            h.close()


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    """A logger of its own, cleaned up afterwards."""
    lg = logging.getLogger(f"tornado_options_test.{next(_counter)}")
    yield lg
    _close_new_handlers(lg, [])


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, with its level and handlers restored after the test."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield root
    _close_new_handlers(root, handlers)
    for h in handlers:
        if h not in root.handlers:
            root.addHandler(h)
    root.setLevel(level)


def handlers_of(logger: logging.Logger) -> list[logging.Handler]:
    """The logger's handlers, minus the capture handlers pytest itself may attach."""
    return [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]


@pytest.fixture
def handlers() -> object:
    return handlers_of
