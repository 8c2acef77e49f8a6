"""RFC 5849 signing, checked with the RFC's worked examples and against oauthlib's client."""

from __future__ import annotations

import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oauthlib.oauth1 import Client
from tornado.auth._oauth1sign import (
    base_string_uri,
    hmac_sha1_signature,
    make_oauth_params,
    percent_encode,
    signature_base_string,
)

CONSUMER = ("dpf43f3p2l4k3l03", "kd94hf93k423kf44")  # RFC 5849 section 1.2's printer


def test_rfc5849_section_3_4_1_1_base_string() -> None:
    # POST /request?b5=%3D%253D&a3=a&c%40=&a2=r%20b with body "c2&a3=2+q"
    body = urllib.parse.parse_qsl("c2&a3=2+q", keep_blank_values=True)
    oauth = [
        ("oauth_consumer_key", "9djdj82h48djs9d2"),
        ("oauth_token", "kkk9d7dh3k39sjv7"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131201"),
        ("oauth_nonce", "7d8f3e4a"),
    ]
    base = signature_base_string(
        "POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", body + oauth
    )
    assert base == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D"
        "%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1"
        "%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
    )


@pytest.mark.parametrize(
    "method, url, extra, token, expected",
    [
        (  # temporary credentials
            "POST",
            "https://photos.example.net/initiate",
            {
                "oauth_timestamp": "137131200",
                "oauth_nonce": "wIjqoS",
                "oauth_callback": "http://printer.example.com/ready",
            },
            None,
            "74KNZJeDHnMBp0EMJ9ZHt/XKycU=",
        ),
        (  # token credentials
            "POST",
            "https://photos.example.net/token",
            {"oauth_timestamp": "137131201", "oauth_nonce": "walatlh", "oauth_verifier": "hfdp7dh39dks9884"},
            ("hh5s93j4hdidpola", "hdhd0244k9j7ao03"),
            "gKgrFCywp7rO0OXSjdot/IHF7IU=",
        ),
        (  # the protected resource
            "GET",
            "http://photos.example.net/photos?file=vacation.jpg&size=original",
            {"oauth_timestamp": "137131202", "oauth_nonce": "chapoH"},
            ("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00"),
            "MdpQcU8iPSUjWoN/UDMsK2sui9I=",
        ),
    ],
)
def test_rfc5849_section_1_2_signatures(
    method: str, url: str, extra: dict[str, str], token: tuple[str, str] | None, expected: str
) -> None:
    params = [("oauth_consumer_key", CONSUMER[0]), ("oauth_signature_method", "HMAC-SHA1"), *extra.items()]
    if token:
        params.append(("oauth_token", token[0]))
    base = signature_base_string(method, url, params)
    assert hmac_sha1_signature(base, CONSUMER[1], token[1] if token else None) == expected


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTP://EXAMPLE.COM:80/r%20v/X?id=123", "http://example.com/r%20v/X"),  # RFC 5849 3.4.1.2
        ("https://www.example.net:8080/?q=1", "https://www.example.net:8080/"),
        ("https://example.com:443", "https://example.com/"),
        ("http://[::1]:8888/a#frag", "http://[::1]:8888/a"),
    ],
)
def test_base_string_uri(url: str, expected: str) -> None:
    assert base_string_uri(url) == expected


def test_base_string_uri_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="http and https"):
        base_string_uri("ftp://example.com/")


def test_percent_encoding_keeps_only_unreserved() -> None:
    assert percent_encode("AZaz09-._~") == "AZaz09-._~"
    assert percent_encode("a b+c/d=e&f*") == "a%20b%2Bc%2Fd%3De%26f%2A"
    assert percent_encode("é☃") == "%C3%A9%E2%98%83"


@pytest.mark.parametrize(
    "method, url, params",
    [
        ("GET", "http://127.0.0.1:8000/1.1/statuses/home_timeline.json?count=5&since_id=7", {}),
        (
            "POST",
            "https://api.example.com/1.1/statuses/update.json",
            {"status": "héllo wörld & more ☃ ~!*'()"},
        ),
        ("POST", "http://example.com/path%20with%20space?q=a%2Bb&q=c", {"extra": ""}),
    ],
)
def test_signatures_match_oauthlib(method: str, url: str, params: dict[str, str]) -> None:
    token = {"key": "token-key", "secret": "token secret&+"}
    ours = make_oauth_params(
        method,
        url,
        "consumer key",
        "consumer/secret",
        token,
        params,
        timestamp="1300000000",
        nonce="abc123nonce",
    )
    client = Client(
        "consumer key",
        client_secret="consumer/secret",
        resource_owner_key="token-key",
        resource_owner_secret="token secret&+",
        timestamp="1300000000",
        nonce="abc123nonce",
        signature_type="QUERY",
    )
    body = urllib.parse.urlencode(params) if params else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    signed_url, _, _ = client.sign(url, http_method=method, body=body, headers=headers)
    theirs = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(signed_url).query))
    assert ours["oauth_signature"] == theirs["oauth_signature"]


async def test_the_local_provider_checks_our_signatures_with_oauthlib() -> None:
    """Signed by us, checked by oauthlib: query arguments with spaces and non-ASCII verify; a
    changed argument, a reused nonce or an old timestamp do not."""
    import time

    from authhelp import world
    from tornado.httpclient import AsyncHTTPClient

    async with world([]) as w:
        provider = w.providers.oauth1
        provider.register_consumer("c-key", "c secret/+")
        alice = provider.user("alice")
        token = provider.new_token("c-key", user=alice)
        provider.access_tokens[token.key] = token
        url = provider.base_url + "/1.1/account/verify_credentials.json"
        client = AsyncHTTPClient(force_instance=True)

        async def call(
            args: dict[str, str],
            sent: dict[str, str] | None = None,
            nonce: str | None = None,
            timestamp: str | None = None,
        ) -> int:
            secret = {"key": token.key, "secret": token.secret}
            oauth = make_oauth_params(
                "GET", url, "c-key", "c secret/+", secret, args, nonce=nonce, timestamp=timestamp
            )
            query = urllib.parse.urlencode({**(sent if sent is not None else args), **oauth})
            response = await client.fetch(url + "?" + query, raise_error=False)
            return response.code

        try:
            args = {"include_entities": "a b&c", "name": "Zoë ☃"}
            assert await call(args) == 200
            assert await call(args, sent=dict(args, name="Zoe")) == 401
            assert await call(args, nonce="same-nonce") == 200
            assert await call(args, nonce="same-nonce") == 401
            assert await call(args, timestamp=str(int(time.time()) - 3600)) == 401
        finally:
            client.close()


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_name = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "get"]),
    host=st.sampled_from(["example.com", "API.Example.com:8443", "127.0.0.1:80", "[::1]:9000"]),
    path=st.lists(_name, max_size=3),
    query=st.lists(st.tuples(_name, _text), max_size=4),
    form=st.dictionaries(_name.filter(lambda k: not k.startswith("oauth_")), _text, max_size=4),
    secret=_text,
    token_secret=_text,
)
def test_signatures_match_oauthlib_for_any_request(
    method: str,
    host: str,
    path: list[str],
    query: list[tuple[str, str]],
    form: dict[str, str],
    secret: str,
    token_secret: str,
) -> None:
    """Any method, host, path, repeated or reserved-character query arguments and form fields."""
    if method.upper() == "GET":
        form = {}  # a GET sends its arguments in the query
    url = f"https://{host}/" + "/".join(urllib.parse.quote(p, safe="") for p in path)
    if query:
        url += "?" + urllib.parse.urlencode(query)
    ours = make_oauth_params(
        method,
        url,
        "ck",
        secret,
        {"key": "tk", "secret": token_secret},
        form,
        timestamp="1300000000",
        nonce="n0nce",
    )
    client = Client(
        "ck",
        client_secret=secret,
        resource_owner_key="tk",
        resource_owner_secret=token_secret,
        timestamp="1300000000",
        nonce="n0nce",
        signature_type="QUERY",
    )
    body = urllib.parse.urlencode(form) if form else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    signed_url, _, _ = client.sign(url, http_method=method.upper(), body=body, headers=headers)
    theirs = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(signed_url).query, keep_blank_values=True))
    assert ours["oauth_signature"] == theirs["oauth_signature"]
