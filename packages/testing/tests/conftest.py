"""Shared helpers: the tests here run TestCase classes through unittest and inspect the
outcome, since most behaviours under test are how a test fails."""

from __future__ import annotations

import unittest
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest


@dataclass
class Outcome:
    """What unittest made of one test: ``status`` is passed, failed, error or skipped."""

    status: str
    exception: BaseException | None = None
    text: str = ""
    events: list[str] = field(default_factory=list)


class _Result(unittest.TestResult):
    def __init__(self) -> None:
        super().__init__()
        self.outcomes: list[tuple[str, BaseException | None, str]] = []

    def addFailure(self, test: unittest.TestCase, err: tuple) -> None:
        super().addFailure(test, err)
        self.outcomes.append(("failed", err[1], self.failures[-1][1]))

    def addError(self, test: unittest.TestCase, err: tuple) -> None:
        super().addError(test, err)
        self.outcomes.append(("error", err[1], self.errors[-1][1]))


def _run(case: type[unittest.TestCase], name: str) -> Outcome:
    result = _Result()
    case(name).run(result)
    if result.skipped:
        return Outcome("skipped")
    if not result.outcomes:
        return Outcome("passed")
    status, exc, text = result.outcomes[0]
    return Outcome(status, exc, text, [o[0] for o in result.outcomes])


@pytest.fixture
def run_case() -> Callable[[type[unittest.TestCase], str], Outcome]:
    """``run_case(TestCaseClass, "test_name")`` runs that one test and returns its Outcome."""
    return _run
