"""The pytest plugin, run in-process through pytester with only this plugin loaded.

Each sample test file proves its tests ran (a deliberate failure fails) and asks the call
stack whether the plugin's runner ran it.
"""

from __future__ import annotations

import pytest

# Here rather than in conftest.py: pytest refuses pytest_plugins in a conftest below the rootdir.
pytest_plugins = ["pytester"]

PLUGIN = "tornado.testing.pytest_plugin"

HELPERS = '''
import inspect

def ran_by_tornado():
    """True when tornado.testing's runner is on the stack (it ran this coroutine)."""
    return any(f.function == "run_on_loop" and "testing" in f.filename for f in inspect.stack())
'''

APP = """
import pytest


def handle(request):
    if request.path == "/missing":
        request.respond(b"nope", status=404)
    else:
        request.respond(b"hello " + request.path.encode())


@pytest.fixture
def app():
    return handle
"""


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester with plugin autoloading off: the runs see this plugin only (given with -p)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("ASYNC_TEST_TIMEOUT", raising=False)
    pytester.makepyfile(helpers=HELPERS)
    pytester.syspathinsert()
    return pytester


def inproc(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-p", PLUGIN, "-p", "no:cacheprovider", *args)


def test_async_def_tests_run_on_the_io_loop_fixture(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import asyncio
        from tornado.ioloop import IOLoop
        from helpers import ran_by_tornado

        async def test_on_the_fixture_loop(io_loop):
            assert ran_by_tornado()
            assert asyncio.get_running_loop() is io_loop.asyncio_loop
            assert IOLoop.current() is io_loop
            await asyncio.sleep(0.01)

        async def test_really_runs(io_loop):
            await asyncio.sleep(0)
            assert False, "this body ran"
        """
    )
    result = inproc(run)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*this body ran*"])


def test_plain_async_tests_run_when_no_other_async_plugin_is_active(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import asyncio
        from tornado.ioloop import IOLoop
        from helpers import ran_by_tornado

        async def test_plain():
            assert ran_by_tornado()
            assert IOLoop.current().asyncio_loop is asyncio.get_running_loop()

        async def test_plain_fails():
            await asyncio.sleep(0)
            raise KeyError("ran")
        """
    )
    inproc(run).assert_outcomes(passed=1, failed=1)


def test_io_loop_is_fresh_current_and_closed_after_each_test(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        from tornado.ioloop import IOLoop
        seen = []

        def test_first(io_loop):
            assert IOLoop.current() is io_loop
            seen.append(io_loop)

        def test_second(io_loop):
            assert io_loop is not seen[0]
            assert seen[0].asyncio_loop.is_closed()
            assert not io_loop.asyncio_loop.is_closed()
            seen.append(io_loop)

        def test_after():
            assert seen[1].asyncio_loop.is_closed()
            assert IOLoop.current(instance=False) is None
        """
    )
    inproc(run).assert_outcomes(passed=3)


def test_server_fixtures_with_an_app_fixture(run: pytest.Pytester) -> None:
    run.makeconftest(APP)
    run.makepyfile(
        """
        import socket
        from tornado.httpclient import HTTPClientError
        from tornado.httpserver import HTTPServer

        async def test_server_client(http_server_client):
            response = await http_server_client.fetch("/path")
            assert response.body == b"hello /path"
            missing = await http_server_client.fetch("/missing", raise_error=False)
            assert missing.code == 404

        async def test_ports_and_base_url(http_server, http_server_port, http_port, base_url, http_client):
            sock, port = http_server_port
            assert isinstance(sock, socket.socket) and port == http_port
            assert isinstance(http_server, HTTPServer)
            assert base_url == "http://127.0.0.1:%d" % port
            response = await http_client.fetch(base_url + "/x")
            assert response.body == b"hello /x"

        async def test_client_raises_by_default(http_client, base_url):
            try:
                await http_client.fetch(base_url + "/missing")
            except HTTPClientError as e:
                assert e.code == 404
            else:
                raise AssertionError("no error")
        """
    )
    inproc(run).assert_outcomes(passed=3)


def test_http_client_starts_the_server_when_there_is_an_app(run: pytest.Pytester) -> None:
    run.makeconftest(APP)
    run.makepyfile(
        """
        async def test_client_and_port_only(http_client, http_port):
            response = await http_client.fetch("http://127.0.0.1:%d/started" % http_port)
            assert response.body == b"hello /started"
        """
    )
    inproc(run).assert_outcomes(passed=1)


def test_http_client_without_an_app_is_a_plain_client(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        from tornado.httpclient import AsyncHTTPClient
        from tornado.httpserver import HTTPServer
        from tornado.testing import bind_unused_port

        async def test_plain_client(http_client):
            assert isinstance(http_client, AsyncHTTPClient)
            sock, port = bind_unused_port()
            server = HTTPServer(lambda request: request.respond(b"own server"))
            server.add_sockets([sock])
            response = await http_client.fetch("http://127.0.0.1:%d/" % port)
            assert response.body == b"own server"
            server.stop()
        """
    )
    inproc(run).assert_outcomes(passed=1)


def test_the_server_is_stopped_after_the_test(run: pytest.Pytester) -> None:
    run.makeconftest(APP)
    run.makepyfile(
        """
        import socket
        ports = []

        async def test_uses_server(http_port, http_server_client):
            await http_server_client.fetch("/")
            ports.append(http_port)

        def test_port_is_closed_afterwards():
            with socket.socket() as s:
                s.settimeout(5)
                try:
                    s.connect(("127.0.0.1", ports[0]))
                except ConnectionRefusedError:
                    return
            raise AssertionError("still listening")
        """
    )
    inproc(run).assert_outcomes(passed=2)


def test_gen_test_marker_runs_generator_tests_pytest_tornado_style(run: pytest.Pytester) -> None:
    run.makeconftest(APP)
    run.makepyfile(
        """
        import pytest
        from tornado import gen
        from helpers import ran_by_tornado

        @pytest.mark.gen_test
        def test_generator(http_client, base_url):
            assert ran_by_tornado()  # even the first step runs on the loop
            response = yield http_client.fetch(base_url + "/gen")
            assert response.body == b"hello /gen"
            yield gen.sleep(0)

        @pytest.mark.gen_test(timeout=10)
        async def test_marked_async():
            assert ran_by_tornado()

        @pytest.mark.gen_test
        def test_generator_fails():
            yield gen.moment
            assert 1 == 2
        """
    )
    inproc(run).assert_outcomes(passed=2, failed=1)


def test_a_timeout_says_where_the_test_was_waiting(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import pytest
        from tornado import locks

        @pytest.mark.gen_test(timeout=0.1)
        async def test_stuck():
            await locks.Event().wait()  # stuck here
        """
    )
    result = inproc(run)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Operation timed out after 0.1 seconds: test_a_timeout_says_where*::test_stuck did not finish*",
            "*await locks.Event().wait()  # stuck here*",
        ]
    )


def test_timeout_from_option_and_environment(run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    run.makepyfile(
        """
        from tornado import locks

        async def test_stuck(io_loop):
            await locks.Event().wait()
        """
    )
    inproc(run, "--async-test-timeout=0.1").stdout.fnmatch_lines(["*timed out after 0.1 seconds*"])
    inproc(run, "--async-test-timeout=0").stdout.fnmatch_lines(
        ["*--async-test-timeout must be a positive, finite number of seconds, not 0.0*"]
    )
    monkeypatch.setenv("ASYNC_TEST_TIMEOUT", "0.15")
    inproc(run).stdout.fnmatch_lines(["*timed out after 0.15 seconds*"])


def test_a_marker_timeout_that_is_not_a_number_fails_naming_it(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import pytest

        @pytest.mark.gen_test(timeout="soon")
        async def test_a():
            pass

        @pytest.mark.gen_test(0.5, timeout=1)
        async def test_two_timeouts():
            pass

        @pytest.mark.gen_test(0.5)
        async def test_positional_is_fine():
            pass
        """
    )
    result = inproc(run)
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.fnmatch_lines(["*gen_test timeout must be a number of seconds, not 'soon'*"])
    result.stdout.fnmatch_lines(["*test_two_timeouts: gen_test takes one timeout*"])


def test_gen_test_on_a_plain_function_is_an_error(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import pytest

        @pytest.mark.gen_test
        def test_sync():
            pass
        """
    )
    result = inproc(run)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*neither an async def nor a generator function*"])


def test_http_server_without_an_app_fixture_says_what_to_define(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        async def test_needs_app(http_server_client):
            pass
        """
    )
    result = inproc(run)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the http_server fixture needs an `app` fixture*"])


def test_a_callback_failure_fails_the_test(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import asyncio
        from tornado.testing import ExpectLog

        async def test_fails(io_loop):
            io_loop.add_callback(lambda: {}["from a callback"])
            await asyncio.sleep(0.01)

        async def test_expected(io_loop):
            with ExpectLog("tornado.application", "Exception in callback"):
                io_loop.add_callback(lambda: {}["expected"])
                await asyncio.sleep(0.01)
        """
    )
    result = inproc(run)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*KeyError: 'from a callback'*"])


def test_sync_tests_and_conftest_fixtures_of_the_same_names_are_untouched(run: pytest.Pytester) -> None:
    run.makeconftest(
        """
        import pytest

        @pytest.fixture
        def io_loop():
            return "the project's own io_loop"

        @pytest.fixture
        def http_client():
            return "the project's own client"
        """
    )
    run.makepyfile(
        """
        import asyncio

        def test_own_fixtures(io_loop, http_client):
            assert io_loop == "the project's own io_loop"
            assert http_client == "the project's own client"

        def test_plain_sync():
            assert asyncio.get_event_loop_policy() is not None
        """
    )
    inproc(run).assert_outcomes(passed=2)


def test_fixtures_are_listed(run: pytest.Pytester) -> None:
    result = inproc(run, "--fixtures")
    for name in ("io_loop", "http_server", "http_server_port", "http_port", "base_url", "http_client"):
        result.stdout.fnmatch_lines([f"{name} -- *pytest_plugin.py*"])
    result.stdout.fnmatch_lines(["http_server_client -- *"])
