"""The plugin as users get it: loaded from its entry point in a separate pytest process, next to
the other plugins installed (pytest-asyncio here), whose tests it must leave alone."""

from __future__ import annotations

import pytest

# Here rather than in conftest.py: pytest refuses pytest_plugins in a conftest below the rootdir.
pytest_plugins = ["pytester"]

HELPERS = '''
import inspect

def ran_by_tornado():
    """True when tornado.testing's runner is on the stack (it ran this coroutine)."""
    return any(f.function == "run_on_loop" and "testing" in f.filename for f in inspect.stack())
'''


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("ASYNC_TEST_TIMEOUT", raising=False)
    pytester.makepyfile(helpers=HELPERS)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return pytester


def subprocess_run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--rootdir", str(pytester.path), *args, timeout=120
    )


def test_the_entry_point_loads_the_plugin_without_any_conftest(run: pytest.Pytester) -> None:
    run.makepyfile(
        """
        import asyncio
        import pytest
        from tornado import gen
        from helpers import ran_by_tornado

        @pytest.fixture
        def app():
            return lambda request: request.respond(b"from the app")

        async def test_server(http_server_client):
            assert ran_by_tornado()
            response = await http_server_client.fetch("/")
            assert response.body == b"from the app"

        @pytest.mark.gen_test(timeout=10)
        def test_generator(http_client, base_url):
            response = yield http_client.fetch(base_url)
            assert response.code == 200
        """
    )
    result = subprocess_run(run, "-p", "no:asyncio")
    result.assert_outcomes(passed=2)
    listing = subprocess_run(run, "-p", "no:asyncio", "--fixtures")
    listing.stdout.fnmatch_lines(["*fixtures defined from tornado.testing.pytest_plugin*"])


SHARED = """
import asyncio
import pytest
from helpers import ran_by_tornado


@pytest.mark.asyncio
async def test_marked_asyncio_is_left_to_pytest_asyncio():
    assert not ran_by_tornado()
    await asyncio.sleep(0)


@pytest.mark.gen_test
async def test_marked_gen_test_is_ours():
    assert ran_by_tornado()


async def test_using_io_loop_is_ours(io_loop):
    assert ran_by_tornado()
    assert asyncio.get_running_loop() is io_loop.asyncio_loop
"""


def test_with_pytest_asyncio_in_strict_mode(run: pytest.Pytester) -> None:
    pytest.importorskip("pytest_asyncio")
    run.makepyfile(
        SHARED
        + """

async def test_unmarked_is_not_grabbed():
    raise AssertionError("no plugin should have run this")
"""
    )
    result = subprocess_run(run, "-o", "asyncio_mode=strict", "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 3, result.stdout.str()
    assert "no plugin should have run this" not in result.stdout.str()
    assert outcomes.get("skipped", 0) + outcomes.get("failed", 0) == 1


def test_with_pytest_asyncio_in_auto_mode(run: pytest.Pytester) -> None:
    pytest.importorskip("pytest_asyncio")
    run.makepyfile(
        """
import asyncio
import pytest
from tornado import gen
from helpers import ran_by_tornado


async def test_unmarked_goes_to_pytest_asyncio():
    assert not ran_by_tornado()
    await asyncio.sleep(0)


def test_sync_untouched():
    assert not ran_by_tornado()


@pytest.mark.gen_test
async def test_gen_test_is_still_ours(io_loop):
    assert ran_by_tornado()
    assert asyncio.get_running_loop() is io_loop.asyncio_loop


@pytest.mark.gen_test(timeout=5)
def test_gen_test_generator_is_still_ours(io_loop):
    assert ran_by_tornado()
    yield gen.moment
"""
    )
    result = subprocess_run(run, "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=4)
