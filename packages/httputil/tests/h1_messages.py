"""Valid HTTP/1.1 messages for the fuzzers: hypothesis strategies, an encoder written from
RFC 9112 (independent of the core's writer), and a normal form for comparing parses.

The test modules import it by name (conftest.py puts this folder on ``sys.path``), with
``FUZZ``, the settings every fuzzer here runs under.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

CI = os.environ.get("CI") == "true"
# TORNADO_TEST_FUZZ_EXAMPLES runs longer campaigns locally; CI keeps the fixed default,
# derandomized and without an example database.
FUZZ = settings(
    max_examples=int(os.environ.get("TORNADO_TEST_FUZZ_EXAMPLES", "200")),
    deadline=None,
    database=None if CI else settings().database,
    derandomize=CI,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Fields whose meaning is framing or connection state: generated on purpose, never at random.
RESERVED = {"host", "content-length", "transfer-encoding", "expect", "upgrade", "connection", "te", "trailer"}

tokens = st.text(TCHAR, min_size=1, max_size=12)
field_names = tokens.filter(lambda n: n.lower() not in RESERVED)
# field-value = *field-content: visible ASCII and obs-text, inner spaces and tabs.
_vchar = st.sampled_from([chr(c) for c in range(0x21, 0x7F)] + [chr(c) for c in (0x80, 0xA9, 0xE9, 0xFF)])
field_values = st.text(st.one_of(_vchar, st.sampled_from([" ", "\t"])), max_size=24).map(
    lambda v: v.strip(" \t")
)
methods = st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]) | tokens
_path_chars = st.text("abcXYZ019-._~!$&'()*+,;=:@/%?", max_size=30)
targets = st.builds(lambda p: "/" + p, _path_chars) | st.just("*") | st.just("http://example.com:8080/a?b")
bodies = st.binary(min_size=1, max_size=300)
# chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
chunk_exts = st.lists(
    st.builds(
        lambda n, v: f";{n}" + (f"={v}" if v else ""),
        tokens,
        st.one_of(st.just(""), tokens, st.builds(lambda t: f'"{t}"', st.text("ab c;=", max_size=6))),
    ),
    max_size=2,
).map("".join)


@dataclass
class Message:
    """One request or response, as the fields a parser must report."""

    start: tuple[str, str, str]  # (method, target, version) or (version, status, reason)
    headers: list[tuple[str, str]]
    framing: str  # "none", "length", "chunked" or "close" (responses only)
    chunks: list[bytes] = field(default_factory=list)
    exts: list[str] = field(default_factory=list)
    trailers: list[tuple[str, str]] = field(default_factory=list)
    request_method: str = "GET"  # for responses: what the request asked

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def encode(self) -> bytes:
        head = " ".join(self.start) + "\r\n"
        head += "".join(f"{n}: {v}\r\n" for n, v in self.headers)
        out = head.encode("latin-1") + b"\r\n"
        if self.framing == "chunked":
            for i, c in enumerate(self.chunks):
                ext = self.exts[i] if i < len(self.exts) else ""
                out += f"{len(c):x}{ext}\r\n".encode() + c + b"\r\n"
            out += b"0\r\n" + "".join(f"{n}: {v}\r\n" for n, v in self.trailers).encode("latin-1") + b"\r\n"
        elif self.framing in ("length", "close"):
            out += self.body
        return out

    def normal(self) -> tuple[object, ...]:
        """What any correct parser reports: start line, fields by lower-case name, body, trailers."""
        return (self.start, group(self.headers), self.body, group(self.trailers))


def group(pairs: list[tuple[str, str]] | None) -> dict[str, list[str]]:
    """Fields by lower-case name, values in arrival order (the order across names is not kept)."""
    out: dict[str, list[str]] = {}
    for n, v in pairs or ():
        out.setdefault(n.lower(), []).append(v)
    return out


@st.composite
def requests(draw: st.DrawFn, version: str | None = None) -> Message:
    version = version or draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0"]))
    method = draw(methods)
    target = draw(targets)
    headers = [("Host", draw(st.sampled_from(["a", "example.com:8080", "[::1]:80"])))]
    if version == "HTTP/1.0" and draw(st.booleans()):
        headers = []
    headers += draw(st.lists(st.tuples(field_names, field_values), max_size=6))
    framing = draw(
        st.sampled_from(["none", "length", "chunked"] if version == "HTTP/1.1" else ["none", "length"])
    )
    chunks: list[bytes] = []
    exts: list[str] = []
    trailers: list[tuple[str, str]] = []
    if framing == "length":
        chunks = [draw(bodies)]
        headers.append(("Content-Length", str(len(chunks[0]))))
    elif framing == "chunked":
        chunks = draw(st.lists(bodies, max_size=4))
        exts = draw(st.lists(chunk_exts, min_size=len(chunks), max_size=len(chunks)))
        trailers = draw(st.lists(st.tuples(field_names, field_values), max_size=2))
        headers.append(("Transfer-Encoding", "chunked"))
    order = draw(st.permutations(range(len(headers))))
    headers = [headers[i] for i in order]
    return Message((method, target, version), headers, framing, chunks, exts, trailers)


@st.composite
def responses(draw: st.DrawFn) -> Message:
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0"]))
    status = draw(st.sampled_from([200, 201, 204, 301, 304, 404, 500]) | st.integers(200, 599))
    reason = draw(st.text(TCHAR + " ", max_size=20).map(str.strip))
    method = draw(st.sampled_from(["GET", "HEAD", "POST"]))
    headers = draw(st.lists(st.tuples(field_names, field_values), max_size=6))
    bodiless = method == "HEAD" or status in (204, 304)
    framings = ["length", "close"] + (["chunked"] if version == "HTTP/1.1" else [])
    framing = draw(st.sampled_from(framings))
    chunks: list[bytes] = []
    trailers: list[tuple[str, str]] = []
    if framing == "length":
        chunks = [draw(bodies)]
        headers.append(("Content-Length", str(len(chunks[0]))))
    elif framing == "chunked":
        chunks = draw(st.lists(bodies, max_size=4))
        trailers = draw(st.lists(st.tuples(field_names, field_values), max_size=2))
        headers.append(("Transfer-Encoding", "chunked"))
    else:
        chunks = draw(st.lists(bodies, max_size=3))
    if bodiless:
        # The head may still describe the body a GET would get (HEAD, 304); none follows.
        framing, chunks, trailers = "none", [], []
        drop = ("Transfer-Encoding", "Content-Length") if status == 204 else ("Transfer-Encoding",)
        headers = [h for h in headers if h[0] not in drop]
    msg = Message((version, str(status), reason), headers, framing, chunks, [], trailers, method)
    return msg
