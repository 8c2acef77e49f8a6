"""The Application's rule router: tornado.routing's, with RequestHandler classes as targets.

``URLSpec``/``url`` are tornado.routing's; this module adds what only an Application knows:
a rule may name a RequestHandler class (run through ``Application.get_handler_delegate``)
or a list of rules (a nested router), and literal paths that lead straight to a handler
class are offered to the dispatcher for its dict lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tornado.httputil import HTTPMessageDelegate, HTTPServerConnectionDelegate, HTTPServerRequest
from tornado.routing import ReversibleRuleRouter, Rule, URLSpec

if TYPE_CHECKING:
    from tornado.web.application import Application

__all__ = ["URLSpec", "url", "ApplicationRouter", "is_handler_class"]

url = URLSpec


def is_handler_class(target: Any) -> bool:
    from tornado.web.handler import RequestHandler

    return isinstance(target, type) and issubclass(target, RequestHandler)


class ApplicationRouter(ReversibleRuleRouter):
    """Routes for one Application (its wildcard rules, a virtual host's, or a nested list)."""

    def __init__(self, application: Application, rules: Sequence[Any] | None = None) -> None:
        self.application = application
        self._handler_routes: dict[str, Rule] = {}
        self._handler_routes_of: object = None
        super().__init__(rules)

    def process_rule(self, rule: Rule) -> Rule:
        rule = super().process_rule(rule)
        target = rule.target
        if isinstance(target, (list, tuple)):
            rule.target = ApplicationRouter(self.application, target)
        elif not (
            is_handler_class(target) or isinstance(target, HTTPServerConnectionDelegate) or callable(target)
        ):
            raise TypeError(
                f"handler for {rule.matcher!r} must be a RequestHandler class, a router or a callable,"
                f" got {target!r}"
            )
        return rule

    def get_target_delegate(
        self, target: Any, request: HTTPServerRequest, **target_params: Any
    ) -> HTTPMessageDelegate | None:
        if is_handler_class(target):
            return self.application.get_handler_delegate(request, target, **target_params)
        return super().get_target_delegate(target, request, **target_params)

    def handler_routes(self) -> dict[str, Rule]:
        """Literal path -> rule, for paths served by a RequestHandler class with no earlier
        rule able to claim them: the dispatcher's dict lookup."""
        if self._index_len == len(self.rules) and self._handler_routes_of is self._direct:
            return self._handler_routes  # unchanged since last time: no further calls
        direct = self.direct_rules()
        if direct is not self._handler_routes_of:
            self._handler_routes = {p: r for p, r in direct.items() if is_handler_class(r.target)}
            self._handler_routes_of = direct
        return self._handler_routes
