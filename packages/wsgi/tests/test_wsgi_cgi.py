"""The overview's WSGI example, verbatim, run as a CGI script: wsgiref's CGIHandler reads the
request from environment variables and stdin and writes the response to stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OVERVIEW_EXAMPLE = """\
import tornado.web
import tornado.wsgi
import wsgiref.handlers

class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello, world")

if __name__ == "__main__":
    application = tornado.wsgi.WSGIApplication([
        (r"/", MainHandler),
    ])
    wsgiref.handlers.CGIHandler().run(application)
"""

FORM_EXAMPLE = """\
import tornado.web
import tornado.wsgi
import wsgiref.handlers

class FormHandler(tornado.web.RequestHandler):
    def post(self):
        self.set_cookie("seen", "yes")
        self.write("Hello, " + self.get_argument("name"))

if __name__ == "__main__":
    wsgiref.handlers.CGIHandler().run(tornado.wsgi.WSGIApplication([(r"/form", FormHandler)]))
"""


def run_cgi(script: Path, method: str, path: str, body: bytes = b"", **extra: str) -> tuple[str, bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HTTP_", "REQUEST_", "CONTENT_", "PATH_INFO"))
    }
    env.update(
        GATEWAY_INTERFACE="CGI/1.1",
        REQUEST_METHOD=method,
        SCRIPT_NAME="",
        PATH_INFO=path,
        QUERY_STRING="",
        SERVER_NAME="localhost",
        SERVER_PORT="80",
        SERVER_PROTOCOL="HTTP/1.1",
        REMOTE_ADDR="127.0.0.1",
        HTTP_HOST="localhost",
    )
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
    env.update(extra)
    out = subprocess.run(
        [sys.executable, str(script)], input=body, env=env, capture_output=True, timeout=60, check=True
    )
    head, _, payload = out.stdout.partition(b"\r\n\r\n")
    return head.decode("latin-1"), payload


def test_overview_example_runs_verbatim_under_cgihandler(tmp_path: Path) -> None:
    script = tmp_path / "hello.py"
    script.write_text(OVERVIEW_EXAMPLE)
    head, body = run_cgi(script, "GET", "/")
    lines = head.split("\r\n")
    assert lines[0] == "Status: 200 OK"
    assert "Content-Type: text/html; charset=UTF-8" in lines
    assert "Content-Length: 12" in lines
    assert body == b"Hello, world"


def test_cgi_unknown_path_is_a_404_page(tmp_path: Path) -> None:
    script = tmp_path / "hello.py"
    script.write_text(OVERVIEW_EXAMPLE)
    head, body = run_cgi(script, "GET", "/missing")
    assert head.startswith("Status: 404 Not Found")
    assert b"404: Not Found" in body


def test_cgi_post_body_from_stdin_and_cookie(tmp_path: Path) -> None:
    script = tmp_path / "form.py"
    script.write_text(FORM_EXAMPLE)
    head, body = run_cgi(
        script, "POST", "/form", b"name=CGI", CONTENT_TYPE="application/x-www-form-urlencoded"
    )
    assert head.startswith("Status: 200 OK")
    assert "Set-Cookie: seen=yes; Path=/" in head.split("\r\n")
    assert body == b"Hello, CGI"
