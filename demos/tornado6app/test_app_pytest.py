"""The same application tested in pytest style: plain ``async def`` tests and the fixtures
pytest-tornasync users know (``app``, ``http_server_client``, ``http_client``,
``http_server_port``, ``io_loop``).

On this stack tornado-testing's pytest plugin provides them; in the ``tornado6-crosscheck``
env (Tornado 6 from PyPI) pytest-tornasync does.  No conftest.py either way.
"""

import asyncio
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app import make_app  # noqa: E402


@pytest.fixture
def app():
    return make_app(workers=1)


async def test_hello(http_server_client):
    response = await http_server_client.fetch("/")
    assert response.code == 200
    assert response.body == b"Hello, world"


async def test_errors_come_back_as_responses_when_asked(http_server_client):
    response = await http_server_client.fetch("/jobs/12345", raise_error=False)
    assert response.code == 404
    assert json.loads(response.body) == {"error": "Not Found", "status": 404}


async def test_job_through_the_queue(http_server_client):
    created = await http_server_client.fetch("/jobs", method="POST", body=json.dumps({"numbers": [4, 5]}))
    job_id = json.loads(created.body)["id"]
    response = await http_server_client.fetch(f"/jobs/{job_id}?wait=5")
    assert json.loads(response.body) == {"id": job_id, "done": True, "result": 9}


async def test_concurrent_increments_under_the_lock(http_server_client):
    responses = await asyncio.gather(
        *(http_server_client.fetch("/counter", method="POST", body=b"") for _ in range(10))
    )
    assert sorted(json.loads(r.body)["counter"] for r in responses) == list(range(1, 11))


async def test_long_poll_with_the_plain_client(http_client, http_server_port, io_loop):
    base = f"http://127.0.0.1:{http_server_port[1]}"
    poll = http_client.fetch(base + "/messages?cursor=0&wait=10")
    await asyncio.sleep(0.05)
    assert not poll.done()
    await http_client.fetch(base + "/messages", method="POST", body=json.dumps({"text": "pytest"}))
    response = await poll
    assert json.loads(response.body)["messages"] == ["pytest"]
    assert asyncio.get_running_loop() is io_loop.asyncio_loop


async def test_streamed_upload(http_server_client):
    body = os.urandom(1024 * 1024)
    response = await http_server_client.fetch("/upload", method="PUT", body=body)
    assert json.loads(response.body)["size"] == len(body)
