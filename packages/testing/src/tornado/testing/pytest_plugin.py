"""pytest plugin: IOLoop and HTTP server fixtures, and ``async def`` tests run on the IOLoop.

Loaded through the ``pytest11`` entry point once tornado-testing is installed.  Define an
``app`` fixture returning your Application, then::

    async def test_home(http_server_client):
        response = await http_server_client.fetch("/")
        assert response.code == 200

    @pytest.mark.gen_test(timeout=10)
    def test_generator_style(http_client, base_url):
        response = yield http_client.fetch(base_url + "/")
        assert response.code == 200

Fixtures (pytest-tornado's and pytest-tornasync's names): ``io_loop``, ``http_server``,
``http_server_port`` (``(socket, port)``), ``http_port`` (the port), ``base_url``,
``http_client`` (an AsyncHTTPClient for any URL; it starts ``http_server`` when there is an
``app``) and ``http_server_client`` (fetches paths of ``http_server``).

Which tests it runs: those marked ``gen_test``; and unmarked ``async def`` tests that use
the ``io_loop`` fixture (directly or through the fixtures above), or any unmarked ``async
def`` test when no other async plugin (pytest-asyncio) is active.  Tests marked ``asyncio``,
``anyio`` or ``trio`` are left to their plugins; other tests are not touched.
"""

from __future__ import annotations

import asyncio
import inspect
import types
from collections.abc import Iterator
from typing import Any

import pytest

TIMEOUT_OPTION = "--async-test-timeout"
_FOREIGN_MARKERS = ("asyncio", "anyio", "trio")
# Plugins that run async def tests themselves, by the modules they are loaded from.
_OTHER_ASYNC_PLUGINS = ("pytest_asyncio",)


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("tornado", "tornado.testing")
    try:
        group.addoption(
            TIMEOUT_OPTION,
            dest="async_test_timeout",
            type=float,
            default=None,
            help="seconds before an async test run on the IOLoop fails (default: ASYNC_TEST_TIMEOUT or 5)",
        )
    except ValueError:
        pass  # another Tornado plugin defined it; its value is read the same way


_OTHER_PLUGIN_ACTIVE = pytest.StashKey[bool]()


def pytest_configure(config: Any) -> None:
    config.stash[_OTHER_PLUGIN_ACTIVE] = _other_async_plugin(config)
    config.addinivalue_line(
        "markers",
        "gen_test(timeout=None): run this async def or generator test on the IOLoop "
        "(tornado.testing), failing it after timeout seconds",
    )


# -- which tests are ours -------------------------------------------------------------


def _is_async(func: Any) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.isgeneratorfunction(func)


def _owned(item: Any) -> bool:
    if item.get_closest_marker("gen_test") is not None:
        return True
    if any(item.get_closest_marker(m) is not None for m in _FOREIGN_MARKERS):
        return False
    if not inspect.iscoroutinefunction(getattr(item, "obj", None)):
        return False
    if "io_loop" in getattr(item, "fixturenames", ()):
        return True
    return not item.config.stash.get(_OTHER_PLUGIN_ACTIVE, False)


def _other_async_plugin(config: Any) -> bool:
    for plugin in config.pluginmanager.get_plugins():
        name = getattr(plugin, "__name__", "")
        if isinstance(name, str) and name.split(".")[0] in _OTHER_ASYNC_PLUGINS:
            return True
    return False


def _timeout(item: Any) -> float:
    from tornado.testing._runner import check_timeout, env_timeout, get_async_test_timeout

    marker = item.get_closest_marker("gen_test")
    marked = None
    if marker is not None:
        if len(marker.args) > 1 or (marker.args and "timeout" in marker.kwargs):
            raise TypeError(f"{item.nodeid}: gen_test takes one timeout: @pytest.mark.gen_test(timeout=10)")
        marked = marker.kwargs.get("timeout", marker.args[0] if marker.args else None)
    option = item.config.getoption("async_test_timeout", None)
    if option is not None:
        check_timeout(option, TIMEOUT_OPTION)
    if marked is None:
        return option if option is not None else get_async_test_timeout()
    marked = check_timeout(marked, "gen_test timeout")
    others = [t for t in (option, env_timeout()) if t is not None]
    return max([marked, *others])


def _marked_gen_test(collector: Any, obj: Any) -> bool:
    marks = getattr(obj, "pytestmark", [])
    if any(getattr(m, "name", None) == "gen_test" for m in marks):
        return True
    return collector.get_closest_marker("gen_test") is not None


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: Any) -> Any:
    """Collect generator tests marked gen_test, which pytest itself refuses."""
    if not (inspect.isgeneratorfunction(obj) and collector.funcnamefilter(name)):
        return None
    if not _marked_gen_test(collector, obj):
        return None
    make = getattr(collector, "_genfunctions", None)
    if make is not None:  # handles parametrize; long-standing, though not public
        return list(make(name, obj))
    return [pytest.Function.from_parent(collector, name=name)]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: Any) -> bool | None:
    if not _owned(pyfuncitem):
        return None
    from tornado import gen
    from tornado.ioloop import IOLoop
    from tornado.testing._runner import CallbackFailures, run_on_loop

    func = pyfuncitem.obj
    if not _is_async(func) and _is_async(inspect.unwrap(func)):
        func = inspect.unwrap(func)  # another plugin wrapped it to run it itself; gen_test says it is ours
    if not _is_async(func):
        raise TypeError(
            f"{pyfuncitem.nodeid} is marked gen_test but is neither an async def nor a generator function"
        )
    timeout = _timeout(pyfuncitem)
    funcargs = pyfuncitem.funcargs
    params = inspect.signature(func).parameters
    kwargs = {name: funcargs[name] for name in params if name in funcargs}
    io_loop = funcargs.get("io_loop")
    own_loop = None
    if not isinstance(io_loop, IOLoop):
        io_loop = own_loop = _new_loop()
    failures = CallbackFailures(io_loop).install()
    try:
        result = func(**kwargs)
        target: Any = None
        if isinstance(result, types.GeneratorType):
            target = result
            awaitable: Any = gen.coroutine(lambda: result)  # started on the running loop
        else:
            awaitable = result
        run_on_loop(io_loop, awaitable, timeout, pyfuncitem.nodeid, target, failures)
    finally:
        failures.remove()
        if own_loop is not None:
            _close_loop(own_loop)
    return True


# -- fixtures ---------------------------------------------------------------------------


def _new_loop() -> Any:
    from tornado.ioloop import IOLoop

    loop = IOLoop(make_current=False)
    loop.make_current()
    return loop


def _close_loop(io_loop: Any) -> None:
    """Cancel what the test left running, then close the loop and forget it as current."""
    from tornado.ioloop import IOLoop
    from tornado.testing._runner import cancel_leftover_tasks

    cancel_leftover_tasks(io_loop)
    if IOLoop.current(instance=False) is io_loop:
        IOLoop.clear_current()
        asyncio.set_event_loop(None)
    io_loop.close(all_fds=True)


@pytest.fixture
def io_loop() -> Iterator[Any]:
    """A new IOLoop, current during the test and closed after it; async tests run on it."""
    loop = _new_loop()
    yield loop
    _close_loop(loop)


@pytest.fixture
def http_server_port() -> Iterator[tuple[Any, int]]:
    """``(socket, port)``: the listening socket ``http_server`` serves, on 127.0.0.1."""
    from tornado.testing import bind_unused_port

    sock, port = bind_unused_port()
    yield sock, port
    sock.close()


@pytest.fixture
def http_port(http_server_port: tuple[Any, int]) -> int:
    """The port of ``http_server``."""
    return http_server_port[1]


@pytest.fixture
def http_server(request: Any, io_loop: Any, http_server_port: tuple[Any, int]) -> Iterator[Any]:
    """An HTTPServer serving the ``app`` fixture (a tornado.web.Application or a request
    callback) on ``http_server_port``; stopped after the test."""
    from tornado.httpserver import HTTPServer
    from tornado.testing._runner import get_async_test_timeout, run_on_loop
    from tornado.util import TimeoutError

    try:
        app = request.getfixturevalue("app")
    except pytest.FixtureLookupError:
        pytest.fail(
            "the http_server fixture needs an `app` fixture returning the application to test, e.g.\n"
            "    @pytest.fixture\n    def app():\n        return tornado.web.Application([...])",
            pytrace=False,
        )
    server = HTTPServer(app)
    server.add_sockets([http_server_port[0]])
    yield server
    server.stop()
    try:
        run_on_loop(io_loop, server.close_all_connections(), get_async_test_timeout(), "closing http_server")
    except TimeoutError:
        pass  # a request still hangs; closing the loop drops it


@pytest.fixture
def base_url(http_server: Any, http_port: int) -> str:
    """``http://127.0.0.1:<port>`` of the running ``http_server``."""
    return f"http://127.0.0.1:{http_port}"


@pytest.fixture
def http_client(request: Any, io_loop: Any) -> Iterator[Any]:
    """An AsyncHTTPClient of its own on ``io_loop``, closed after the test.

    When there is an ``app`` fixture, ``http_server`` is started too (as pytest-tornado and
    pytest-tornasync do), so ``http_client.fetch(base_url)`` needs no other fixture.
    """
    from tornado.httpclient import AsyncHTTPClient

    try:
        request.getfixturevalue("app")
    except pytest.FixtureLookupError:
        pass  # no application: a client for other servers
    else:
        request.getfixturevalue("http_server")
    client = AsyncHTTPClient(force_instance=True)
    yield client
    client.close()


class ServerClient:
    """An AsyncHTTPClient wrapper whose ``fetch`` takes paths on the test server."""

    def __init__(self, client: Any, base_url: str) -> None:
        self.client = client
        self.base_url = base_url

    def url(self, path: str) -> str:
        return path if path.lower().startswith(("http://", "https://")) else self.base_url + path

    def fetch(self, path: str, **kwargs: Any) -> Any:
        """``AsyncHTTPClient.fetch`` of ``path`` (or of an absolute URL) on the server."""
        return self.client.fetch(self.url(path), **kwargs)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def http_server_client(http_client: Any, base_url: str) -> ServerClient:
    """A client whose ``fetch("/path")`` requests ``http_server`` (pytest-tornasync's)."""
    return ServerClient(http_client, base_url)
