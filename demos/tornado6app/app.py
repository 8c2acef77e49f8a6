"""A small Tornado 6 service written from Tornado 6's documentation, for the stack's
compatibility: the same file runs on this repository's packages and on Tornado 6 from PyPI.

    python app.py --port=8888

* ``GET /`` hello world; ``GET /boom`` fails (a 500 with a JSON body from ``write_error``).
* ``GET /self?path=/``: an ``async def`` handler fetching a page of this server with
  AsyncHTTPClient.
* ``GET /stats``: a ``gen.coroutine`` handler yielding a dict of futures at once.
* ``POST /jobs`` queues a job (JSON ``{"numbers": [...]}``) for worker coroutines fed by a
  ``tornado.queues.Queue``; ``GET /jobs/<id>?wait=S`` long-polls its result (``Event``).
* ``POST /counter`` increments a counter under a ``tornado.locks.Lock``, awaiting in between.
* ``GET /messages?cursor=N&wait=S`` long-polls a message board (``Condition``);
  ``POST /messages`` adds one.
* ``PUT /upload``: a ``@stream_request_body`` handler hashing the body as it arrives, up to
  its own size limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
from datetime import timedelta
from typing import Any

from tornado import gen, locks, queues
from tornado.httpclient import AsyncHTTPClient
from tornado.ioloop import IOLoop
from tornado.options import define, options, parse_command_line
from tornado.web import Application, HTTPError, RequestHandler, stream_request_body

define("port", default=8888, help="port to listen on", type=int)
define("workers", default=2, help="job worker coroutines", type=int)

MAX_UPLOAD = 64 * 1024 * 1024


class JsonHandler(RequestHandler):
    def write_json(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(value))

    def body_json(self) -> Any:
        try:
            return json.loads(self.request.body)
        except ValueError:
            raise HTTPError(400, "body is not JSON") from None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps({"error": self._reason, "status": status_code}))


class MainHandler(RequestHandler):
    def get(self) -> None:
        self.write("Hello, world")


class BoomHandler(JsonHandler):
    def get(self) -> None:
        raise RuntimeError("this handler always fails")


class SelfFetchHandler(JsonHandler):
    async def get(self) -> None:
        path = self.get_argument("path", "/")
        if not path.startswith("/"):
            raise HTTPError(400, "path must start with /")
        url = f"{self.request.protocol}://{self.request.host}{path}"
        response = await AsyncHTTPClient().fetch(url, raise_error=False)
        self.write_json({"code": response.code, "body": response.body.decode("utf-8", "replace")})


class StatsHandler(JsonHandler):
    @gen.coroutine
    def get(self) -> Any:
        state = self.settings["state"]
        counts = yield {"jobs": self.count(state.jobs), "messages": self.count(state.messages)}
        self.write_json({**counts, "counter": state.counter})

    @gen.coroutine
    def count(self, items: Any) -> Any:
        yield gen.moment  # as if asking another service
        raise gen.Return(len(items))


class Job:
    def __init__(self, job_id: int, numbers: list[float]) -> None:
        self.id = job_id
        self.numbers = numbers
        self.result: float | None = None
        self.done = locks.Event()


class JobsHandler(JsonHandler):
    async def post(self) -> None:
        numbers = self.body_json().get("numbers")
        if not isinstance(numbers, list) or not all(isinstance(n, (int, float)) for n in numbers):
            raise HTTPError(400, "numbers must be a list of numbers")
        state = self.settings["state"]
        job = Job(next(state.job_ids), numbers)
        state.jobs[job.id] = job
        await state.queue.put(job)
        self.write_json({"id": job.id}, status=202)


class JobHandler(JsonHandler):
    async def get(self, job_id: str) -> None:
        job = self.settings["state"].jobs.get(int(job_id))
        if job is None:
            raise HTTPError(404, "no such job")
        wait = float(self.get_argument("wait", "0"))
        if wait > 0:
            try:
                await job.done.wait(timeout=timedelta(seconds=wait))
            except gen.TimeoutError:
                pass
        self.write_json({"id": job.id, "done": job.done.is_set(), "result": job.result})


class CounterHandler(JsonHandler):
    async def post(self) -> None:
        state = self.settings["state"]
        async with state.counter_lock:
            value = state.counter
            await gen.sleep(0.001)  # without the lock, concurrent requests would lose updates
            state.counter = value + 1
        self.write_json({"counter": state.counter})


class MessagesHandler(JsonHandler):
    async def get(self) -> None:
        state = self.settings["state"]
        cursor = int(self.get_argument("cursor", "0"))
        wait = float(self.get_argument("wait", "0"))
        if len(state.messages) <= cursor and wait > 0:
            await state.new_message.wait(timeout=timedelta(seconds=wait))
        self.write_json({"messages": state.messages[cursor:], "cursor": len(state.messages)})

    def post(self) -> None:
        state = self.settings["state"]
        text = self.body_json().get("text")
        if not isinstance(text, str) or not text:
            raise HTTPError(400, "text must be a non-empty string")
        state.messages.append(text)
        state.new_message.notify_all()
        self.write_json({"cursor": len(state.messages)}, status=201)


@stream_request_body
class UploadHandler(JsonHandler):
    def prepare(self) -> None:
        # Streamed bodies may be larger than the server's default limit, up to this one.
        # Tornado types request.connection as the generic HTTPConnection; the server's has this.
        self.request.connection.set_max_body_size(self.settings["max_upload"])  # type: ignore[union-attr]
        self.digest = hashlib.sha256()
        self.size = 0
        self.pieces = 0

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.pieces += 1
        self.digest.update(chunk)

    def put(self) -> None:
        self.write_json({"size": self.size, "sha256": self.digest.hexdigest(), "pieces": self.pieces})


class State:
    """What the handlers share: the job queue and the synchronisation primitives."""

    def __init__(self) -> None:
        self.queue: queues.Queue[Job] = queues.Queue(maxsize=100)
        self.jobs: dict[int, Job] = {}
        self.job_ids = itertools.count(1)
        self.counter = 0
        self.counter_lock = locks.Lock()
        self.messages: list[str] = []
        self.new_message = locks.Condition()


async def worker(state: State) -> None:
    async for job in state.queue:
        try:
            await asyncio.sleep(0)
            job.result = sum(job.numbers)
            job.done.set()
        finally:
            state.queue.task_done()


def make_app(workers: int = 2, max_upload: int = MAX_UPLOAD) -> Application:
    state = State()
    app = Application(
        [
            (r"/", MainHandler),
            (r"/boom", BoomHandler),
            (r"/self", SelfFetchHandler),
            (r"/stats", StatsHandler),
            (r"/jobs", JobsHandler),
            (r"/jobs/([0-9]+)", JobHandler),
            (r"/counter", CounterHandler),
            (r"/messages", MessagesHandler),
            (r"/upload", UploadHandler),
        ],
        state=state,
        max_upload=max_upload,
    )
    for _ in range(workers):
        IOLoop.current().spawn_callback(worker, state)
    return app


async def main() -> None:
    parse_command_line()
    app = make_app(options.workers)
    app.listen(options.port)
    print(f"listening on http://localhost:{options.port}/", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
