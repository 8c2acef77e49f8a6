"""Tests of the sample application, written against Tornado 6's tornado.testing.

This file runs unchanged on this repository's stack and on Tornado 6 from PyPI (tox envs
``integration`` and ``tornado6-crosscheck``); ``python -m tornado.testing test_app`` runs it
too, from this folder.
"""

import hashlib
import json
import os
import sys
import unittest

from tornado import gen
from tornado.httpclient import HTTPClientError
from tornado.testing import AsyncHTTPTestCase, ExpectLog, gen_test

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app import make_app  # noqa: E402


def as_json(response):
    return json.loads(response.body)


class AppTest(AsyncHTTPTestCase):
    def get_app(self):
        return make_app(workers=2)

    def test_hello(self):
        response = self.fetch("/")
        self.assertEqual(response.code, 200)
        self.assertEqual(response.body, b"Hello, world")

    def test_unknown_path_is_404(self):
        self.assertEqual(self.fetch("/nowhere").code, 404)

    def test_a_failing_handler_gives_500_and_logs_it(self):
        with ExpectLog("tornado.application", "Uncaught exception"):
            response = self.fetch("/boom")
        self.assertEqual(response.code, 500)
        self.assertEqual(as_json(response)["status"], 500)

    def test_raise_error_makes_fetch_raise(self):
        with self.assertRaises(HTTPClientError) as caught:
            self.fetch("/jobs/999", raise_error=True)
        self.assertEqual(caught.exception.code, 404)

    def test_async_handler_fetches_this_server(self):
        response = self.fetch("/self?path=/")
        self.assertEqual(as_json(response), {"code": 200, "body": "Hello, world"})
        self.assertEqual(self.fetch("/self?path=nope").code, 400)

    def test_coroutine_handler_yields_a_dict_of_futures(self):
        self.fetch("/messages", method="POST", body=json.dumps({"text": "hi"}))
        self.assertEqual(as_json(self.fetch("/stats")), {"jobs": 0, "messages": 1, "counter": 0})

    @gen_test
    async def test_jobs_go_through_the_queue(self):
        ids = []
        for numbers in ([1, 2, 3], [10, 20], []):
            response = await self.http_client.fetch(
                self.get_url("/jobs"), method="POST", body=json.dumps({"numbers": numbers})
            )
            self.assertEqual(response.code, 202)
            ids.append(as_json(response)["id"])
        results = []
        for job_id in ids:
            response = await self.http_client.fetch(self.get_url(f"/jobs/{job_id}?wait=5"))
            body = as_json(response)
            self.assertTrue(body["done"])
            results.append(body["result"])
        self.assertEqual(results, [6, 30, 0])

    def test_a_bad_job_is_refused(self):
        response = self.fetch("/jobs", method="POST", body=json.dumps({"numbers": "12"}))
        self.assertEqual(response.code, 400)
        self.assertEqual(self.fetch("/jobs", method="POST", body="not json").code, 400)

    @gen_test
    def test_the_lock_keeps_concurrent_increments(self):
        url = self.get_url("/counter")
        responses = yield [self.http_client.fetch(url, method="POST", body=b"") for _ in range(20)]
        self.assertEqual(sorted(as_json(r)["counter"] for r in responses), list(range(1, 21)))
        stats = yield self.http_client.fetch(self.get_url("/stats"))
        self.assertEqual(as_json(stats)["counter"], 20)

    @gen_test(timeout=10)
    async def test_long_poll_wakes_up_on_a_new_message(self):
        poll = self.http_client.fetch(self.get_url("/messages?cursor=0&wait=10"))
        await gen.sleep(0.05)
        self.assertFalse(poll.done())
        await self.http_client.fetch(
            self.get_url("/messages"), method="POST", body=json.dumps({"text": "hello"})
        )
        response = await poll
        self.assertEqual(as_json(response), {"messages": ["hello"], "cursor": 1})

    def test_long_poll_times_out_empty(self):
        response = self.fetch("/messages?cursor=0&wait=0.05")
        self.assertEqual(as_json(response), {"messages": [], "cursor": 0})

    def test_streamed_upload_is_hashed_as_it_arrives(self):
        body = os.urandom(3 * 1024 * 1024 + 17)
        response = self.fetch("/upload", method="PUT", body=body)
        self.assertEqual(response.code, 200)
        result = as_json(response)
        self.assertEqual(result["size"], len(body))
        self.assertEqual(result["sha256"], hashlib.sha256(body).hexdigest())
        self.assertGreater(result["pieces"], 1)

    @gen_test
    async def test_chunked_upload_from_a_body_producer(self):
        pieces = [os.urandom(100_000) for _ in range(8)]

        async def produce(write):
            for piece in pieces:
                await write(piece)

        response = await self.http_client.fetch(
            self.get_url("/upload"), method="PUT", body_producer=produce, request_timeout=30
        )
        result = as_json(response)
        self.assertEqual(result["size"], 800_000)
        self.assertEqual(result["sha256"], hashlib.sha256(b"".join(pieces)).hexdigest())


class SmallUploadTest(AsyncHTTPTestCase):
    def get_app(self):
        return make_app(workers=1, max_upload=100_000)

    def get_httpserver_options(self):
        return {"max_body_size": 1000}

    def test_the_upload_handler_raises_the_server_limit_to_its_own(self):
        body = b"x" * 50_000
        result = as_json(self.fetch("/upload", method="PUT", body=body))
        self.assertEqual(result["sha256"], hashlib.sha256(body).hexdigest())

    def test_a_body_over_the_handler_limit_is_refused(self):
        response = self.fetch("/upload", method="PUT", body=b"x" * 200_000)
        self.assertIn(response.code, (400, 413))  # Tornado answers 400, this stack 413

    def test_plain_handlers_keep_the_server_limit(self):
        response = self.fetch("/messages", method="POST", body=json.dumps({"text": "x" * 5000}))
        self.assertIn(response.code, (400, 413))


if __name__ == "__main__":
    unittest.main()
