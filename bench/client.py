"""The client side of the benchmark: HTTP on 127.0.0.1, logging in through the real form, following
pager links (BeautifulSoup reads the pages), and the bounded load loop."""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

from bs4 import BeautifulSoup

HOST = "127.0.0.1"
USER_AGENT = "webapp-bench/1"
PASSWORD = "bench-password"
HTMX = {"HX-Request": "true"}
REQUEST_TIMEOUT_S = 15.0


@dataclass
class Reply:
    """One HTTP answer: status, body, whether it set a cookie, and how long it took."""

    status: int
    body: bytes
    sets_cookie: bool
    seconds: float

def fetch(port: int, path: str, headers: dict[str, str]) -> Reply:
    """GET a path on 127.0.0.1 over a fresh connection (gunicorn's sync workers close it anyway)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        conn.request("GET", path, headers={"User-Agent": USER_AGENT, **headers})
        response = conn.getresponse()
        body = response.read()
        sets_cookie = response.getheader("Set-Cookie") is not None
    finally:
        conn.close()
    return Reply(response.status, body, sets_cookie, time.perf_counter() - started)


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


def shown_count(port: int, cookie: str) -> int:
    """The unread count the timeline's badge shows, as its poll sends it (hx-vals)."""
    reply = fetch(port, "/", {"Cookie": cookie})
    badge = page_of(reply.body).select_one("#unread-badge") if reply.status == 200 else None
    if badge is None:
        raise RuntimeError(f"no #unread-badge on / (HTTP {reply.status})")
    shown = json.loads(badge.get("hx-vals") or "{}").get("shown")
    if shown is None:
        raise RuntimeError(f"the badge carries no shown count: {badge}")
    return int(shown)


def follow_older_links(port: int, cookie: str, start: str, depth: int) -> tuple[str, int]:
    """Follow a list's rel=next ("Older") links `depth` times (bounded); the last URL and its page number."""
    path, page = start, 1
    for _ in range(depth):
        reply = fetch(port, path, {"Cookie": cookie})
        link = page_of(reply.body).select_one("a[rel=next]") if reply.status == 200 else None
        if link is None:
            break
        path, page = link["href"], page + 1
    return path, page


@dataclass
class Scenario:
    """One measured request shape: who asks for what, and which answer is right."""

    name: str
    path: str
    cookie: str
    expect: int
    must_contain: bytes = b""
    htmx: bool = False

    def headers(self) -> dict[str, str]:
        """The request headers: the session cookie, plus HX-Request for htmx polls."""
        return {"Cookie": self.cookie, **(HTMX if self.htmx else {})}

@dataclass
class Tally:
    """What one client thread saw."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    body_bytes: int = 0
    set_cookie: int = 0

def check(scenario: Scenario, reply: Reply) -> str | None:
    """The error label of a wrong answer, or None when the answer is the expected one."""
    if reply.status != scenario.expect:
        return f"HTTP {reply.status}"
    if scenario.must_contain and scenario.must_contain not in reply.body:
        return "body without " + scenario.must_contain.decode()
    return None

def client_loop(port: int, scenario: Scenario, deadline: float, budget, tally: Tally) -> None:
    """Send requests until the deadline or until the shared budget is spent."""
    headers = scenario.headers()
    while time.monotonic() < deadline and next(budget, None) is not None:
        try:
            reply = fetch(port, scenario.path, headers)
        except (OSError, http.client.HTTPException) as error:
            tally.errors[type(error).__name__] += 1
            tally.examples.setdefault(type(error).__name__, str(error)[:200])
            continue
        tally.latencies.append(reply.seconds)
        tally.body_bytes += len(reply.body)
        tally.set_cookie += reply.sets_cookie
        problem = check(scenario, reply)
        if problem:
            tally.errors[problem] += 1
            tally.examples.setdefault(problem, reply.body[:200].decode("utf-8", errors="replace"))

def load(port: int, scenario: Scenario, clients: int, seconds: float, max_requests: int) -> tuple[Tally, float]:
    """Run the clients concurrently (bounded by time and count); merged tally and wall time."""
    budget = iter(range(max_requests))  # next() on a range iterator is atomic under the GIL
    tallies = [Tally() for _ in range(clients)]
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client_loop, args=(port, scenario, deadline, budget, tally), daemon=True)
               for tally in tallies]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 2 * REQUEST_TIMEOUT_S)
    return merge(tallies), time.perf_counter() - started

def merge(tallies: list[Tally]) -> Tally:
    """One tally from many."""
    merged = Tally()
    for tally in tallies:
        merged.latencies.extend(tally.latencies)
        merged.errors.update(tally.errors)
        for key, value in tally.examples.items():
            merged.examples.setdefault(key, value)
        merged.body_bytes += tally.body_bytes
        merged.set_cookie += tally.set_cookie
    return merged
