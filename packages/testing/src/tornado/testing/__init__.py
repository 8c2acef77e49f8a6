"""Unit testing support for asynchronous code (Tornado's ``tornado.testing``).

* :class:`AsyncTestCase` and :class:`AsyncHTTPTestCase` (with :class:`AsyncHTTPSTestCase`):
  ``unittest.TestCase`` subclasses whose tests run on a fresh IOLoop, against a real server
  on a free loopback port; :func:`gen_test` runs ``async def`` and generator tests on it.
* :class:`ExpectLog` silences the log lines a test provokes on purpose, and insists on them.
* :func:`main` runs tests with Tornado-style options; ``python -m tornado.testing mod``.

For pytest, the ``tornado.testing.pytest_plugin`` module (loaded automatically once this
distribution is installed) offers ``io_loop``, ``http_server``, ``http_client``, ``base_url``
and ``http_server_port`` fixtures and runs ``async def`` tests on the IOLoop::

    class HelloTest(AsyncHTTPTestCase):
        def get_app(self):
            return make_app()

        def test_hello(self):
            self.assertEqual(self.fetch("/").body, b"Hello, world")

        @gen_test(timeout=10)
        async def test_async(self):
            response = await self.http_client.fetch(self.get_url("/"))
            self.assertEqual(response.code, 200)
"""

from __future__ import annotations

from ._cases import AsyncTestCase, gen_test
from ._http import AsyncHTTPSTestCase, AsyncHTTPTestCase, bind_unused_port
from ._logs import ExpectLog
from ._main import main
from ._runner import get_async_test_timeout

__all__ = [
    "AsyncHTTPSTestCase",
    "AsyncHTTPTestCase",
    "AsyncTestCase",
    "ExpectLog",
    "bind_unused_port",
    "gen_test",
    "get_async_test_timeout",
    "main",
]
