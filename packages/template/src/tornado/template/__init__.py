"""A simple template system that compiles templates to Python code.

Templates mix text with ``{{ expression }}`` and ``{% statement %}`` tags::

    t = Template("<html>{{ myvalue }}</html>")
    print(t.generate(myvalue="XXX"))

``Loader`` reads templates from a directory and caches the compiled result, which is what
``{% extends %}`` and ``{% include %}`` use to find other templates::

    loader = Loader("/home/btaylor")
    print(loader.load("test.html").generate(myvalue="XXX"))

Syntax (every compound statement is closed by ``{% end %}``):

``{{ expr }}``
    Any Python expression; its value is autoescaped (see below).
``{% if %}`` / ``{% elif %}`` / ``{% else %}``, ``{% for %}``, ``{% while %}``, ``{% with %}``,
``{% try %}`` / ``{% except %}`` / ``{% else %}`` / ``{% finally %}``
    The Python statements of the same name; ``{% break %}`` and ``{% continue %}`` in loops.
``{% set x = y %}``, ``{% import mod %}``, ``{% from mod import name %}``
    Python statements run in the template's function.
``{% extends "base.html" %}``, ``{% block name %}``
    Inheritance: the child's blocks replace the parent's blocks of the same name (any depth).
``{% include "other.html" %}``
    Inlines another template, which sees this template's names.
``{% raw expr %}``, ``{% module expr %}``
    Output without escaping (``module`` is ``raw modules.expr``).
``{% apply func %}...{% end %}``
    Output ``func(rendered body)``.
``{% autoescape name_or_None %}``
    The escaping function for this file.
``{% whitespace all|single|oneline %}``
    Whitespace handling of the literal text that follows.
``{# comment #}``, ``{% comment text %}``
    Dropped.  ``{{!``, ``{%!`` and ``{#!`` output ``{{``, ``{%`` and ``{#``.

Every template can use ``escape`` (``xhtml_escape``), ``xhtml_escape``, ``url_escape``,
``json_encode``, ``squeeze``, ``linkify`` and ``datetime``; keyword arguments to
:meth:`Template.generate` add more names.

Expressions are autoescaped with ``xhtml_escape`` unless the loader, the template or an
``{% autoescape %}`` directive says otherwise; values that are already
:class:`tornado.escape.SafeHTML` pass through unchanged.  The generated Python is visible as
:attr:`Template.code`.
"""

from __future__ import annotations

import builtins
import datetime
import linecache
import os
import posixpath
import threading
import weakref
from collections.abc import Mapping
from types import CodeType, FunctionType, TracebackType
from typing import Any

from tornado.escape import json_encode, linkify, squeeze, url_escape, utf8, xhtml_escape

from ._codegen import FUNC_NAME, CodeWriter, Origin
from ._parse import WHITESPACE_MODES, ParseError, TemplateFile, filter_whitespace, parse
from ._runtime import make_escaper, to_str

__all__ = ["BaseLoader", "DictLoader", "Loader", "ParseError", "Template", "filter_whitespace"]

_DEFAULT_AUTOESCAPE = "xhtml_escape"


class _Unset:
    def __repr__(self) -> str:
        return "<default>"


_UNSET: Any = _Unset()

_BASE_NAMESPACE: dict[str, Any] = {
    "__builtins__": builtins.__dict__,
    "escape": xhtml_escape,
    "xhtml_escape": xhtml_escape,
    "url_escape": url_escape,
    "json_encode": json_encode,
    "squeeze": squeeze,
    "linkify": linkify,
    "datetime": datetime,
    "_tt_utf8": utf8,
    "_tt_str": to_str,
    "_tt_escaper": make_escaper,
}


def _check_autoescape(value: Any, setting: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{setting} must be a function name (str) or None, got {type(value).__name__}")
    if not value.isidentifier():
        raise ValueError(f"{setting} must be the name of a function in the template namespace, got {value!r}")
    return value


def _check_whitespace(value: Any, setting: str) -> str | None:
    if value is None:
        return None
    if value not in WHITESPACE_MODES:
        raise ValueError(f"{setting} must be one of {', '.join(WHITESPACE_MODES)}, got {value!r}")
    return str(value)


class Template:
    """A compiled template; render it with :meth:`generate`.

    ``whitespace`` is ``"all"``, ``"single"`` or ``"oneline"``; by default names ending in
    ``.html`` or ``.js`` use ``"single"`` and others ``"all"`` (``compress_whitespace`` is the
    older boolean spelling).  ``autoescape`` names the escaping function, ``None`` disables it.
    """

    def __init__(
        self,
        template_string: str | bytes,
        name: str = "<string>",
        loader: BaseLoader | None = None,
        compress_whitespace: bool | None = None,
        autoescape: str | None = _UNSET,
        whitespace: str | None = None,
    ) -> None:
        if isinstance(template_string, bytes):
            template_string = template_string.decode("utf-8")
        elif not isinstance(template_string, str):
            raise TypeError(f"template_string must be str or bytes, got {type(template_string).__name__}")
        if not isinstance(name, str):
            raise TypeError(f"template name must be str, got {type(name).__name__}")
        if loader is not None and not isinstance(loader, BaseLoader):
            raise TypeError(f"loader must be a BaseLoader, got {type(loader).__name__}")
        whitespace = _check_whitespace(whitespace, "whitespace")
        if compress_whitespace is not None:
            if whitespace is not None:
                raise ValueError("set whitespace or compress_whitespace, not both")
            whitespace = "single" if compress_whitespace else "all"
        if whitespace is None and loader is not None:
            whitespace = loader.whitespace
        if whitespace is None:
            whitespace = "single" if name.endswith((".html", ".js")) else "all"
        if autoescape is _UNSET:
            autoescape = loader.autoescape if loader is not None else _DEFAULT_AUTOESCAPE
        self.name = name
        self.loader = loader
        self.whitespace: str = whitespace
        self.file: TemplateFile = parse(
            template_string, name, whitespace, _check_autoescape(autoescape, "autoescape")
        )
        self.autoescape = self.file.autoescape
        self.namespace: dict[str, Any] = dict(_BASE_NAMESPACE)
        if loader is not None:
            self.namespace.update(loader.namespace)
        writer = CodeWriter(self._resolve if loader is not None else None)
        self.code, self._origins = writer.generate(self.file)
        self._filename = f"<template {name}>"
        try:
            # The module's code object: executing it in a namespace defines the render function.
            self.compiled: CodeType = compile(self.code, self._filename, "exec")
        except SyntaxError as e:
            where = self._origin(e.lineno or 0)
            raise ParseError(f"invalid Python in template: {e.msg}", where[1], where[2]) from e
        self._code: CodeType = next(
            c for c in self.compiled.co_consts if isinstance(c, CodeType) and c.co_name == FUNC_NAME
        )
        self._register_source()

    def generate(self, **kwargs: Any) -> bytes:
        """Render with ``kwargs`` added to the namespace; returns UTF-8 bytes."""
        namespace = self.namespace.copy()
        namespace.update(kwargs)
        execute = FunctionType(self._code, namespace, FUNC_NAME)
        try:
            result: bytes = execute()
        except Exception as e:
            self._annotate(e)
            raise
        return result

    def __repr__(self) -> str:
        return f"<Template {self.name!r}>"

    # -- compile-time helpers -------------------------------------------------------------

    def _resolve(self, name: str, parent: str, line: int) -> TemplateFile:
        loader = self.loader
        assert loader is not None
        try:
            path = loader.resolve_path(name, parent)
        except (TypeError, ValueError) as e:
            raise ParseError(str(e), parent, line) from e
        if path in loader._loading:
            raise ParseError(f"{name!r} extends or includes itself (cycle through {path!r})", parent, line)
        try:
            return loader.load(path).file
        except ParseError:
            raise
        except (OSError, LookupError, ValueError) as e:
            raise ParseError(f"cannot load template {name!r}: {e}", parent, line) from e

    def _origin(self, lineno: int) -> tuple[str, str, int]:
        if 1 <= lineno <= len(self._origins):
            return self._origins[lineno - 1][-1]
        return ("", self.name, 0)

    def _register_source(self) -> None:
        # Lets tracebacks show the generated line, whose trailing comment names the template line.
        lines = self.code.splitlines(True)
        filename = self._filename
        linecache.cache[filename] = (len(self.code), None, lines, filename)

        def forget() -> None:
            entry = linecache.cache.get(filename)
            if entry is not None and len(entry) == 4 and entry[2] is lines:
                del linecache.cache[filename]

        weakref.finalize(self, forget)

    # -- render-time error reporting ------------------------------------------------------

    def _annotate(self, exc: BaseException) -> None:
        lineno = 0
        tb: TracebackType | None = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code is self._code:
                lineno = tb.tb_lineno
            tb = tb.tb_next
        if not lineno:
            return
        origin: Origin = self._origins[lineno - 1]
        parts = [f"{origin[-1][1]}:{origin[-1][2]}"]
        for inner, outer in zip(reversed(origin[1:]), reversed(origin[:-1]), strict=True):
            how = "included from" if inner[0] == "include" else "in a block placed at"
            parts.append(f"{how} {outer[1]}:{outer[2]}")
        note = "while rendering template " + ", ".join(parts)
        if hasattr(exc, "add_note"):
            exc.add_note(note)
        else:  # Python 3.10: same attribute, shown by tools that know PEP 678
            notes = getattr(exc, "__notes__", None)
            if not isinstance(notes, list):
                notes = []
                exc.__notes__ = notes  # type: ignore[attr-defined]
            notes.append(note)


class BaseLoader:
    """Finds, compiles and caches templates by name; subclasses say where the text comes from.

    ``autoescape``, ``namespace`` and ``whitespace`` apply to every template this loader makes.
    """

    def __init__(
        self,
        autoescape: str | None = _DEFAULT_AUTOESCAPE,
        namespace: Mapping[str, Any] | None = None,
        whitespace: str | None = None,
    ) -> None:
        self.autoescape = _check_autoescape(autoescape, "autoescape")
        if namespace is not None and not isinstance(namespace, Mapping):
            raise TypeError(f"namespace must be a mapping, got {type(namespace).__name__}")
        self.namespace: dict[str, Any] = dict(namespace or {})
        self.whitespace = _check_whitespace(whitespace, "whitespace")
        self.templates: dict[str, Template] = {}
        self.lock = threading.RLock()
        self._loading: set[str] = set()

    def reset(self) -> None:
        """Forget compiled templates so the next load reads and compiles them again."""
        with self.lock:
            self.templates = {}

    def resolve_path(self, name: str, parent_path: str | None = None) -> str:
        """Turn ``name`` (relative to the template ``parent_path``, if any) into a root-relative name.

        Absolute names and names that climb out of the root are refused with ValueError.
        """
        if not isinstance(name, str):
            raise TypeError(f"template name must be str, got {type(name).__name__}")
        if not name or "\x00" in name:
            raise ValueError(f"invalid template name {name!r}")
        if name.startswith(("/", "\\")) or os.path.isabs(name) or posixpath.isabs(name):
            raise ValueError(f"template name {name!r} is absolute; names are relative to the loader root")
        if parent_path and not parent_path.startswith("<"):
            name = posixpath.join(posixpath.dirname(parent_path), name)
        path = posixpath.normpath(name.replace("\\", "/"))
        if path in (".", "..") or path.startswith("../"):
            raise ValueError(f"template path {name!r} is outside the loader root")
        return path

    def load(self, name: str, parent_path: str | None = None) -> Template:
        """Return the compiled template ``name``, compiling it on first use."""
        path = self.resolve_path(name, parent_path)
        with self.lock:
            template = self.templates.get(path)
            if template is None:
                if path in self._loading:
                    raise ParseError(f"template {path!r} extends or includes itself")
                self._loading.add(path)
                try:
                    template = self._create_template(path)
                finally:
                    self._loading.discard(path)
                self.templates[path] = template
            return template

    def _create_template(self, name: str) -> Template:
        raise NotImplementedError("BaseLoader subclasses implement _create_template")


class Loader(BaseLoader):
    """Loads templates from files under ``root_directory``."""

    def __init__(
        self,
        root_directory: str | os.PathLike[str],
        autoescape: str | None = _DEFAULT_AUTOESCAPE,
        namespace: Mapping[str, Any] | None = None,
        whitespace: str | None = None,
    ) -> None:
        super().__init__(autoescape=autoescape, namespace=namespace, whitespace=whitespace)
        if not isinstance(root_directory, (str, os.PathLike)):
            raise TypeError(f"root_directory must be a path, got {type(root_directory).__name__}")
        root = os.path.abspath(os.fspath(root_directory))
        if not os.path.isdir(root):
            raise ValueError(f"root_directory {root!r} is not a directory")
        self.root = root

    def _create_template(self, name: str) -> Template:
        path = os.path.join(self.root, *name.split("/"))
        with open(path, "rb") as f:
            return Template(f.read(), name=name, loader=self)


class DictLoader(BaseLoader):
    """Loads templates from a dict of name to source; handy for tests and small scripts."""

    def __init__(
        self,
        dict: Mapping[str, str | bytes],
        autoescape: str | None = _DEFAULT_AUTOESCAPE,
        namespace: Mapping[str, Any] | None = None,
        whitespace: str | None = None,
    ) -> None:
        super().__init__(autoescape=autoescape, namespace=namespace, whitespace=whitespace)
        if not isinstance(dict, Mapping):
            raise TypeError(
                f"DictLoader needs a mapping of name to template source, got {type(dict).__name__}"
            )
        self.dict = dict

    def _create_template(self, name: str) -> Template:
        if name not in self.dict:
            raise KeyError(f"no template named {name!r} in this DictLoader")
        return Template(self.dict[name], name=name, loader=self)
