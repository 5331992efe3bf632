"""Real-HTTP benchmark: gunicorn on 127.0.0.1, a seeded throwaway database, concurrent clients.

Run with `make bench` or `.venv/bin/python bench/run.py --seconds 3`; see bench/README.md.
Traffic goes only to 127.0.0.1; every loop is bounded in time and count; the server is always stopped.
"""
from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
USER_AGENT = "webapp-bench/1"
PASSWORD = "bench-password"
HTMX = {"HX-Request": "true"}
# Cheap hashing for the bench server and seeding: login is not what we measure.
CHEAP_ARGON2 = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "ARGON2_PARALLELISM": "1"}
SEED_CHUNK = 10_000
READY_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 15.0


# ---------------------------------------------------------------- options and environment

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description="Real-HTTP benchmark of the app under gunicorn.")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured time per scenario (default 5)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--messages", type=int, default=100_000, help="messages received by the reader")
    parser.add_argument("--other-messages", type=int, default=100_000,
                        help="messages among the other users, stored before the reader's (default 100000)")
    parser.add_argument("--posts", type=int, default=5_000, help="posts on the timeline")
    parser.add_argument("--depth", type=int, default=50, help="inbox pages to follow through rel=next links")
    parser.add_argument("--max-requests", type=int, default=200_000, help="request cap per scenario")
    parser.add_argument("--warmup", type=int, default=40, help="unmeasured requests before each scenario")
    args = parser.parse_args(argv)
    if min(args.seconds, args.clients, args.workers, args.messages, args.posts, args.depth, args.max_requests) <= 0:
        parser.error("every number must be positive")
    if min(args.other_messages, args.warmup) < 0:
        parser.error("--other-messages and --warmup cannot be negative")
    return args


def bench_environment(instance: Path) -> dict[str, str]:
    """The environment for migrations, seeding and the server: throwaway instance, no limits."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # never the developer's own database by accident
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    env.update(CHEAP_ARGON2)
    env.update({
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": "false",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    })
    return env


def venv_tool(name: str) -> list[str]:
    """The command for a tool of this interpreter's environment (its script, else `python -m`)."""
    script = Path(sys.executable).parent / name
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


# ---------------------------------------------------------------- database: migrate and seed

def migrate(env: dict[str, str]) -> None:
    """Run `flask db upgrade` against the bench database."""
    done = subprocess.run(venv_tool("flask") + ["--app", "webapp", "db", "upgrade"], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"flask db upgrade failed:\n{done.stderr}")


@dataclass
class Seed:
    """What the seeding produced: the people, the cursors near the oldest rows, the counts."""

    reader: str
    light: str
    others: list[str]
    reader_messages: int
    light_messages: int
    other_messages: int
    posts: int
    oldest_inbox_cursor: str
    oldest_timeline_cursor: str
    per_page: int
    database: str
    seconds: float = 0.0


def seed(env: dict[str, str], args: argparse.Namespace, run_id: str) -> Seed:
    """Create users, the reader's messages and the timeline's posts through the app's models."""
    os.environ.clear()
    os.environ.update(env)  # config.Config reads the environment when it is first imported
    sys.path.insert(0, str(ROOT))
    from webapp import create_app
    from webapp.extensions import db

    started = time.perf_counter()
    app = create_app()
    with app.app_context():
        result = seed_rows(db, args, run_id, app.config["MESSAGES_PER_PAGE"])
        analyze_postgresql(db)
        result.database = db.engine.url.render_as_string(hide_password=True)
        db.session.remove()
        db.engine.dispose()
    result.seconds = time.perf_counter() - started
    return result


def seed_rows(db, args: argparse.Namespace, run_id: str, per_page: int) -> Seed:
    """Insert everything inside an app context and return the Seed description."""
    names = [f"{role}_{run_id}" for role in ("reader", "light", "sender1", "sender2", "sender3")]
    ids = create_users(db, names)
    senders = [ids[name] for name in names[2:]]
    n = len(senders)
    # The others' messages go in first: a sequential scan meets all of them before the reader's.
    insert_messages(db, args.other_messages, lambda i: (senders[i % n], senders[(i + 1) % n]))
    insert_messages(db, args.messages, lambda i: (senders[i % n], ids[names[0]]))
    insert_messages(db, 3, lambda i: (senders[i % n], ids[names[1]]))
    insert_posts(db, list(ids.values()), args.posts)
    return Seed(reader=names[0], light=names[1], others=names[2:], reader_messages=args.messages,
                light_messages=3, other_messages=args.other_messages, posts=args.posts, per_page=per_page,
                database="",
                oldest_inbox_cursor=cursor_near_oldest_message(db, ids[names[0]], per_page),
                oldest_timeline_cursor=cursor_near_oldest_post(db, per_page))


def create_users(db, names: list[str]) -> dict[str, int]:
    """Create the users with one password; their ids by name."""
    from webapp.models import User
    from webapp.passwords import hash_password

    password_hash = hash_password(PASSWORD)
    users = [User(username=name, email=f"{name}@bench.invalid", password_hash=password_hash) for name in names]
    db.session.add_all(users)
    db.session.commit()
    return {user.username: user.id for user in users}


def insert_messages(db, count: int, pair: Callable[[int], tuple[int, int]]) -> None:
    """Bulk-insert `count` messages, the i-th from and to pair(i), one second apart, the newest a minute ago."""
    from sqlalchemy import insert

    from webapp.models import Message, utcnow

    start = utcnow() - timedelta(seconds=count + 60)
    for first in range(0, count, SEED_CHUNK):
        rows = [{"sender_id": pair(i)[0], "recipient_id": pair(i)[1],
                 "body": f"Bench message number {i}.", "timestamp": start + timedelta(seconds=i)}
                for i in range(first, min(first + SEED_CHUNK, count))]
        db.session.execute(insert(Message), rows)
        db.session.commit()


def insert_posts(db, user_ids: list[int], count: int) -> None:
    """Bulk-insert `count` posts spread over the users, one minute apart."""
    from sqlalchemy import insert

    from webapp.models import Post, utcnow

    start = utcnow() - timedelta(minutes=count + 1)
    for first in range(0, count, SEED_CHUNK):
        rows = [{"user_id": user_ids[i % len(user_ids)], "body": f"Bench post number {i}.",
                 "timestamp": start + timedelta(minutes=i)}
                for i in range(first, min(first + SEED_CHUNK, count))]
        db.session.execute(insert(Post), rows)
        db.session.commit()


def analyze_postgresql(db) -> None:
    """Give PostgreSQL's planner statistics, as autovacuum would soon after a bulk load."""
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE users, messages, posts"))


def cursor_near_oldest_message(db, recipient_id: int, per_page: int) -> str:
    """A `before` cursor with two pages of older messages left: the deepest full page."""
    from sqlalchemy import select

    from webapp.models import Message

    stmt = select(Message).where(Message.recipient_id == recipient_id)
    return cursor_at_offset(db, stmt, Message, 2 * per_page)


def cursor_near_oldest_post(db, per_page: int) -> str:
    """A `before` cursor with two pages of older posts left."""
    from sqlalchemy import select

    from webapp.models import Post

    return cursor_at_offset(db, select(Post), Post, 2 * per_page)


def cursor_at_offset(db, stmt, model, offset: int) -> str:
    """The encoded cursor of the row `offset` places from the oldest (the oldest row if fewer)."""
    from webapp.pagination import Cursor

    ordered = stmt.order_by(model.timestamp.asc(), model.id.asc())
    row = db.session.scalar(ordered.offset(offset).limit(1)) or db.session.scalar(ordered.limit(1))
    return Cursor.of(row).encode()


def delete_bench_users(env: dict[str, str], seeded: Seed) -> None:
    """On a database we did not create, remove our users (their messages and posts cascade)."""
    from sqlalchemy import delete

    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import User

    names = [seeded.reader, seeded.light, *seeded.others]
    with create_app().app_context():
        db.session.execute(delete(User).where(User.username.in_(names)))
        db.session.commit()
        db.engine.dispose()


# ---------------------------------------------------------------- the server process

def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    """Start gunicorn with sync workers on 127.0.0.1:port."""
    command = venv_tool("gunicorn") + [
        "-w", str(workers), "-b", f"{HOST}:{port}", "--chdir", str(ROOT),
        "--error-logfile", str(log), "--log-level", "warning", "webapp:create_app()",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_until_ready(server: subprocess.Popen, port: int, workers: int) -> None:
    """Wait (bounded) until the login page answers and every worker has started."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        if answers(port) and len(worker_pids(server.pid)) >= workers:
            return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within {READY_TIMEOUT_S:.0f} s")


def answers(port: int) -> bool:
    """Whether GET /auth/login answers 200."""
    try:
        return fetch(port, "/auth/login", {}).status == 200
    except OSError:
        return False


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn (SIGTERM to its master, which stops the workers), killing it if it lingers."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


def server_log_tail(log: Path, lines: int = 20) -> str:
    """The last lines of gunicorn's error log, for a failed start."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# ---------------------------------------------------------------- /proc: workers, memory, CPU

def worker_pids(master: int) -> list[int]:
    """The pids whose parent is the gunicorn master."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and proc_stat_fields(int(entry.name))[1:2] == [str(master)]:
            pids.append(int(entry.name))
    return sorted(pids)


def proc_stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, ...); [] if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of these processes, in seconds."""
    ticks = 0
    for pid in pids:
        fields = proc_stat_fields(pid)
        if fields:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in KiB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def load_average() -> str:
    """The 1-minute load average of the machine (other programs running skew every figure)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def memory_snapshot(master: int) -> dict[int, dict[str, int]]:
    """Memory of the master and of each worker, by pid."""
    return {pid: memory_kib(pid) for pid in [master, *worker_pids(master)]}


# ---------------------------------------------------------------- HTTP

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


class PageScanner(HTMLParser):
    """Picks out the CSRF token, the rel=next link and the badge's attributes of a page."""

    def __init__(self):
        """Nothing found yet."""
        super().__init__()
        self.csrf_token = None
        self.next_href = None
        self.badge = None

    def handle_starttag(self, tag, attrs):
        """Remember the first of each thing of interest."""
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") == "csrf_token" and self.csrf_token is None:
            self.csrf_token = attributes.get("value")
        elif tag == "a" and attributes.get("rel") == "next" and self.next_href is None:
            self.next_href = attributes.get("href")
        elif attributes.get("id") == "unread-badge" and self.badge is None:
            self.badge = attributes


def scan(body: bytes) -> PageScanner:
    """Parse a page with PageScanner."""
    scanner = PageScanner()
    scanner.feed(body.decode("utf-8", errors="replace"))
    return scanner


def login(port: int, username: str) -> str:
    """Log in through the real form (CSRF token and cookies kept); the Cookie header to reuse."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),  # never via a proxy
                                         urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    base = f"http://{HOST}:{port}"
    with opener.open(f"{base}/auth/login", timeout=REQUEST_TIMEOUT_S) as response:
        token = scan(response.read()).csrf_token
    if not token:
        raise RuntimeError("no csrf_token on the login page")
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token})
    try:
        with opener.open(f"{base}/auth/login", data=form.encode(), timeout=REQUEST_TIMEOUT_S) as response:
            landed = urllib.parse.urlsplit(response.geturl()).path
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"login as {username} failed with HTTP {error.code}") from error
    if landed != "/":
        raise RuntimeError(f"login as {username} landed on {landed}, not /")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def shown_count(port: int, cookie: str) -> int:
    """The unread count the timeline's badge shows, as its poll sends it (hx-vals, else its URL)."""
    reply = fetch(port, "/", {"Cookie": cookie})
    badge = scan(reply.body).badge if reply.status == 200 else None
    if badge is None:
        raise RuntimeError(f"no #unread-badge on / (HTTP {reply.status})")
    values = json.loads(badge.get("hx-vals") or "{}")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(badge.get("hx-get") or "").query)
    shown = values.get("shown", query.get("shown", [None])[0])
    if shown is None:
        raise RuntimeError(f"the badge carries no shown count: {badge}")
    return int(shown)


def follow_older_links(port: int, cookie: str, depth: int) -> tuple[str, int]:
    """Follow the inbox's rel=next links `depth` times (bounded); the last URL and its page number."""
    path, page = "/messages", 1
    for _ in range(depth):
        reply = fetch(port, path, {"Cookie": cookie})
        href = scan(reply.body).next_href if reply.status == 200 else None
        if not href:
            break
        path, page = href, page + 1
    return path, page


# ---------------------------------------------------------------- load

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


@dataclass
class Result:
    """A scenario's merged figures."""

    scenario: Scenario
    seconds: float
    tally: Tally
    server_cpu: float
    client_cpu: float


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


def measure(port: int, master: int, scenario: Scenario, args: argparse.Namespace) -> Result:
    """Warm up, then load one scenario while counting the workers' and this process's CPU."""
    load(port, scenario, args.clients, args.seconds, args.warmup)
    workers = worker_pids(master)
    server_before, client_before = cpu_seconds(workers), process_cpu()
    tally, seconds = load(port, scenario, args.clients, args.seconds, args.max_requests)
    server_cpu = cpu_seconds(workers) - server_before
    return Result(scenario, seconds, tally, server_cpu, process_cpu() - client_before)


def process_cpu() -> float:
    """CPU seconds this benchmark process (the clients) has used."""
    times = os.times()
    return times.user + times.system


# ---------------------------------------------------------------- report

def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def row_figures(result: Result) -> dict[str, float]:
    """The numbers of one table row."""
    latencies = sorted(result.tally.latencies)
    answered = len(latencies)
    errors = sum(result.tally.errors.values())
    return {
        "ok": answered - sum(v for k, v in result.tally.errors.items() if k.startswith(("HTTP", "body"))),
        "errors": errors,
        "rps": answered / result.seconds if result.seconds else 0.0,
        "p50": percentile(latencies, 50) * 1000,
        "p95": percentile(latencies, 95) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "max": (latencies[-1] if latencies else 0.0) * 1000,
        "cpu_ms": result.server_cpu * 1000 / answered if answered else 0.0,
        "client_pct": 100 * result.client_cpu / result.seconds if result.seconds else 0.0,
        "bytes": result.tally.body_bytes / answered if answered else 0.0,
    }


COLUMNS = ("scenario", "want", "ok", "err", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
           "srv CPU ms/req", "client CPU %", "bytes/resp")


def table_row(result: Result) -> list[str]:
    """One result as the cells of the table."""
    f = row_figures(result)
    return [result.scenario.name, str(result.scenario.expect), str(int(f["ok"])), str(f["errors"]),
            f"{f['rps']:.0f}", f"{f['p50']:.1f}", f"{f['p95']:.1f}", f"{f['p99']:.1f}", f"{f['max']:.1f}",
            f"{f['cpu_ms']:.2f}", f"{f['client_pct']:.0f}", f"{f['bytes']:.0f}"]


def print_table(results: list[Result]) -> None:
    """The figures as an aligned text table."""
    rows = [list(COLUMNS)] + [table_row(result) for result in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        print("  ".join(cells))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def print_errors(results: list[Result]) -> None:
    """Every unexpected answer, counted, with one example each."""
    wrong = [(result, kind, count) for result in results for kind, count in result.tally.errors.items()]
    print("\nUnexpected answers:" + ("" if wrong else " none."))
    for result, kind, count in wrong:
        example = " ".join(result.tally.examples.get(kind, "").split())[:120]
        print(f"  {result.scenario.name}: {count} x {kind}  e.g. {example!r}")


def print_cookies(results: list[Result]) -> None:
    """Which scenarios answered with Set-Cookie (a poll should never rewrite the session)."""
    setting = [(r.scenario.name, r.tally.set_cookie) for r in results if r.tally.set_cookie]
    total = sum(len(r.tally.latencies) for r in results)
    if not setting:
        print(f"\nSet-Cookie: none of the {total} measured responses set a cookie.")
        return
    print("\nSet-Cookie seen:")
    for name, count in setting:
        print(f"  {name}: {count} responses")


def print_comparisons(results: list[Result], pairs: list[tuple[str, str]]) -> None:
    """Ratios that show whether a cost stays bounded (about 1x means it does)."""
    by_name = {result.scenario.name: row_figures(result) for result in results}
    print("\nBounded cost (ratio of the second to the first; about 1x = does not grow):")
    for base, other in pairs:
        if base in by_name and other in by_name:
            a, b = by_name[base], by_name[other]
            print(f"  {other}  vs  {base}:  p50 {ratio(b['p50'], a['p50'])}, "
                  f"server CPU/req {ratio(b['cpu_ms'], a['cpu_ms'])}")


def ratio(value: float, base: float) -> str:
    """value/base as "1.23x", or "n/a" when the base is zero."""
    return f"{value / base:.2f}x" if base else "n/a"


def print_memory(before: dict[int, dict[str, int]], after: dict[int, dict[str, int]], master: int) -> None:
    """RSS of the master and each worker before and after the load, with the peak."""
    print("\nMemory (KiB; VmHWM = peak RSS):")
    for pid in sorted(set(before) | set(after)):
        role = "master" if pid == master else "worker"
        b, a = before.get(pid, {}), after.get(pid, {})
        grow = a.get("VmRSS", 0) - b.get("VmRSS", 0) if a and b else 0
        print(f"  {role} {pid}: VmRSS before {b.get('VmRSS', '-')}, after {a.get('VmRSS', '-')} "
              f"({grow:+d}), VmHWM {a.get('VmHWM', b.get('VmHWM', '-'))}")
    gone = set(before) - set(after) - {master}
    if gone:
        print(f"  workers that disappeared during the load (restarted or crashed): {sorted(gone)}")


def print_header(args: argparse.Namespace, seeded: Seed, port: int) -> None:
    """What was measured, on what."""
    print(f"webapp bench: gunicorn {args.workers} sync workers on {HOST}:{port}, {args.clients} client threads, "
          f"{args.seconds:g} s per scenario (cap {args.max_requests} requests), {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print(f"database: {seeded.database}; seeded in {seeded.seconds:.1f} s: {seeded.reader} "
          f"{seeded.reader_messages} received messages, {seeded.light} {seeded.light_messages}, "
          f"{seeded.other_messages} among the others, {seeded.posts} posts, {seeded.per_page} messages per page")
    print(f"load average before the load: {load_average()} (anything else running on the machine skews the figures)")
    print("latency = connect + request + full response, measured by the client; "
          "srv CPU = gunicorn workers' user+sys CPU / responses\n")


# ---------------------------------------------------------------- scenarios and main

def badge_path(shown: int) -> str:
    """The badge poll URL for a count the page shows."""
    return f"/notifications/badge?shown={shown}"


def badge_scenarios(port: int, seeded: Seed, reader: str, light: str) -> list[Scenario]:
    """Polls for an unchanged (204) and a changed (200) count, for the 100k and the 3-unread user."""
    scenarios = []
    for label, cookie, unread in (("reader", reader, seeded.reader_messages), ("light", light, 3)):
        shown = shown_count(port, cookie)
        changed = 0 if shown else 1
        scenarios += [
            Scenario(f"badge unchanged, {label} ({unread} unread)", badge_path(shown), cookie, 204, htmx=True),
            Scenario(f"badge changed, {label} ({unread} unread)", badge_path(changed), cookie, 200,
                     b'id="unread-badge"', htmx=True),
        ]
    return scenarios


def page_scenarios(port: int, seeded: Seed, reader: str, depth: int) -> list[Scenario]:
    """The inbox first, followed-deep and near-oldest pages, and the timeline first and near-oldest pages."""
    deep_path, deep_page = follow_older_links(port, reader, depth)
    item = b'class="message '
    return [
        Scenario("inbox page 1", "/messages", reader, 200, item),
        Scenario(f"inbox page {deep_page} (rel=next links)", deep_path, reader, 200, item),
        Scenario("inbox near oldest (before cursor)", f"/messages?before={seeded.oldest_inbox_cursor}",
                 reader, 200, item),
        Scenario("timeline /", "/", reader, 200, b'class="post '),
        Scenario("timeline near oldest (before cursor)", f"/?before={seeded.oldest_timeline_cursor}",
                 reader, 200, b'class="post '),
    ]


def after_read_scenario(port: int, reader: str) -> Scenario:
    """The reader's unchanged poll once the inbox has marked everything read."""
    return Scenario("badge unchanged, reader after reading", badge_path(shown_count(port, reader)),
                    reader, 204, htmx=True)


COMPARISONS = [
    ("badge unchanged, light (3 unread)", "badge unchanged, reader ({n} unread)"),
    ("badge changed, light (3 unread)", "badge changed, reader ({n} unread)"),
    ("inbox page 1", "inbox page {d} (rel=next links)"),
    ("inbox page 1", "inbox near oldest (before cursor)"),
    ("timeline /", "timeline near oldest (before cursor)"),
]


def run_benchmark(args: argparse.Namespace, env: dict[str, str], seeded: Seed, workdir: Path) -> int:
    """Start the server, measure every scenario, print the report, stop the server; the error count."""
    port, log = free_port(), workdir / "gunicorn.log"
    server = start_server(env, port, args.workers, log)
    try:
        try:
            wait_until_ready(server, port, args.workers)
        except RuntimeError:
            print(server_log_tail(log), file=sys.stderr)
            raise
        return measure_all(args, seeded, port, server.pid)
    finally:
        stop_server(server)


def measure_all(args: argparse.Namespace, seeded: Seed, port: int, master: int) -> int:
    """Log in, run the scenarios in an order that respects the inbox's read marker, report; the error count."""
    reader, light = login(port, seeded.reader), login(port, seeded.light)
    print_header(args, seeded, port)
    memory_before = memory_snapshot(master)
    # The badges come first: opening the inbox (even to find the deep page) marks the reader's messages read.
    results = [run_one(port, master, s, args) for s in badge_scenarios(port, seeded, reader, light)]
    results += [run_one(port, master, s, args) for s in page_scenarios(port, seeded, reader, args.depth)]
    results.append(run_one(port, master, after_read_scenario(port, reader), args))
    memory_after = memory_snapshot(master)
    print()
    print_table(results)
    print_errors(results)
    print_cookies(results)
    deep = next((r.scenario.name.split()[2] for r in results if "rel=next" in r.scenario.name), "?")
    pairs = [(a, b.format(n=seeded.reader_messages, d=deep)) for a, b in COMPARISONS]
    print_comparisons(results, pairs)
    print_memory(memory_before, memory_after, master)
    print(f"\nload average after the load: {load_average()}")
    return sum(sum(result.tally.errors.values()) for result in results)


def run_one(port: int, master: int, scenario: Scenario, args: argparse.Namespace) -> Result:
    """Measure one scenario, saying so on stderr while it runs."""
    print(f"  measuring: {scenario.name} ...", file=sys.stderr, flush=True)
    return measure(port, master, scenario, args)


def stop_on_signals() -> None:
    """Turn SIGTERM and SIGINT into SystemExit, so the `finally` blocks stop gunicorn and clean up."""
    def leave(signum, _frame):
        """Leave through SystemExit."""
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)


def main(argv: list[str] | None = None) -> int:
    """Build the throwaway database, run the benchmark, clean up; 1 if any answer was wrong."""
    args = parse_args(argv)
    stop_on_signals()
    workdir = Path(tempfile.mkdtemp(prefix="webapp-bench-"))
    env = bench_environment(workdir / "instance")
    run_id = secrets.token_hex(3)
    seeded, errors = None, 0
    try:
        migrate(env)
        print("  seeding ...", file=sys.stderr, flush=True)
        seeded = seed(env, args, run_id)
        errors = run_benchmark(args, env, seeded, workdir)
    finally:
        if seeded and os.environ.get("BENCH_DATABASE_URL"):
            delete_bench_users(env, seeded)
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
