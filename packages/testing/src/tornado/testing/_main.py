"""main(): unittest's runner with Tornado-style command line options and log formatting."""

from __future__ import annotations

import sys
import unittest
from typing import Any

__all__ = ["main"]

# (option, help, the unittest.main keyword it sets, the value it sets it to)
_RUNNER_OPTIONS = [
    ("verbose", "show each test as it runs", "verbosity", 2),
    ("quiet", "show only failures", "verbosity", 0),
    ("failfast", "stop at the first failure or error", "failfast", True),
    ("catch", "Ctrl-C waits for the running test, then reports", "catchbreak", True),
    ("buffer", "hide the output of passing tests", "buffer", True),
]

USAGE = (
    "tornado.testing.main: no tests to run; name them (python -m tornado.testing "
    "package.test_module [--verbose]) or define all() returning a suite in the __main__ module"
)


def _define_options(options: Any) -> None:
    for name, text, _, _ in _RUNNER_OPTIONS:
        if name not in options:
            options.define(name, type=bool, default=False, help=text, group="test runner")


def main(**kwargs: Any) -> None:
    """Run tests like ``unittest.main``, with ``tornado.options`` parsing the command line.

    ``python -m tornado.testing pkg.test_mod`` runs that module's tests; a script that defines
    ``all()`` (returning a suite) runs it when given no test names.  Options: ``--verbose``,
    ``--quiet``, ``--failfast``, ``--catch``, ``--buffer`` and the logging ones
    (``--logging=debug``...).  Keyword arguments go to ``unittest.main`` and win over the
    options.  Exits with unittest's status.
    """
    from tornado.options import options, parse_command_line

    _define_options(options)
    names = parse_command_line(sys.argv)
    settings: dict[str, Any] = {}
    for name, _, keyword, value in _RUNNER_OPTIONS:
        if options[name]:
            settings[keyword] = value
    settings.update(kwargs)
    argv = [sys.argv[0], *names]
    if names:
        unittest.main(module=None, argv=argv, **settings)
        return
    main_module = sys.modules.get("__main__")
    if main_module is not None and callable(getattr(main_module, "all", None)):
        unittest.main(module="__main__", defaultTest="all", argv=argv, **settings)
        return
    print(USAGE, file=sys.stderr)
    sys.exit(2)
