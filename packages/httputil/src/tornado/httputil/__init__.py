"""HTTP utilities shared by the server, the client and the framework.

Headers (:class:`HTTPHeaders`), URL and form-body parsing, cookies, HTTP dates, status
reasons, the request object (:class:`HTTPServerRequest`), the delegate interfaces between a
server and an application (:class:`HTTPServerConnectionDelegate`, :class:`HTTPMessageDelegate`,
:class:`HTTPConnection`), and the I/O-free HTTP/1.1 protocol core (:mod:`tornado.httputil.h1`).
"""

from __future__ import annotations

from http.client import responses

from ._cookies import parse_cookie
from ._dates import format_timestamp, http_date_now, parse_http_date
from ._forms import (
    HTTPFile,
    count_body_fields,
    parse_body_arguments,
    parse_multipart_form_data,
    parse_qs_bytes,
    qs_to_qsl,
    split_host_and_port,
    url_concat,
)
from ._headers import (
    HTTPHeaders,
    HTTPInputError,
    HTTPOutputError,
    RequestStartLine,
    ResponseStartLine,
    normalize_header_name,
    parse_request_start_line,
    parse_response_start_line,
)
from ._interfaces import HTTPConnection, HTTPMessageDelegate, HTTPServerConnectionDelegate
from ._request import HTTPServerRequest
from .h1 import (
    CLIENT,
    NEED_DATA,
    PAUSED,
    SERVER,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Event,
    H1Connection,
    InformationalResponse,
    ProtocolError,
    RequestHead,
    ResponseHead,
    Role,
    format_error_response,
)

__all__ = [
    "responses",
    "parse_cookie",
    "format_timestamp",
    "http_date_now",
    "parse_http_date",
    "HTTPFile",
    "parse_body_arguments",
    "parse_multipart_form_data",
    "parse_qs_bytes",
    "count_body_fields",
    "url_concat",
    "split_host_and_port",
    "qs_to_qsl",
    "HTTPServerRequest",
    "HTTPConnection",
    "HTTPMessageDelegate",
    "HTTPServerConnectionDelegate",
    "HTTPHeaders",
    "HTTPInputError",
    "HTTPOutputError",
    "RequestStartLine",
    "ResponseStartLine",
    "normalize_header_name",
    "parse_request_start_line",
    "parse_response_start_line",
    "CLIENT",
    "SERVER",
    "NEED_DATA",
    "PAUSED",
    "ConnectionClosed",
    "Data",
    "EndOfMessage",
    "Event",
    "H1Connection",
    "InformationalResponse",
    "ProtocolError",
    "RequestHead",
    "ResponseHead",
    "Role",
    "format_error_response",
]
