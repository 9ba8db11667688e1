"""Browser-like HTTP clients from a chosen loopback source address (to land on one instance behind
ip_hash), signing in with the form's CSRF token as production settings require."""
from __future__ import annotations

import re

import requests
from requests.adapters import HTTPAdapter

from tests.conftest import PASSWORD

FORM_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGE_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class SourceAddress(HTTPAdapter):
    """Connections from one local address (any of 127.0.0.0/8 is this machine)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str, base: str | None = None) -> requests.Session:
    """A browser-like session whose requests leave from address; on base's pages, it sends them as its
    Referer (as a browser does for same-origin requests, and as CSRF checks over HTTPS require)."""
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    if base:
        session.headers["Referer"] = f"{base}/"
    for scheme in ("http://", "https://"):
        session.mount(scheme, SourceAddress(address))
    return session


def form_token(session: requests.Session, url: str, pattern: re.Pattern = FORM_TOKEN) -> str:
    """The CSRF token of the page at url (the session keeps the cookie it belongs to)."""
    with session.get(url) as page:
        found = pattern.search(page.text)
        assert page.status_code == 200 and found, (page.status_code, page.text[:500])
        return found.group(1)


def signed_in(base: str, username: str, address: str) -> requests.Session:
    """A session from address, signed in through the login form, token and all."""
    session = session_from(address, base)
    data = {"username": username, "password": PASSWORD, "csrf_token": form_token(session, f"{base}/login")}
    with session.post(f"{base}/login", data=data, allow_redirects=False) as response:
        assert response.status_code == 302 and response.headers["Location"] == "/", response.headers
    return session


def cookie_of(session: requests.Session) -> str:
    """The Cookie header a browser would send with the session's cookies."""
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)
