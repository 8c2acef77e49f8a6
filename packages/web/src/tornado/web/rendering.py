"""Template rendering for RequestHandler, and the glue that lets templates use UI modules.

RequestHandler's ``render``, ``render_string``, ``create_template_loader`` and
``get_template_namespace`` are thin methods over these functions, so they stay the
documented override points while the handler module keeps to the request itself.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any

import tornado.template
from tornado import escape
from tornado.escape import SafeHTML, to_unicode

if TYPE_CHECKING:
    from tornado.web.handler import RequestHandler
    from tornado.web.uimodules import UIModule


def render(handler: RequestHandler, template_name: str, kwargs: dict[str, Any]) -> Awaitable[None]:
    """Render ``template_name`` and finish the response with it, module resources included."""
    html = handler.render_string(template_name, **kwargs)
    if handler._active_modules:
        html = inject_resources(handler, html, handler._active_modules.values())
    return handler.finish(html)


def render_string(handler: RequestHandler, owner: type, template_name: str, kwargs: dict[str, Any]) -> bytes:
    """Render for ``owner`` (the handler's class, or a UIModule class): without a template
    path, templates load from the directory of the file defining ``owner``, else (a class
    of tornado.web's own, like TemplateModule) from the handler's."""
    template_path = handler.get_template_path()
    if not template_path:
        template_path = getattr(owner, "_source_dir", None) or type(handler)._source_dir
        if not template_path:
            raise ValueError(
                f"cannot find the templates of {owner.__qualname__}: its module has no file;"
                " set the 'template_path' setting"
            )
    template = handler.application._get_template(template_path, template_name, handler)
    namespace = handler.get_template_namespace()
    namespace.update(kwargs)
    return template.generate(**namespace)


def create_template_loader(settings: dict[str, Any], template_path: str) -> Any:
    """The ``template_loader`` setting, else a Loader for ``template_path`` with the
    ``autoescape`` and ``template_whitespace`` settings."""
    if settings.get("template_loader") is not None:
        return settings["template_loader"]
    kwargs: dict[str, Any] = {}
    if "autoescape" in settings:
        kwargs["autoescape"] = settings["autoescape"]
    if "template_whitespace" in settings:
        kwargs["whitespace"] = settings["template_whitespace"]
    return tornado.template.Loader(template_path, **kwargs)


def template_namespace(handler: RequestHandler) -> dict[str, Any]:
    """Names every template sees: handler, request, current_user, locale, _, static_url,
    xsrf_form_html, reverse_url, modules and the ``ui_methods``."""
    application = handler.application
    namespace: dict[str, Any] = {
        "handler": handler,
        "request": handler.request,
        "current_user": handler.current_user,
        "locale": handler.locale,
        "_": handler.locale.translate,
        "static_url": handler.static_url,
        "xsrf_form_html": handler.xsrf_form_html,
        "reverse_url": handler.reverse_url,
        "modules": ModuleNamespace(handler, application.ui_modules),
    }
    for name, method in application.ui_methods.items():
        namespace[name] = functools.partial(method, handler)
    return namespace


class ModuleNamespace:
    """The ``modules`` object of templates: ``modules.Entry(...)`` renders module ``Entry``."""

    __slots__ = ("_handler", "_modules")

    def __init__(self, handler: RequestHandler, modules: dict[str, type[UIModule]]) -> None:
        self._handler = handler
        self._modules = modules

    def __getattr__(self, name: str) -> Any:
        try:
            cls = self._modules[name]
        except KeyError:
            raise AttributeError(f"no UI module named {name!r} (see the 'ui_modules' setting)") from None
        handler = self._handler

        def render(*args: Any, **kwargs: Any) -> SafeHTML:
            active = handler._active_modules
            if active is None:
                active = handler._active_modules = {}
            module = active.get(name)
            if module is None:
                module = active[name] = cls(handler)
            result = module.render(*args, **kwargs)
            return SafeHTML(to_unicode(result) if isinstance(result, bytes) else result)

        return render


def _resource_url(handler: RequestHandler, path: str) -> str:
    if path.startswith("/") or "://" in path:
        return path
    return handler.static_url(path)


def inject_resources(handler: RequestHandler, html: bytes, modules: Iterable[UIModule]) -> bytes:
    """Put module CSS/head HTML before </head> and JavaScript/body HTML before </body>, once each."""
    js_embed: list[str] = []
    js_files: list[str] = []
    css_embed: list[str] = []
    css_files: list[str] = []
    head_parts: list[str] = []
    body_parts: list[str] = []

    def add_unique(target: list[str], items: str | Iterable[str] | None) -> None:
        if not items:
            return
        if isinstance(items, (str, bytes)):
            items = [items]
        for item in items:
            item = to_unicode(item)
            if item not in target:
                target.append(item)

    for module in modules:
        add_unique(js_embed, module.embedded_javascript())
        add_unique(js_files, module.javascript_files())
        add_unique(css_embed, module.embedded_css())
        add_unique(css_files, module.css_files())
        add_unique(head_parts, module.html_head())
        add_unique(body_parts, module.html_body())

    head: list[str] = []
    for path in css_files:
        head.append(
            '<link href="'
            + escape.xhtml_escape(_resource_url(handler, path))
            + '" type="text/css" rel="stylesheet"/>'
        )
    if css_embed:
        head.append('<style type="text/css">\n' + "\n".join(css_embed) + "\n</style>")
    head.extend(head_parts)
    body: list[str] = []
    for path in js_files:
        body.append(
            '<script src="'
            + escape.xhtml_escape(_resource_url(handler, path))
            + '" type="text/javascript"></script>'
        )
    if js_embed:
        body.append(
            '<script type="text/javascript">\n//<![CDATA[\n' + "\n".join(js_embed) + "\n//]]>\n</script>"
        )
    body.extend(body_parts)
    if head:
        html = _insert_before(html, b"</head>", "".join(head).encode("utf-8"))
    if body:
        html = _insert_before(html, b"</body>", "".join(body).encode("utf-8"))
    return html


def _insert_before(html: bytes, tag: bytes, content: bytes) -> bytes:
    i = html.rfind(tag)
    if i < 0:
        i = html.lower().rfind(tag)
    if i < 0:
        return html + content
    return html[:i] + content + b"\n" + html[i:]
