"""The tornado.auth demo in headless Chromium, against its local providers: OpenID Connect and
OAuth 1.0a sign-ins end to end, and a forged OAuth 2.0 state refused."""

from __future__ import annotations

import re
import urllib.parse
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
