"""Write Tornado 6's public API, found by introspection, to ``tests/tornado6_api.json``.

``tests/test_tornado6_api.py`` checks our modules against that file, so that code written for
Tornado 6 finds every public name it may use.  The list is taken from a running Tornado 6, never
from its source: ``import``, ``vars()``, ``inspect.signature``.  Run it in a separate venv that
holds real Tornado 6 (and pycurl, for ``tornado.curl_httpclient``), never in ours::

    python3 -m venv /tmp/t6api
    /tmp/t6api/bin/pip install 'tornado>=6.5,<7' pycurl
    /tmp/t6api/bin/python tools/tornado6_api.py tests/tornado6_api.json

What counts as public, per module:

* ``__all__`` when the module defines it;
* otherwise every name not starting with ``_`` that the module defines: classes and functions
  whose ``__module__`` is the module, and plain values (constants, loggers, tables), but not
  imported modules, ``typing`` constructs or ``from __future__`` features;
* plus the aliases Tornado's documentation names (``DOCUMENTED_ALIASES``), which live in
  another module but are documented under this one.

For each class: its bases that are listed here or not Tornado's (the check asks ``issubclass``,
so their members need no second listing), the constructor's parameters (``initialize``'s for a
``Configurable``, whose constructor hands its arguments on), and every public member
(methods with their parameters, properties, class attributes) that the class or one of its
unlisted Tornado bases defines; for the classes in ``INSTANCES``, also the public attributes
of an instance.  Parameters are written as in ``params``' docstring.
"""

from __future__ import annotations
import __future__

import asyncio
import importlib
import inspect
import json
import re
import sys
import types
import typing
from typing import Any

P = inspect.Parameter

# Instance attributes are invisible on the class; these expressions build one instance each (with
# arguments any implementation accepts) so that ``vars()`` shows them.  The test evaluates the same
# expression against our modules, inside a running event loop as here.
INSTANCES = {
    "tornado.locale.Locale": "tornado.locale.Locale.get('en_US')",
    "tornado.locale.CSVLocale": "tornado.locale.CSVLocale('fr_FR', {})",
    "tornado.locale.GettextLocale": "tornado.locale.GettextLocale('fr_FR', __import__('gettext').NullTranslations())",
    "tornado.log.LogFormatter": "tornado.log.LogFormatter()",
    "tornado.template.Template": "tornado.template.Template('{{ x }}')",
    "tornado.template.Loader": "tornado.template.Loader('.')",
    "tornado.template.DictLoader": "tornado.template.DictLoader({'a.html': 'x'})",
    "tornado.ioloop.PeriodicCallback": "tornado.ioloop.PeriodicCallback(lambda: None, 1000)",
    "tornado.gen.WaitIterator": "tornado.gen.WaitIterator()",
    "tornado.httputil.HTTPServerRequest": (
        "tornado.httputil.HTTPServerRequest(start_line=tornado.httputil.RequestStartLine('GET', '/a?b=c', 'HTTP/1.1'),"
        " headers=tornado.httputil.HTTPHeaders(Host='example.com'))"
    ),
    "tornado.httpclient.HTTPRequest": "tornado.httpclient.HTTPRequest('http://127.0.0.1/')",
    "tornado.httpclient.HTTPResponse": (
        "tornado.httpclient.HTTPResponse(tornado.httpclient.HTTPRequest('http://127.0.0.1/'), 200)"
    ),
    "tornado.httpclient.HTTPClientError": "tornado.httpclient.HTTPClientError(599)",
    "tornado.web.Application": "tornado.web.Application()",
    "tornado.web.HTTPError": "tornado.web.HTTPError(404)",
    # A handler needs a request whose connection takes a close callback; nothing else is used.
    "tornado.web.RequestHandler": (
        "tornado.web.RequestHandler(tornado.web.Application(), tornado.httputil.HTTPServerRequest("
        "start_line=tornado.httputil.RequestStartLine('GET', '/', 'HTTP/1.1'),"
        " headers=tornado.httputil.HTTPHeaders(Host='example.com'),"
        " connection=type('Connection', (), {'set_close_callback': lambda self, cb: None, 'context': None})()))"
    ),
    "tornado.routing.Rule": "tornado.routing.Rule(tornado.routing.PathMatches('/x'), tornado.web.RequestHandler)",
    "tornado.routing.URLSpec": "tornado.routing.URLSpec('/x', tornado.web.RequestHandler, name='x')",
    "tornado.routing.PathMatches": "tornado.routing.PathMatches('/x/([0-9]+)')",
    "tornado.tcpserver.TCPServer": "tornado.tcpserver.TCPServer()",
    # Streams are closed at once (closing keeps the attributes) so that no descriptor leaks.
    "tornado.iostream.IOStream": "(lambda s: s.close() or s)(tornado.iostream.IOStream(__import__('socket').socket()))",
    "tornado.iostream.PipeIOStream": (
        "(lambda r, w: __import__('os').close(w) or (lambda s: s.close() or s)(tornado.iostream.PipeIOStream(r)))"
        "(*__import__('os').pipe())"
    ),
}

MODULES = [
    "auth",
    "autoreload",
    "concurrent",
    "curl_httpclient",
    "escape",
    "gen",
    "http1connection",
    "httpclient",
    "httpserver",
    "httputil",
    "ioloop",
    "iostream",
    "locale",
    "locks",
    "log",
    "netutil",
    "options",
    "platform.asyncio",
    "process",
    "queues",
    "routing",
    "simple_httpclient",
    "tcpclient",
    "tcpserver",
    "template",
    "testing",
    "util",
    "web",
    "websocket",
    "wsgi",
]

# Names documented under a module although the object is defined elsewhere.
DOCUMENTED_ALIASES = {
    "tornado.util": ["TimeoutError", "unicode_type", "bytes_type", "basestring_type"],
    "tornado.gen": ["TimeoutError"],
    "tornado.ioloop": ["TimeoutError"],
    "tornado.concurrent": ["Future"],
    "tornado.httpserver": ["HTTPRequest"],
    "tornado.web": ["url", "URLSpec"],
}


def params(obj: Any, drop_first: bool = False) -> list[str] | None:
    """The parameters of ``obj`` as tokens, or None when Python cannot tell (some builtins).

    ``name`` is required, ``name=`` has a default, ``*args``/``**kwargs`` are the catch-alls,
    and, as in a ``def`` line, ``/`` ends the positional-only ones and a bare ``*`` starts the
    keyword-only ones when there is no ``*args``.
    """
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    ps = list(sig.parameters.values())
    if drop_first and ps and ps[0].kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD):
        ps = ps[1:]
    out: list[str] = []
    for i, p in enumerate(ps):
        if p.kind is P.KEYWORD_ONLY and "*" not in out and not any(t.startswith("*") for t in out):
            out.append("*")
        if p.kind is P.VAR_POSITIONAL:
            out.append("*" + p.name)
        elif p.kind is P.VAR_KEYWORD:
            out.append("**" + p.name)
        else:
            out.append(p.name + ("=" if p.default is not P.empty else ""))
        if p.kind is P.POSITIONAL_ONLY and (i + 1 == len(ps) or ps[i + 1].kind is not P.POSITIONAL_ONLY):
            out.append("/")
    return out


def is_tornado(cls: type) -> bool:
    return cls.__module__ == "tornado" or cls.__module__.startswith("tornado.")


def qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def member(raw: Any) -> dict[str, Any]:
    """Describe one entry of a class ``__dict__``."""
    if isinstance(raw, staticmethod):
        return {"kind": "staticmethod", "params": params(raw.__func__)}
    if isinstance(raw, classmethod):
        return {"kind": "classmethod", "params": params(raw.__func__, drop_first=True)}
    if isinstance(raw, property) or inspect.isdatadescriptor(raw):
        return {"kind": "property"}
    if inspect.isfunction(raw):
        return {"kind": "method", "params": params(raw, drop_first=True)}
    if isinstance(raw, type):
        return {"kind": "class"}
    return {"kind": "attribute"}


def describe_class(cls: type, listed: set[type]) -> dict[str, Any]:
    """Members come from ``cls`` and its unlisted tornado bases; a listed base is named instead."""
    members: dict[str, Any] = {}
    bases: list[type] = []
    ignored = (object, typing.Generic, typing.Protocol)
    for klass in cls.__mro__:
        if klass is not cls and (klass in listed or not is_tornado(klass)):
            if klass not in ignored and not any(issubclass(b, klass) for b in bases):
                bases.append(klass)
            continue
        for name, raw in vars(klass).items():
            if not name.startswith("_") and name not in members:
                members[name] = member(raw)
    out: dict[str, Any] = {"kind": "class", "bases": [qualified(b) for b in bases]}
    init = params(cls)
    if init == ["*args", "**kwargs"] and inspect.isfunction(getattr(cls, "initialize", None)):
        # A Configurable: __new__ takes anything and hands it to initialize().
        init = params(cls.initialize, drop_first=True)  # type: ignore[attr-defined]
    if init is not None and init != ["*args", "**kwargs"]:
        out["init"] = init
    out["members"] = dict(sorted(members.items()))
    return out


def describe(obj: Any, listed: set[type]) -> dict[str, Any]:
    if isinstance(obj, type) and is_tornado(obj):
        return describe_class(obj, listed)
    if isinstance(obj, type):  # a documented alias of a stdlib class
        return {"kind": "class", "bases": [qualified(obj)], "members": {}}
    if callable(obj) and (inspect.isfunction(obj) or inspect.isbuiltin(obj) or hasattr(obj, "__wrapped__")):
        return {"kind": "function", "params": params(obj)}
    return {"kind": "value", "type": type(obj).__name__}


def is_public_value(name: str, obj: Any) -> bool:
    if isinstance(obj, (types.ModuleType, __future__._Feature)):
        return False
    if getattr(typing, name, None) is obj or isinstance(obj, typing.TypeVar):
        return False
    return True


def public_names(modname: str, module: types.ModuleType) -> list[str]:
    if hasattr(module, "__all__"):
        return list(module.__all__)
    names = []
    for name, obj in vars(module).items():
        if name.startswith("_"):
            continue
        defined_in = (
            getattr(obj, "__module__", None) if isinstance(obj, type) or inspect.isroutine(obj) else None
        )
        if defined_in is None:
            if is_public_value(name, obj):
                names.append(name)
        elif defined_in == modname:
            names.append(name)
    names.extend(n for n in DOCUMENTED_ALIASES.get(modname, []) if n not in names)
    return names


async def add_instance_attributes(modules: dict[str, dict[str, Any]]) -> None:
    import tornado

    for qualname, expr in INSTANCES.items():
        modname, _, name = qualname.rpartition(".")
        entry = modules[modname][name]
        obj = eval(expr, {"tornado": tornado})
        attrs = sorted(n for n in vars(obj) if not n.startswith("_") and n not in entry["members"])
        entry["instance"] = {"made_by": expr, "attributes": attrs}


def main() -> None:
    import tornado

    api: dict[str, Any] = {
        "tornado_version": tornado.version,
        "python_version": "{}.{}".format(*sys.version_info[:2]),
        "generated_by": "tools/tornado6_api.py (introspection of an installed Tornado)",
        "modules": {},
    }
    found = {}
    for short in MODULES:
        modname = f"tornado.{short}"
        module = importlib.import_module(modname)
        found[modname] = {name: getattr(module, name) for name in public_names(modname, module)}
    listed = {obj for names in found.values() for obj in names.values() if isinstance(obj, type)}
    for modname, names in found.items():
        entries = {name: describe(obj, listed) for name, obj in names.items()}
        api["modules"][modname] = dict(sorted(entries.items()))
    asyncio.run(add_instance_attributes(api["modules"]))
    text = json.dumps(api, indent=1, sort_keys=False)
    # One line per parameter list and per member keeps the file readable and its diffs small.
    text = re.sub(r"\[\n\s*([^\[\]{}]*?)\s*\]", lambda m: "[" + re.sub(r"\n\s*", " ", m.group(1)) + "]", text)
    text = (
        re.sub(r"\{\n\s*([^{}]*?)\s*\}", lambda m: "{" + re.sub(r"\n\s*", " ", m.group(1)) + "}", text) + "\n"
    )
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
