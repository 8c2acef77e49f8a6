"""Between a WSGI environ and tornado's request: one direction for each bridge.

PEP 3333 carries the path as "bytes in a str": PATH_INFO is percent-decoded and each byte is
one latin-1 character.  tornado.web routes on the request path as the client sent it
(percent-encoded), so the bridges re-encode and decode between the two forms.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from tornado.httputil import HTTPHeaders, HTTPServerRequest

# Characters RFC 3986 allows unescaped in a path: re-encoding PATH_INFO leaves them alone, so
# a route written for "/a:b" or "/x;y=1" matches under WSGI as it does on HTTPServer.
_PATH_SAFE = "/:@!$&'()*+,;=~"

# Environ keys that carry request headers without the HTTP_ prefix.
_UNPREFIXED = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Callable[[bytes], Any]]
WSGIApp = Callable[[WSGIEnviron, StartResponse], Any]


def to_wsgi_str(data: bytes) -> str:
    """Bytes as PEP 3333's native string (each byte one latin-1 character)."""
    return data.decode("latin-1")


def from_wsgi_str(text: str) -> bytes:
    """The bytes a PEP 3333 native string stands for."""
    return text.encode("latin-1")


def _read_body(environ: WSGIEnviron) -> bytes:
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if length.strip():
        try:
            n = int(length)
        except ValueError:
            raise ValueError(f"CONTENT_LENGTH is not a number: {length!r}") from None
        if n < 0:
            raise ValueError(f"CONTENT_LENGTH is negative: {length!r}")
        return bytes(stream.read(n)) if n else b""
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    return b""  # no length and no terminated stream: PEP 3333 says there is no body


def request_from_environ(environ: WSGIEnviron, connection: Any) -> HTTPServerRequest:
    """The HTTPServerRequest a tornado.web handler sees for a WSGI call."""
    headers = HTTPHeaders()
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue  # CGI servers may echo these; the unprefixed keys are authoritative
            name = key[5:].replace("_", "-")
            headers.add(name, value)
        elif key in _UNPREFIXED and value:
            headers.add(_UNPREFIXED[key], value)
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    uri = quote(from_wsgi_str(path), safe=_PATH_SAFE) or "/"
    query = environ.get("QUERY_STRING", "")
    if query:
        uri += "?" + query
    host = headers.get("Host")
    if not host:
        host = environ.get("SERVER_NAME", "127.0.0.1")
        port = str(environ.get("SERVER_PORT", ""))
        scheme = environ.get("wsgi.url_scheme", "http")
        if port and port != ("443" if scheme == "https" else "80"):
            host += ":" + port
    request = HTTPServerRequest(
        environ.get("REQUEST_METHOD", "GET"),
        uri,
        environ.get("SERVER_PROTOCOL", "HTTP/1.0"),
        headers,
        _read_body(environ),
        host,
        connection=connection,
        remote_ip=environ.get("REMOTE_ADDR") or "127.0.0.1",
        protocol=environ.get("wsgi.url_scheme", "http"),
    )
    return request


def environ_from_request(
    request: Any, body: Any = None, multithread: bool = True, script_name: str = ""
) -> WSGIEnviron:
    """The PEP 3333 environ for a tornado request; ``body`` is the ``wsgi.input`` stream
    (a BytesIO of ``request.body`` when not given)."""
    path = request.path
    if script_name and (path == script_name or path.startswith(script_name + "/")):
        path = path[len(script_name) :]
    else:
        script_name = ""
    host = request.host or "127.0.0.1"
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif host.count(":") == 1:
        name, _, port = host.partition(":")
    else:
        name, port = host, ""
    if not port:
        port = "443" if request.protocol == "https" else "80"
    environ: WSGIEnviron = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": to_wsgi_str(unquote_to_bytes(path)),
        "QUERY_STRING": request.query,
        "REMOTE_ADDR": request.remote_ip,
        "SERVER_NAME": name,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": request.version,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.protocol,
        "wsgi.input": body if body is not None else io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": multithread,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    headers = request.headers
    for name_, value in headers.get_all():
        key = name_.upper().replace("-", "_")
        if key == "CONTENT_TYPE" or key == "CONTENT_LENGTH":
            environ[key] = value
            continue
        key = "HTTP_" + key
        if key in environ:
            environ[key] += "," + value
        else:
            environ[key] = value
    if "CONTENT_LENGTH" not in environ and body is None and request.body:
        environ["CONTENT_LENGTH"] = str(len(request.body))
    return environ
