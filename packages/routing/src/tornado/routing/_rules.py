"""Routers and rules: which delegate serves a request."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any, Union

from tornado.httputil import HTTPMessageDelegate, HTTPServerConnectionDelegate, HTTPServerRequest
from tornado.util import import_object

from ._delegates import CallableAdapter, RoutingDelegate
from ._matchers import Matcher, PathMatches

app_log = logging.getLogger("tornado.application")

__all__ = ["Router", "ReversibleRouter", "RuleRouter", "ReversibleRuleRouter", "Rule", "URLSpec"]


class Router(HTTPServerConnectionDelegate):
    """Finds the :class:`~tornado.httputil.HTTPMessageDelegate` for each request.

    A router is an HTTPServerConnectionDelegate, so ``HTTPServer(router)`` serves it.
    """

    def find_handler(self, request: HTTPServerRequest, **kwargs: Any) -> HTTPMessageDelegate | None:
        """The delegate for ``request``, or None when this router has none (404)."""
        raise NotImplementedError()

    def start_request(self, server_conn: object, request_conn: Any) -> HTTPMessageDelegate:
        return RoutingDelegate(self, server_conn, request_conn)


class ReversibleRouter(Router):
    """A router that can build the URL of a named rule."""

    def reverse_url(self, name: str, *args: Any) -> str | None:
        """The URL of rule ``name`` with ``args`` filled in, or None when unknown here."""
        raise NotImplementedError()


class Rule:
    """A matcher and the target it routes to: a router, an Application, an
    HTTPServerConnectionDelegate, a callable (or a RequestHandler class, in an Application).

    ``target`` may be given as a dotted name; ``target_kwargs`` go to the target (a
    handler's ``initialize``); ``name`` makes the rule reversible by ``reverse_url``.
    """

    def __init__(
        self,
        matcher: Matcher,
        target: Any,
        target_kwargs: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        if not isinstance(matcher, Matcher):
            raise TypeError(f"a rule's matcher must be a Matcher, got {matcher!r}")
        if isinstance(target, str):
            target = import_object(target)
        if target_kwargs is not None and not isinstance(target_kwargs, dict):
            raise TypeError(f"a rule's target_kwargs must be a dict, got {target_kwargs!r}")
        self.matcher = matcher
        self.target = target
        self.target_kwargs = target_kwargs if target_kwargs else {}
        self.name = name

    def reverse(self, *args: Any) -> str | None:
        return self.matcher.reverse(*args)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.matcher!r}, {self.target!r}, "
            f"kwargs={self.target_kwargs!r}, name={self.name!r})"
        )


class URLSpec(Rule):
    """A path rule: ``URLSpec(pattern, handler, kwargs=None, name=None)`` (``tornado.web.url``)."""

    def __init__(
        self,
        pattern: Union[str, Any],
        handler: Any,
        kwargs: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        matcher = PathMatches(pattern)
        super().__init__(matcher, handler, kwargs, name)
        self.regex = matcher.regex
        self.handler_class = self.target
        self.kwargs = kwargs if kwargs else {}

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def __repr__(self) -> str:
        target = getattr(self.handler_class, "__name__", self.handler_class)
        return f"{type(self).__name__}({self.regex.pattern!r}, {target}, kwargs={self.kwargs!r}, name={self.name!r})"


RuleSpec = Union[Rule, Sequence[Any]]


class RuleRouter(Router):
    """Tries its rules in order; the first whose matcher matches and whose target yields a
    delegate wins.  Rules whose path is a literal (no regex syntax) are found by a dict
    lookup, still honouring the order (an earlier pattern that matches the path wins)."""

    def __init__(self, rules: Sequence[RuleSpec] | None = None) -> None:
        self.rules: list[Rule] = []
        self._index_len = -1
        self._literal: dict[str, int] = {}
        self._patterns: list[tuple[int, Rule]] = []
        self._direct: dict[str, Rule] = {}
        if rules:
            self.add_rules(rules)

    def add_rules(self, rules: Sequence[RuleSpec]) -> None:
        """Append rules: Rule objects or ``(matcher or path pattern, target[, kwargs[, name]])``."""
        for rule in rules:
            if isinstance(rule, (tuple, list)):
                if not 2 <= len(rule) <= 4:
                    raise ValueError(
                        f"a rule must be (pattern, handler[, kwargs[, name]]) or a Rule, got {rule!r}"
                    )
                if isinstance(rule[0], str):
                    rule = Rule(PathMatches(rule[0]), *rule[1:])
                else:
                    rule = Rule(*rule)
            elif not isinstance(rule, Rule):
                raise TypeError(f"a rule must be a Rule or a tuple, got {rule!r}")
            self.rules.append(self.process_rule(rule))

    def process_rule(self, rule: Rule) -> Rule:
        """Hook to check or change each rule as it is added."""
        return rule

    def find_handler(self, request: HTTPServerRequest, **kwargs: Any) -> HTTPMessageDelegate | None:
        rules = self.rules
        if self._index_len != len(rules):
            self._build_index()
        hit = self._literal.get(request.path) if self._literal else None
        if hit is None:
            for _, rule in self._patterns:
                delegate = self._try(rule, request)
                if delegate is not None:
                    return delegate
            return None
        for index, rule in self._patterns:
            if index > hit:
                break
            delegate = self._try(rule, request)
            if delegate is not None:
                return delegate
        for rule in rules[hit:]:  # the literal rule first, then (if its target declines) the rest
            delegate = self._try(rule, request)
            if delegate is not None:
                return delegate
        return None

    def _try(self, rule: Rule, request: HTTPServerRequest) -> HTTPMessageDelegate | None:
        params = rule.matcher.match(request)
        if params is None:
            return None
        if rule.target_kwargs:
            params["target_kwargs"] = rule.target_kwargs
        return self.get_target_delegate(rule.target, request, **params)

    def _build_index(self) -> None:
        """Literal paths to the first rule that has them; every other rule in order."""
        literal: dict[str, int] = {}
        patterns: list[tuple[int, Rule]] = []
        direct: dict[str, Rule] = {}
        for index, rule in enumerate(self.rules):
            m = rule.matcher
            path = m.literal if type(m) is PathMatches else None
            if path is None:
                patterns.append((index, rule))
            elif path not in literal:
                literal[path] = index
                # Reachable without trying anything else when no earlier rule could claim it.
                if all(
                    type(r.matcher) is PathMatches and r.matcher.regex.match(path) is None
                    for _, r in patterns
                ):
                    direct[path] = rule
        self._literal, self._patterns, self._direct = literal, patterns, direct
        self._index_len = len(self.rules)

    def direct_rules(self) -> dict[str, Rule]:
        """Literal path -> the rule that serves it, for paths no other rule can match first."""
        if self._index_len != len(self.rules):
            self._build_index()
        return self._direct

    def get_target_delegate(
        self, target: Any, request: HTTPServerRequest, **target_params: Any
    ) -> HTTPMessageDelegate | None:
        """The delegate for a matched rule's ``target`` (override to support more kinds)."""
        if isinstance(target, Router):
            return target.find_handler(request, **target_params)
        if isinstance(target, HTTPServerConnectionDelegate):
            return target.start_request(request.server_connection, request.connection)
        if callable(target):
            adapter = CallableAdapter(functools.partial(target, **target_params), request.connection)
            adapter.request = request
            adapter.server_conn = request.server_connection
            return adapter
        return None


class ReversibleRuleRouter(ReversibleRouter, RuleRouter):
    """A rule router whose named rules (and reversible targets) can be reversed."""

    def __init__(self, rules: Sequence[RuleSpec] | None = None) -> None:
        self.named_rules: dict[str, Rule] = {}
        super().__init__(rules)

    def process_rule(self, rule: Rule) -> Rule:
        rule = super().process_rule(rule)
        if rule.name:
            if rule.name in self.named_rules:
                app_log.warning("Multiple handlers named %s; replacing previous value", rule.name)
            self.named_rules[rule.name] = rule
        return rule

    def reverse_url(self, name: str, *args: Any) -> str | None:
        if name in self.named_rules:
            return self.named_rules[name].matcher.reverse(*args)
        for rule in self.rules:
            if isinstance(rule.target, ReversibleRouter):
                url = rule.target.reverse_url(name, *args)
                if url is not None:
                    return url
        return None
