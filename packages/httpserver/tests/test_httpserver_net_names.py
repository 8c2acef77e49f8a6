"""tornado.httpserver keeps publishing the socket and process helpers it first shipped.

They are implemented once, in tornado-net (and the TLS conversion in tornado-iostream);
these are the same objects, not copies.
"""

from __future__ import annotations

import ssl
from typing import Any

import pytest
import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.process
from tornado.httpserver import HTTPServer


def test_the_names_are_the_net_ones() -> None:
    assert tornado.httpserver.bind_sockets is tornado.netutil.bind_sockets
    assert tornado.httpserver.fork_processes is tornado.process.fork_processes
    assert tornado.httpserver.task_id is tornado.process.task_id
    assert tornado.httpserver.ssl_options_to_context is tornado.iostream.ssl_options_to_context
    assert tornado.netutil.ssl_options_to_context is tornado.iostream.ssl_options_to_context


def test_the_server_context_comes_from_the_one_conversion(tmp_path: Any) -> None:
    trustme = pytest.importorskip("trustme")
    cert = trustme.CA().issue_cert("localhost")
    certfile, keyfile = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    server = HTTPServer(lambda r: None, ssl_options={"certfile": str(certfile), "keyfile": str(keyfile)})
    assert server.ssl_context is not None
    assert server.ssl_context.protocol == ssl.PROTOCOL_TLS_SERVER


def test_listen_keeps_the_servers_larger_backlog() -> None:
    from tornado.httpserver._server import _DEFAULT_BACKLOG

    assert _DEFAULT_BACKLOG > 128
    created: list[Any] = []

    class Recording(HTTPServer):
        def add_sockets(self, sockets: Any) -> None:
            created.extend(sockets)

    Recording(lambda r: None).listen(0, "127.0.0.1")
    try:
        assert tornado.netutil.listen_backlog(created[0]) == _DEFAULT_BACKLOG
    finally:
        for s in created:
            s.close()
