"""What a handler reads from the request: arguments, cookies, the user, locale and XSRF token.

A mixin of :class:`~tornado.web.handler.RequestHandler`, kept apart so the handler module
stays about the response.
"""

from __future__ import annotations

import datetime
import hmac
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import tornado.locale
from tornado import escape
from tornado.escape import SafeHTML, utf8
from tornado.web import signing
from tornado.web._types import Request
from tornado.web.cookies import cookie_parts, header_value
from tornado.web.errors import HTTPError, MissingArgumentError

if TYPE_CHECKING:
    from tornado.web.application import Application

__all__ = ["RequestInput"]

_ARG_DEFAULT: Any = object()
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f]")
# The same class for bytes: each of its bytes becomes NUL (a lookup, no deletion pass).
_CONTROL_TO_NUL = bytes(0 if b < 0x09 or 0x0E <= b < 0x20 else b for b in range(256))
_LAST = itemgetter(-1)


class RequestInput:
    """Request arguments, cookies, ``current_user``, ``locale`` and XSRF for RequestHandler."""

    application: Application
    request: Request
    _new_cookie: dict[str, str] | None = None  # name -> Set-Cookie value
    _argument_texts: dict[str, tuple[bytes, str]] | None = None

    # -- request arguments -------------------------------------------------------------------

    def get_argument(self, name: str, default: Any = _ARG_DEFAULT, strip: bool = True) -> Any:
        """The last value of query/body argument ``name``; 400 when absent and no default."""
        values = self.request.arguments.get(name)  # _get_argument inlined: the form hot path
        if not values:
            if default is _ARG_DEFAULT:
                raise MissingArgumentError(name)
            return default
        raw = values[-1]
        texts = self._argument_texts
        if texts is None:
            texts = self._argument_texts = self._decode_last_values()
        hit = texts.get(name)
        if hit is not None and hit[0] is raw:
            return hit[1].strip() if strip else hit[1]
        return self._clean_argument(name, raw, strip)

    def get_arguments(self, name: str, strip: bool = True) -> list[str]:
        """Every value of query/body argument ``name`` (possibly empty)."""
        return self._get_arguments(name, self.request.arguments, strip)

    def get_query_argument(self, name: str, default: Any = _ARG_DEFAULT, strip: bool = True) -> Any:
        """Like get_argument, but only from the query string."""
        return self._get_argument(name, default, self.request.query_arguments, strip)

    def get_query_arguments(self, name: str, strip: bool = True) -> list[str]:
        return self._get_arguments(name, self.request.query_arguments, strip)

    def get_body_argument(self, name: str, default: Any = _ARG_DEFAULT, strip: bool = True) -> Any:
        """Like get_argument, but only from a form-encoded or multipart body."""
        return self._get_argument(name, default, self.request.body_arguments, strip)

    def get_body_arguments(self, name: str, strip: bool = True) -> list[str]:
        return self._get_arguments(name, self.request.body_arguments, strip)

    def _get_argument(self, name: str, default: Any, source: Mapping[str, Sequence[Any]], strip: bool) -> Any:
        values = source.get(name)
        if not values:
            if default is _ARG_DEFAULT:
                raise MissingArgumentError(name)
            return default
        raw = values[-1]
        texts = self._argument_texts
        if texts is None:
            texts = self._argument_texts = self._decode_last_values()
        hit = texts.get(name)
        if hit is not None and hit[0] is raw:  # body and query lists hold the same bytes objects
            return hit[1].strip() if strip else hit[1]
        return self._clean_argument(name, raw, strip)

    def _decode_last_values(self) -> dict[str, tuple[bytes, str]]:
        """The last value of every argument decoded and cleaned at once: ``{name: (raw, text)}``.

        A form handler reads most of its fields; decoding them one C call for all (the values
        joined by a vertical tab, which the number of pieces proves absent from them) costs less than
        one decode and control-character check per field.  Each entry keeps its raw bytes
        object, so a value the application replaced later is decoded afresh, not taken from
        here.  Anything unusual (an overridden decode_argument, invalid UTF-8, non-bytes
        values) leaves the table empty and each argument takes the per-value path.
        """
        if type(self).decode_argument is not _DECODE_ARGUMENT:
            return {}
        arguments = self.request.arguments
        try:
            lasts = list(map(_LAST, arguments.values()))
            blob = b"\x0b".join(lasts)
            text = blob.decode("utf-8")
        except (IndexError, TypeError, UnicodeDecodeError):
            return {}
        if b"\x00" in blob.translate(_CONTROL_TO_NUL):
            text = _CONTROL_CHARS.sub(" ", text)  # the tab class is not replaced: splitting holds
        texts = text.split("\x0b")
        if len(texts) != len(lasts):  # a value holds the joining character itself
            return {}
        return dict(zip(arguments, zip(lasts, texts, strict=True), strict=True))

    def _get_arguments(self, name: str, source: Mapping[str, Sequence[Any]], strip: bool) -> list[str]:
        if not isinstance(name, str):
            raise TypeError(f"argument name must be a str, got {type(name).__name__}")
        return [self._clean_argument(name, v, strip) for v in source.get(name, ())]

    def _clean_argument(self, name: str, value: Any, strip: bool) -> str:
        if type(value) is bytes and type(self).decode_argument is _DECODE_ARGUMENT:
            # decode_argument not overridden: decode here, one call fewer per argument
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                text = self.decode_argument(value, name=name)  # raises the 400
        else:
            text = self.decode_argument(value, name=name)
        if not text.isprintable():  # only then can a control character be in it
            text = _CONTROL_CHARS.sub(" ", text)
        return text.strip() if strip else text

    def decode_argument(self, value: bytes | str, name: str | None = None) -> str:
        """Decode a raw argument; invalid UTF-8 is a 400, not a 500."""
        if isinstance(value, str):
            return value
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPError(400, "Invalid unicode in %s: %r", name or "url", value[:40]) from None

    # -- cookies ----------------------------------------------------------------------------

    @property
    def cookies(self) -> Any:
        """The request cookies, as parsed by the server."""
        return self.request.cookies

    def get_cookie(self, name: str, default: str | None = None) -> str | None:
        """The value of request cookie ``name``, or ``default``."""
        cookies = self.request.cookies
        if name in cookies:
            value = cookies[name]
            return value if isinstance(value, str) else value.value
        return default

    def set_cookie(
        self,
        name: str,
        value: str | bytes,
        domain: str | None = None,
        expires: float | datetime.datetime | None = None,
        path: str = "/",
        expires_days: float | None = None,
        *,
        max_age: int | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Set a response cookie; ``expires`` is a timestamp or datetime, ``expires_days`` a lifetime.

        ``;``, CR, LF or any other control character in the name, value, path, domain or
        another attribute raises ``ValueError`` (see tornado.web.cookies).
        """
        # Positional: set_cookie's own signature already named them (no **kwargs hop per cookie).
        key, text, attrs = cookie_parts(
            name, value, domain, expires, path, expires_days, max_age, secure, httponly, samesite, **kwargs
        )
        if self._new_cookie is None:
            self._new_cookie = {}
        self._new_cookie[key] = header_value(key, text, attrs)

    def clear_cookie(self, name: str, path: str = "/", domain: str | None = None, **kwargs: Any) -> None:
        """Delete cookie ``name`` in the browser (same path/domain as when it was set)."""
        expires = time.time() - 365 * 86400
        self.set_cookie(name, "", path=path, expires=expires, domain=domain, max_age=0, **kwargs)

    def clear_all_cookies(self, path: str = "/", domain: str | None = None) -> None:
        """Delete every cookie the request carried."""
        for name in list(self.request.cookies):
            self.clear_cookie(name, path=path, domain=domain)

    def require_setting(self, name: str, feature: str = "this feature") -> None:
        """Raise a clear error when application setting ``name`` is missing."""
        if not self.application.settings.get(name):
            raise ValueError(f"You must define the '{name}' setting in your application to use {feature}")

    def create_signed_value(self, name: str, value: str | bytes) -> bytes:
        """Sign ``value`` with ``cookie_secret`` for cookie ``name``."""
        self.require_setting("cookie_secret", "secure cookies")
        return signing.create_signed_value(
            self.application.settings["cookie_secret"],
            name,
            value,
            key_version=self.application.settings.get("key_version"),
        )

    def set_secure_cookie(
        self, name: str, value: str | bytes, expires_days: float | None = 30, **kwargs: Any
    ) -> None:
        """Set a cookie holding ``value``, a timestamp and an HMAC signature (needs ``cookie_secret``)."""
        self.set_cookie(name, self.create_signed_value(name, value), expires_days=expires_days, **kwargs)

    def get_secure_cookie(
        self, name: str, value: str | None = None, max_age_days: float = 31, min_version: int | None = None
    ) -> bytes | None:
        """The verified value of signed cookie ``name``; None if absent, tampered or expired."""
        self.require_setting("cookie_secret", "secure cookies")
        if value is None:
            value = self.get_cookie(name)
        return signing.decode_signed_value(
            self.application.settings["cookie_secret"],
            name,
            value,
            max_age_days=max_age_days,
            min_version=min_version,
        )

    # -- users, locale, XSRF -----------------------------------------------------------------

    @property
    def current_user(self) -> Any:
        """The logged-in user from get_current_user(), computed once per request."""
        try:
            return self._current_user
        except AttributeError:
            self._current_user: Any = self.get_current_user()
            return self._current_user

    @current_user.setter
    def current_user(self, value: Any) -> None:
        self._current_user = value

    def get_current_user(self) -> Any:
        """Override to find the user (e.g. from a secure cookie); None means nobody."""
        return None

    def get_login_url(self) -> str:
        """Where @authenticated sends anonymous users: the ``login_url`` setting."""
        self.require_setting("login_url", "@tornado.web.authenticated")
        return str(self.application.settings["login_url"])

    def get_template_path(self) -> str | None:
        """Directory templates load from: the ``template_path`` setting by default.

        None means the directory of the file containing the handler's class (the class
        being served, ``type(self)``, even when ``render`` is called from a base class
        defined elsewhere); a UIModule's ``render_string`` uses the directory of the file
        containing the UIModule subclass.
        """
        return self.application.settings.get("template_path")

    @property
    def locale(self) -> tornado.locale.Locale:
        """The user's locale: get_user_locale(), else Accept-Language, else the default (en_US)."""
        try:
            return self._locale
        except AttributeError:
            loc: Any = self.get_user_locale()
            if isinstance(loc, str):
                loc = tornado.locale.get(loc)  # a stored preference may be a bare code like "fr_FR"
            self._locale: tornado.locale.Locale = loc if loc is not None else self.get_browser_locale()
            return self._locale

    @locale.setter
    def locale(self, value: tornado.locale.Locale) -> None:
        self._locale = value

    def get_user_locale(self) -> tornado.locale.Locale | str | None:
        """Override to use a stored preference (a Locale or a code); None falls back to Accept-Language."""
        return None

    def get_browser_locale(self, default: str = "en_US") -> tornado.locale.Locale:
        """The closest supported locale to the request's Accept-Language header."""
        header = self.request.headers.get("Accept-Language")
        cache = self.application._browser_locales
        key = (header, default, tornado.locale.get_supported_locales())
        cached = cache.get(key)
        if cached is not None:
            return cached
        codes: list[tuple[str, float]] = []
        if header:
            for item in header.split(","):
                parts = item.strip().split(";")
                code = parts[0].strip()
                if not code or code == "*":
                    continue
                q = 1.0
                for p in parts[1:]:
                    p = p.strip()
                    if p.startswith("q="):
                        try:
                            q = float(p[2:])
                        except ValueError:
                            q = 0.0
                if q > 0:
                    codes.append((code.replace("-", "_"), q))
            codes.sort(key=lambda pair: pair[1], reverse=True)
        locale = tornado.locale.get(*[c for c, _ in codes], default)
        if len(cache) >= 512:
            cache.clear()  # bounded: headers come from clients
        cache[key] = locale
        return locale

    @property
    def xsrf_token(self) -> str:
        """This user's XSRF token, from the ``_xsrf`` cookie; sets the cookie on first use."""
        try:
            return self._xsrf_token
        except AttributeError:
            token = self.get_cookie("_xsrf")
            if not token or not re.fullmatch(r"[0-9a-f]{32}", token):
                token = secrets.token_hex(16)
                kwargs = dict(self.application.settings.get("xsrf_cookie_kwargs") or {})
                kwargs.setdefault("samesite", "Lax")
                self.set_cookie("_xsrf", token, expires_days=kwargs.pop("expires_days", 30), **kwargs)
            self._xsrf_token: str = token
            return token

    def check_xsrf_cookie(self) -> None:
        """Reject (403) a state-changing request whose ``_xsrf`` argument or header does not match."""
        token = (
            self.get_argument("_xsrf", None)
            or self.request.headers.get("X-Xsrftoken")
            or self.request.headers.get("X-Csrftoken")
        )
        if not token:
            raise HTTPError(403, "'_xsrf' argument missing from %s", self.request.method)
        cookie = self.get_cookie("_xsrf")
        if not cookie:
            raise HTTPError(403, "'_xsrf' cookie missing from %s", self.request.method)
        if not hmac.compare_digest(utf8(token), utf8(cookie)):
            raise HTTPError(403, "XSRF cookie does not match %s argument", self.request.method)

    def xsrf_form_html(self) -> SafeHTML:
        """A hidden ``_xsrf`` form field, as markup that autoescape leaves alone."""
        return SafeHTML(
            '<input type="hidden" name="_xsrf" value="' + escape.xhtml_escape(self.xsrf_token) + '"/>'
        )


_DECODE_ARGUMENT = RequestInput.decode_argument
