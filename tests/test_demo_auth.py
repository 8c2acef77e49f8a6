"""The tornado.auth demo in headless Chromium, against its local providers: OpenID Connect and
OAuth 1.0a sign-ins end to end, and a forged OAuth 2.0 state refused."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

SCRIPT = "auth/authdemo.py"
SECRET = "test-secret-for-the-auth-demo"
WAIT = 20_000  # ms


@pytest.fixture
def demo(start_demo: Any) -> Any:
    return start_demo(SCRIPT, "--local_providers", f"--cookie_secret={SECRET}")


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context()
    context.set_default_timeout(WAIT)
    p = context.new_page()
    yield p
    context.close()


def approve_as(page: Any, username: str) -> None:
    """On a local provider's consent page: type the username and allow."""
    page.wait_for_selector("button[value=allow]")
    page.fill("input[name=username]", username)
    page.click("button[value=allow]")


@pytest.mark.parametrize(
    "service, label, username, expected",
    [
        ("google", "Google", "alice", "alice@example.com"),
        ("twitter", "Twitter", "bob", "Bob Marley"),
        ("yahoo", "Yahoo", "bob", "bob@example.com"),
        ("facebook", "Facebook", "alice", "alice@example.com"),
        ("friendfeed", "FriendFeed", "alice", "Alice Liddell"),
    ],
)
def test_sign_in_in_a_browser(
    demo: Any, page: Any, service: str, label: str, username: str, expected: str
) -> None:
    credentials: list[str] = []  # what the provider sent back through the browser

    def note(request: Any) -> None:
        if request.url.startswith(demo.url + "/auth/"):
            args = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
            for name in ("code", "oauth_token", "oauth_verifier"):
                credentials.extend(args.get(name, []))

    page.on("request", note)
    page.goto(demo.url + "/")
    assert page.inner_text("#user") == "Not signed in."
    page.click(f"#signin-{service}")
    assert not page.url.startswith(demo.url)  # at the provider
    approve_as(page, username)
    page.wait_for_url(demo.url + "/")
    who = page.inner_text("#user")
    assert expected in who and page.inner_text("#service") == label
    page.click("text=Sign out")
    page.wait_for_selector("text=Not signed in.")
    log = demo.log()
    assert credentials and f"/auth/{service}?" in log
    assert not [c for c in credentials if c in log or urllib.parse.quote(c, safe="") in log]


def test_forged_state_is_refused_in_a_browser(demo: Any, page: Any) -> None:
    page.goto(demo.url + "/")
    page.click("#signin-google")
    page.wait_for_selector("button[value=allow]")
    parts = urllib.parse.urlsplit(page.url)
    args = dict(urllib.parse.parse_qsl(parts.query))
    assert args["code_challenge_method"] == "S256"
    args["state"] = "forged-by-an-attacker"
    page.goto(urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(args))))
    approve_as(page, "alice")
    page.wait_for_selector("#error")
    assert page.inner_text("#error") == "Sign-in refused (403)"
    assert "state" in page.inner_text("#reason")
    assert re.search(r"code=", page.url)  # the provider did issue a code; the demo refused it
    page.goto(demo.url + "/")
    assert page.inner_text("#user") == "Not signed in."
    assert "Traceback" not in demo.log()


def test_services_are_configured_through_options(start_demo: Any) -> None:
    """Without local providers: a service with a client id and secret sends the browser to the
    real provider with them; one without is listed as not configured and its URL is a 404."""
    demo = start_demo(SCRIPT, "--google_client_id=id-123", "--google_client_secret=s")  # random cookie secret
    with urllib.request.urlopen(demo.url + "/", timeout=10) as response:
        home = response.read().decode()
    assert "id='signin-google'" in home
    assert "Twitter: not configured" in home and "id='signin-twitter'" not in home

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(demo.url + "/auth/google", timeout=10)
    assert redirect.value.code == 302
    location = urllib.parse.urlsplit(redirect.value.headers["Location"])
    assert location.netloc == "accounts.google.com"
    args = dict(urllib.parse.parse_qsl(location.query))
    assert args["client_id"] == "id-123" and args["redirect_uri"] == demo.url + "/auth/google"
    assert args["code_challenge_method"] == "S256" and args["state"]
    with pytest.raises(urllib.error.HTTPError) as missing:
        opener.open(demo.url + "/auth/twitter", timeout=10)
    assert missing.value.code == 404
    assert "Traceback" not in demo.log()
