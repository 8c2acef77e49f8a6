from __future__ import annotations

import asyncio
import errno
import os
import socket
import stat
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from nethelp import eventually
from tornado.ioloop import IOLoop
from tornado.netutil import add_accept_handler, bind_sockets, bind_unix_socket, is_valid_ip, listen_backlog


def close_all(socks: list[socket.socket]) -> None:
    for s in socks:
        s.close()


def test_bind_sockets_all_interfaces_ipv4_and_ipv6_share_the_kernel_port(need_ipv6: None) -> None:
    socks = bind_sockets(0)
    try:
        families = {s.family for s in socks}
        assert families == {socket.AF_INET, socket.AF_INET6}
        ports = {s.getsockname()[1] for s in socks}
        assert len(ports) == 1 and ports.pop() != 0
        for s in socks:
            assert not s.getblocking()
            if s.family == socket.AF_INET6:
                assert s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 1
            assert s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 1
    finally:
        close_all(socks)


def test_bind_sockets_accepts_connections_on_each_family(need_ipv6: None) -> None:
    socks = bind_sockets(0, "")
    try:
        port = socks[0].getsockname()[1]
        for host in ("127.0.0.1", "::1"):
            with socket.create_connection((host, port), timeout=5):
                pass
    finally:
        close_all(socks)


def test_bind_sockets_family_restricts(need_ipv6: None) -> None:
    for family in (socket.AF_INET, socket.AF_INET6):
        socks = bind_sockets(0, None, family=family)
        try:
            assert {s.family for s in socks} == {family}
        finally:
            close_all(socks)


def test_bind_sockets_address_literal() -> None:
    socks = bind_sockets(0, "127.0.0.1")
    try:
        assert len(socks) == 1 and socks[0].getsockname()[0] == "127.0.0.1"
    finally:
        close_all(socks)


def test_bind_sockets_backlog_is_what_the_socket_listens_with() -> None:
    socks = bind_sockets(0, "127.0.0.1", backlog=7)
    try:
        assert listen_backlog(socks[0]) == 7
    finally:
        close_all(socks)


def test_listen_backlog_of_a_socket_made_elsewhere() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(5)
        assert listen_backlog(s) == 5


def test_bind_sockets_flags_reach_getaddrinfo() -> None:
    # AI_NUMERICHOST forbids looking up a name.
    with pytest.raises(socket.gaierror):
        bind_sockets(0, "localhost", flags=socket.AI_PASSIVE | socket.AI_NUMERICHOST)
    socks = bind_sockets(0, "localhost", family=socket.AF_INET, flags=socket.AI_PASSIVE)
    close_all(socks)


def test_bind_sockets_reuse_port_lets_two_listen_on_one_port() -> None:
    first = bind_sockets(0, "127.0.0.1", reuse_port=True)
    port = first[0].getsockname()[1]
    try:
        with pytest.raises(OSError) as info:
            bind_sockets(port, "127.0.0.1")
        assert info.value.errno == errno.EADDRINUSE
        second = bind_sockets(port, "127.0.0.1", reuse_port=True)
        assert second[0].getsockname()[1] == port
        assert second[0].getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        close_all(second)
    finally:
        close_all(first)


@pytest.mark.parametrize("port", [-1, 65536, "80", 8.0, True])
def test_bind_sockets_rejects_bad_port(port: Any) -> None:
    with pytest.raises(ValueError, match="port"):
        bind_sockets(port)


def test_bind_sockets_rejects_bad_backlog() -> None:
    with pytest.raises(ValueError, match="backlog"):
        bind_sockets(0, "127.0.0.1", backlog=-1)


def test_bind_unix_socket_mode_and_accepts(tmp_path: Any) -> None:
    path = str(tmp_path / "s.sock")
    sock = bind_unix_socket(path, mode=0o640, backlog=3)
    try:
        st = os.stat(path)
        assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o640
        assert not sock.getblocking()
        with socket.socket(socket.AF_UNIX) as c:
            c.connect(path)
            c.sendall(b"x")
            sock.setblocking(True)
            conn, _ = sock.accept()
            assert conn.recv(1) == b"x"
            conn.close()
    finally:
        sock.close()


def test_bind_unix_socket_default_mode_is_owner_only(tmp_path: Any) -> None:
    path = str(tmp_path / "d.sock")
    sock = bind_unix_socket(path)
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        sock.close()


def test_bind_unix_socket_replaces_a_stale_socket(tmp_path: Any) -> None:
    path = str(tmp_path / "stale.sock")
    old = bind_unix_socket(path)
    old.close()  # the file stays behind
    assert os.path.exists(path)
    new = bind_unix_socket(path)
    try:
        with socket.socket(socket.AF_UNIX) as c:
            c.connect(path)
    finally:
        new.close()


def test_bind_unix_socket_refuses_to_remove_other_files(tmp_path: Any) -> None:
    path = tmp_path / "data.txt"
    path.write_text("keep me")
    with pytest.raises(ValueError, match="not a socket"):
        bind_unix_socket(str(path))
    assert path.read_text() == "keep me"


def test_add_accept_handler_accepts_and_remove_stops(io_loop: IOLoop, run: Any) -> None:
    [lst] = bind_sockets(0, "127.0.0.1")
    port = lst.getsockname()[1]
    accepted: list[tuple[socket.socket, Any]] = []
    remove = add_accept_handler(lst, lambda conn, addr: accepted.append((conn, addr)))

    async def main() -> None:
        c1 = socket.create_connection(("127.0.0.1", port), timeout=5)
        await eventually(lambda: len(accepted) == 1)
        conn, addr = accepted[0]
        assert addr == c1.getsockname()
        remove()
        remove()  # a second call is harmless
        c2 = socket.create_connection(("127.0.0.1", port), timeout=5)  # queued by the kernel
        await asyncio.sleep(0.2)
        assert len(accepted) == 1
        lst.setblocking(True)
        lst.settimeout(5)
        queued, _ = lst.accept()  # the socket itself stays open and usable
        queued.close()
        for s in (c1, c2, conn):
            s.close()

    try:
        run(main)
    finally:
        lst.close()


def test_add_accept_handler_takes_a_burst(io_loop: IOLoop, run: Any) -> None:
    [lst] = bind_sockets(0, "127.0.0.1", backlog=200)
    port = lst.getsockname()[1]
    accepted: list[socket.socket] = []
    remove = add_accept_handler(lst, lambda conn, addr: accepted.append(conn))

    async def main() -> None:
        clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(150)]
        await eventually(lambda: len(accepted) == 150)
        for s in clients + accepted:
            s.close()

    try:
        run(main)
    finally:
        remove()
        lst.close()


def test_add_accept_handler_can_remove_itself_mid_burst(io_loop: IOLoop, run: Any) -> None:
    [lst] = bind_sockets(0, "127.0.0.1")
    port = lst.getsockname()[1]
    accepted: list[socket.socket] = []

    def on_conn(conn: socket.socket, addr: Any) -> None:
        accepted.append(conn)
        remove()

    remove = add_accept_handler(lst, on_conn)

    async def main() -> None:
        clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
        await eventually(lambda: len(accepted) == 1)
        await asyncio.sleep(0.1)
        assert len(accepted) == 1
        for s in clients + accepted:
            s.close()

    try:
        run(main)
    finally:
        lst.close()


def test_add_accept_handler_rejects_non_callable(io_loop: IOLoop) -> None:
    [lst] = bind_sockets(0, "127.0.0.1")
    try:
        with pytest.raises(TypeError, match="callback"):
            add_accept_handler(lst, "nope")  # type: ignore[arg-type]
    finally:
        lst.close()


EMFILE_SCRIPT = textwrap.dedent("""
    import logging, resource, socket, sys
    from tornado.ioloop import IOLoop
    from tornado.netutil import add_accept_handler, bind_sockets

    logging.basicConfig(level=logging.ERROR, stream=sys.stdout, format="%(name)s %(message)s")
    loop = IOLoop()
    loop.make_current()
    [lst] = bind_sockets(0, "127.0.0.1")
    port = lst.getsockname()[1]
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    accepted = []
    hog = []

    def exhaust():
        # Use up the descriptors (once the loop runs: it needs some of its own), leaving
        # none for accept().
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
        try:
            while True:
                hog.append(socket.socket())
        except OSError:
            pass
        add_accept_handler(lst, lambda conn, addr: accepted.append(conn))
        loop.call_later(0.3, free)

    def free():
        for s in hog:
            s.close()
        hog.clear()

    loop.add_callback(exhaust)
    loop.call_later(2.0, loop.stop)
    loop.start()
    print("accepted", len(accepted))
""")


def test_add_accept_handler_survives_running_out_of_descriptors(tmp_path: Any) -> None:
    script = tmp_path / "emfile.py"
    script.write_text(EMFILE_SCRIPT)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "accept() on" in out.stdout and "pausing" in out.stdout
    # Once descriptors are free again, every queued connection is accepted.
    assert out.stdout.strip().endswith("accepted 3")
    # Paused, not spinning: a handful of log lines, not thousands.
    assert out.stdout.count("pausing") < 20


@pytest.mark.parametrize(
    "ip",
    ["4.4.4.4", "127.0.0.1", "::1", "::ffff:1.2.3.4", "2001:db8::1", "fe80::1%lo"],
)
def test_is_valid_ip_accepts_literals(ip: str) -> None:
    assert is_valid_ip(ip)


@pytest.mark.parametrize(
    "ip",
    [
        "",
        "localhost",
        "example.com",
        "-1",
        "1.2.3.4.5",
        "1.2.3.4\x00",
        " 1.2.3.4",
        "a" * 4000,
        "::1::2",
        "[::1]",
    ],
)
def test_is_valid_ip_rejects_the_rest(ip: str) -> None:
    assert not is_valid_ip(ip)


def test_is_valid_ip_does_not_look_names_up() -> None:
    # A name that resolves (it is in /etc/hosts) is still not an IP literal.
    assert socket.getaddrinfo("localhost", 0)
    assert not is_valid_ip("localhost")
