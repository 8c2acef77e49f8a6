"""The optional C masking helpers (_speedups.c) and their pure-Python versions give the same
bytes, and the protocol core works on either."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from conftest import Raw
from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.websocket import CLIENT, SERVER, Message, WebSocketProtocol, _frames, _protocol

C = pytest.importorskip("tornado.websocket._speedups") if _frames.SPEEDUPS else None


def naive(data: bytes, key: bytes) -> bytes:
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


def test_the_extension_is_built_in_ci() -> None:
    if not _frames.SPEEDUPS:
        if os.environ.get("CI") == "true":
            pytest.fail("tornado.websocket._speedups was not built (is a C compiler installed?)")
        pytest.skip("the C speedups are not built here")
    assert _protocol.unmask is C.unmask  # type: ignore[union-attr]


KEYS = st.binary(min_size=4, max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), KEYS, st.binary(max_size=9), st.binary(max_size=5), st.booleans())
def test_both_implementations_unmask_alike(
    payload: bytes, key: bytes, before: bytes, after: bytes, as_bytearray: bool
) -> None:
    masked = naive(payload, key)
    buf: bytes | bytearray = before + key + masked + after
    if as_bytearray:
        buf = bytearray(buf)
    start = len(before) + 4
    end = start + len(payload)
    impls = [(_frames.py_mask, _frames.py_unmask, _frames.py_unmask_text)]
    if C is not None:
        impls.append((C.mask, C.unmask, C.unmask_text))
    try:
        text: str | None = payload.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    for mask, unmask, unmask_text in impls:
        assert mask(payload, key) == masked
        assert mask(masked, key) == payload
        assert unmask(buf, start, end) == payload
        if text is None:
            with pytest.raises(UnicodeDecodeError):
                unmask_text(buf, start, end)
        else:
            assert unmask_text(buf, start, end) == text


@pytest.mark.skipif(C is None, reason="the C speedups are not built here")
def test_the_c_helpers_refuse_bad_arguments() -> None:
    assert C is not None
    with pytest.raises(ValueError, match="start <= end"):
        C.unmask(b"abcdef", 3, 5)  # no room for the key before start
    with pytest.raises(ValueError, match="start <= end"):
        C.unmask(b"abcdef", 4, 7)  # past the end
    with pytest.raises(ValueError, match="start <= end"):
        C.unmask_text(b"abcdef", 5, 4)
    with pytest.raises(ValueError, match="4 bytes"):
        C.mask(b"data", b"key")
    c: Any = C  # called with wrong arguments on purpose
    with pytest.raises(TypeError):
        c.unmask(b"abcdef", 4)
    with pytest.raises(TypeError):
        c.mask("text", b"1234")


@pytest.fixture(params=["c", "python"])
def masking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test once on the helpers in use and once on the pure-Python ones."""
    if request.param == "c" and not _frames.SPEEDUPS:
        pytest.skip("the C speedups are not built here")
    if request.param == "python":
        monkeypatch.setattr(_protocol, "mask", _frames.py_mask)
        monkeypatch.setattr(_protocol, "unmask", _frames.py_unmask)
        monkeypatch.setattr(_protocol, "unmask_text", _frames.py_unmask_text)
    return str(request.param)


@pytest.mark.parametrize("size", [0, 1, 7, 8, 125, 126, 300, 70000])
def test_client_frames_reach_the_server_on_either_path(masking: str, size: int) -> None:
    client, server = WebSocketProtocol(CLIENT), WebSocketProtocol(SERVER)
    text = ("é" * size)[:size]
    data = bytes(range(256)) * (size // 256 + 1)
    wire = (
        client.send_message(text)
        + client.send_message(data[:size])
        + client.send_message(text, fragment_size=50)
    )
    assert Raw.events(server, wire) == [Message(text), Message(data[:size]), Message(text)]
    taken = WebSocketProtocol(SERVER).take_message(client.send_message(text))
    assert taken == (text if len(text.encode()) < 126 else None)


def test_the_switch_turns_the_c_helpers_off() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from tornado.websocket import _frames; print(_frames.SPEEDUPS)"],
        env={**os.environ, "TORNADO_WEBSOCKET_NO_SPEEDUPS": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == "False", out.stderr
