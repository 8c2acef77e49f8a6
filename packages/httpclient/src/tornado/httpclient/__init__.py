"""A non-blocking HTTP client, designed to work with ``web`` and ``httpserver``.

In a handler (Tornado 1.0 style)::

    http = tornado.httpclient.AsyncHTTPClient()
    http.fetch("http://example.com/feed", callback=self.async_callback(self.on_response))

or awaited::

    response = await AsyncHTTPClient().fetch("http://example.com/feed")

The default backend is the pure-Python ``tornado.simple_httpclient`` (pooled keep-alive
connections on the HTTP/1.1 core of ``tornado.httputil``); ``AsyncHTTPClient.configure(
"tornado.curl_httpclient.CurlAsyncHTTPClient")`` switches to libcurl.  :class:`HTTPClient`
is the blocking variant for scripts.
"""

from __future__ import annotations

from ._client import REDIRECT_CODES, AsyncHTTPClient, HTTPClient, failure, will_follow
from ._request import HTTPRequest, Target, _RequestProxy, split_url
from ._response import HTTPClientError, HTTPError, HTTPResponse

__all__ = [
    "AsyncHTTPClient",
    "HTTPClient",
    "HTTPRequest",
    "HTTPResponse",
    "HTTPClientError",
    "HTTPError",
    "REDIRECT_CODES",
    "failure",
    "will_follow",
    "_RequestProxy",
    "Target",
    "split_url",
]
