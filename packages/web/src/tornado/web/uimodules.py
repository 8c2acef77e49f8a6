"""UI modules: reusable page components that bring their own CSS and JavaScript."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from tornado.escape import to_unicode
from tornado.web.sourcedirs import class_directory

if TYPE_CHECKING:
    from tornado.web.handler import RequestHandler


class UIModule:
    """A component rendered in templates as ``{{ modules.Name(...) }}``.

    One instance per handler and module name; its resources (CSS, JavaScript, head/body
    HTML) are collected from every module used on a page and included once.
    """

    # Where render_string() finds templates without a template_path: next to the subclass's file.
    _source_dir: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._source_dir = class_directory(cls)

    def __init__(self, handler: RequestHandler) -> None:
        self.handler = handler
        self.request = handler.request
        self.ui = handler.application.ui_modules
        self.locale = handler.locale

    @property
    def current_user(self) -> Any:
        return self.handler.current_user

    def render(self, *args: Any, **kwargs: Any) -> str | bytes:
        """Return the module's HTML."""
        raise NotImplementedError(f"{type(self).__name__} must implement render()")

    def embedded_javascript(self) -> str | None:
        """JavaScript to put in a <script> block before </body>."""
        return None

    def javascript_files(self) -> str | Iterable[str] | None:
        """Script URLs (relative ones go through static_url) to load before </body>."""
        return None

    def embedded_css(self) -> str | None:
        """CSS to put in a <style> block in <head>."""
        return None

    def css_files(self) -> str | Iterable[str] | None:
        """Stylesheet URLs (relative ones go through static_url) to link in <head>."""
        return None

    def html_head(self) -> str | None:
        """HTML to put at the end of <head>."""
        return None

    def html_body(self) -> str | None:
        """HTML to put at the end of <body>."""
        return None

    def render_string(self, path: str, **kwargs: Any) -> bytes:
        """Render a template with the handler's namespace.

        Without a template path it is looked up next to the file defining this UIModule
        subclass (for TemplateModule, next to the handler's).
        """
        return self.handler._render_string_for(type(self), path, kwargs)


class TemplateModule(UIModule):
    """``{{ modules.Template("file.html", **kw) }}``: a template used as a module.

    The template may call ``set_resources(embedded_css=..., javascript_files=...)`` to
    declare resources like a UIModule would.
    """

    def __init__(self, handler: RequestHandler) -> None:
        super().__init__(handler)
        self._resource_list: list[dict[str, Any]] = []
        self._resource_keys: set[tuple[str, str]] = set()

    def render(self, path: str, **kwargs: Any) -> bytes:
        def set_resources(**resources: Any) -> str:
            key = (path, repr(sorted(resources.items())))
            if key not in self._resource_keys:
                unknown = set(resources) - set(_RESOURCE_KINDS)
                if unknown:
                    raise ValueError(f"set_resources() got unknown resource kinds {sorted(unknown)}")
                self._resource_keys.add(key)
                self._resource_list.append(resources)
            return ""

        return self.render_string(path, set_resources=set_resources, **kwargs)

    def _collect(self, kind: str) -> list[Any]:
        return [r[kind] for r in self._resource_list if kind in r]

    def embedded_javascript(self) -> str | None:
        return "\n".join(self._collect("embedded_javascript")) or None

    def javascript_files(self) -> list[str] | None:
        return _flatten(self._collect("javascript_files")) or None

    def embedded_css(self) -> str | None:
        return "\n".join(self._collect("embedded_css")) or None

    def css_files(self) -> list[str] | None:
        return _flatten(self._collect("css_files")) or None

    def html_head(self) -> str | None:
        return "".join(self._collect("html_head")) or None

    def html_body(self) -> str | None:
        return "".join(self._collect("html_body")) or None


_RESOURCE_KINDS = (
    "embedded_javascript",
    "javascript_files",
    "embedded_css",
    "css_files",
    "html_head",
    "html_body",
)


def _flatten(items: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for item in items:
        if isinstance(item, (str, bytes)):
            out.append(to_unicode(item))
        else:
            out.extend(to_unicode(i) for i in item)
    return out


def _collect(
    value: Any, setting: str, exported: Callable[[Any], bool], problem: Callable[[str, Any], str | None]
) -> dict[str, Any]:
    """The ``ui_modules`` / ``ui_methods`` rule: a module's public names that pass ``exported``,
    a dict checked entry by entry (``problem`` names what is wrong), or a list of either."""
    found: dict[str, Any] = {}
    if value is None:
        return found
    if isinstance(value, types.ModuleType):
        for name, obj in vars(value).items():
            if not name.startswith("_") and exported(obj):
                found[name] = obj
    elif isinstance(value, dict):
        for name, obj in value.items():
            message = problem(name, obj)
            if message is not None:
                raise TypeError(message)
            found[name] = obj
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.update(_collect(item, setting, exported, problem))
    else:
        raise TypeError(f"the '{setting}' setting must be a module, dict or list, got {type(value).__name__}")
    return found


def _is_module_class(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, UIModule)


def load_ui_modules(value: Any) -> dict[str, type[UIModule]]:
    """Collect UIModule classes from a module, a dict or a list of either (``ui_modules`` setting)."""
    return _collect(
        value,
        "ui_modules",
        lambda obj: _is_module_class(obj) and obj is not UIModule,
        lambda name, obj: (
            None
            if _is_module_class(obj)
            else f"ui_modules setting: {name!r} is not a UIModule subclass: {obj!r}"
        ),
    )


def load_ui_methods(value: Any) -> dict[str, Any]:
    """Collect template functions from a module, a dict or a list (``ui_methods`` setting).

    Each is called with the handler as first argument, then the template's arguments.
    """
    return _collect(
        value,
        "ui_methods",
        lambda obj: isinstance(obj, types.FunctionType),
        lambda name, obj: None if callable(obj) else f"ui_methods setting: {name!r} is not callable",
    )
