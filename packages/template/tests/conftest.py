from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tornado.template import Template


@pytest.fixture
def render() -> Callable[..., str]:
    """Compile ``source`` as a Template and return its output as text."""

    def _render(
        source: str, _name: str = "<string>", _template: dict[str, Any] | None = None, **kwargs: Any
    ) -> str:
        return Template(source, name=_name, **(_template or {})).generate(**kwargs).decode("utf-8")

    return _render
