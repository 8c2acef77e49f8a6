"""Routing HTTP requests to the delegates that serve them (Tornado 6's ``tornado.routing``).

A :class:`Router` is an :class:`~tornado.httputil.HTTPServerConnectionDelegate`:
``HTTPServer(router)`` serves it.  :class:`RuleRouter` tries :class:`Rule` objects in order;
each pairs a :class:`Matcher` (:class:`PathMatches`, :class:`HostMatches`,
:class:`AnyMatches`, :class:`DefaultHostMatches`) with a target: another router, a
``tornado.web.Application``, any HTTPServerConnectionDelegate, or a plain callable that
gets the whole request.  ``tornado.web.Application`` is itself a :class:`ReversibleRouter`
built on these rules, where a target may also be a RequestHandler class::

    router = RuleRouter([
        Rule(PathMatches("/app.*"), Application([(r"/app/hello", HelloHandler)])),
        (r"/legacy", legacy_callback),
    ])
    HTTPServer(router).listen(8888)
"""

from __future__ import annotations

from ._delegates import request_for
from ._matchers import AnyMatches, DefaultHostMatches, HostMatches, Matcher, PathMatches
from ._rules import ReversibleRouter, ReversibleRuleRouter, Router, Rule, RuleRouter, URLSpec

__all__ = [
    "Router",
    "ReversibleRouter",
    "RuleRouter",
    "ReversibleRuleRouter",
    "Rule",
    "Matcher",
    "AnyMatches",
    "HostMatches",
    "DefaultHostMatches",
    "PathMatches",
    "URLSpec",
    "request_for",
]
