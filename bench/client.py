"""The client side of the benchmark (the load itself is wrk's): HTTP on 127.0.0.1, logging in through
the real form, following pager links (BeautifulSoup reads the pages), checking each scenario's answer
and measuring its size on the wire."""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from bs4 import BeautifulSoup

HOST = "127.0.0.1"
USER_AGENT = "webapp-bench/1"
PASSWORD = "bench-password"
HTMX = {"HX-Request": "true"}
REQUEST_TIMEOUT_S = 15.0


@dataclass
class Reply:
    """One HTTP answer: status, body, and whether it set a cookie."""

    status: int
    body: bytes
    sets_cookie: bool

def fetch(port: int, path: str, headers: dict[str, str], method: str = "GET", body: str | None = None) -> Reply:
    """Ask for a path on 127.0.0.1 over a fresh connection (gunicorn's sync workers close it anyway)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        conn.request(method, path, body=body, headers={"User-Agent": USER_AGENT, **headers})
        response = conn.getresponse()
        body = response.read()
        sets_cookie = response.getheader("Set-Cookie") is not None
    finally:
        conn.close()
    return Reply(response.status, body, sets_cookie)


def page_of(body: bytes) -> BeautifulSoup:
    """A page parsed for selector lookups."""
    return BeautifulSoup(body.decode("utf-8", errors="replace"), "html.parser")


def login(port: int, username: str) -> str:
    """Log in through the real form (CSRF token and cookies kept); the Cookie header to reuse."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),  # never via a proxy
                                         urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    base = f"http://{HOST}:{port}"
    with opener.open(f"{base}/auth/login", timeout=REQUEST_TIMEOUT_S) as response:
        field_ = page_of(response.read()).select_one("input[name=csrf_token]")
    if field_ is None:
        raise RuntimeError("no csrf_token on the login page")
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": field_["value"]})
    try:
        with opener.open(f"{base}/auth/login", data=form.encode(), timeout=REQUEST_TIMEOUT_S) as response:
            landed = urllib.parse.urlsplit(response.geturl()).path
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"login as {username} failed with HTTP {error.code}") from error
    if landed != "/":
        raise RuntimeError(f"login as {username} landed on {landed}, not /")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def shown_counts(port: int, cookie: str) -> str:
    """The counts the navbar shows (the badge's and the bell's hidden inputs), as its poll sends
    them: a query string."""
    reply = fetch(port, "/", {"Cookie": cookie})
    page = page_of(reply.body) if reply.status == 200 else None
    fields = page.select("#unread-badge > input, #notification-badge > input") if page else []
    if len(fields) != 2:
        raise RuntimeError(f"no badge and bell with their counts on / (HTTP {reply.status})")
    return urllib.parse.urlencode({field["name"]: field["value"] for field in fields})


def csrf_token(port: int, cookie: str) -> str:
    """The CSRF token a signed-in page gives htmx (hx-headers on <body>), for the posts htmx makes."""
    reply = fetch(port, "/", {"Cookie": cookie})
    body = page_of(reply.body).select_one("body[hx-headers]")
    if body is None:
        raise RuntimeError(f"no hx-headers on / (HTTP {reply.status})")
    return json.loads(body["hx-headers"])["X-CSRFToken"]


@dataclass
class Scenario:
    """One measured request shape: who asks for what (a GET, or a form POST as htmx sends it, with
    the CSRF token), and which answer is right."""

    name: str
    path: str
    cookie: str
    expect: int
    must_contain: bytes = b""
    htmx: bool = False
    form: dict | None = None
    csrf: str = ""
    # Its answer flashes a notice, which rewrites the session cookie (every other answer must not).
    flashes: bool = False

    @property
    def method(self) -> str:
        return "GET" if self.form is None else "POST"

    def body(self) -> str | None:
        """The url-encoded form of a POST; None for a GET."""
        return None if self.form is None else urllib.parse.urlencode(self.form)

    def headers(self) -> dict[str, str]:
        """The request headers: the session cookie, plus HX-Request for htmx polls (and a form's
        type and CSRF token for a POST). The browser's User-Agent goes with every request, as a
        browser's would: the session is bound to it."""
        headers = {"Cookie": self.cookie, "User-Agent": USER_AGENT, **(HTMX if self.htmx else {})}
        if self.form is not None:
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.csrf})
        return headers

def verify(port: int, scenario: Scenario) -> str | None:
    """What is wrong with the scenario's answer (status, body, a Set-Cookie), or None."""
    reply = fetch(port, scenario.path, scenario.headers(), scenario.method, scenario.body())
    if reply.status != scenario.expect:
        return f"{scenario.name}: HTTP {reply.status}, expected {scenario.expect}"
    if scenario.must_contain not in reply.body:
        return f"{scenario.name}: body without {scenario.must_contain.decode()}"
    if reply.sets_cookie and not scenario.flashes:
        return f"{scenario.name}: answered with Set-Cookie"
    return None


def wire_bytes(port: int, scenario: Scenario) -> bytes:
    """The whole answer as it crosses the wire: status line, headers and body."""
    head = [f"GET {scenario.path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close", *(f"{k}: {v}" for k, v in scenario.headers().items())]
    with socket.create_connection((HOST, port), timeout=REQUEST_TIMEOUT_S) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)
