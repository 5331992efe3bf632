"""Real-HTTP benchmark: gunicorn on 127.0.0.1, a seeded throwaway database, concurrent clients.

Run with `make bench` or `.venv/bin/python bench/run.py --seconds 3`; see bench/README.md.
Traffic goes only to 127.0.0.1; every loop is bounded in time and count; the server is always stopped.
The pieces: seed.py (the data), server.py (gunicorn and /proc), client.py (HTTP and load), report.py.
"""
from __future__ import annotations

import argparse
import os
import platform
import secrets
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from client import HOST, Scenario, follow_older_links, load, login, shown_count
from report import Result, print_comparisons, print_cookies, print_errors, print_memory, print_table
from seed import Seed, database_url, delete_bench_users, migrate, seed, server_environment, settings
from server import (
    ROOT,
    cpu_seconds,
    free_port,
    load_average,
    memory_snapshot,
    server_log_tail,
    start_server,
    stop_server,
    wait_until_ready,
    worker_pids,
)

sys.path.insert(0, str(ROOT))  # the app itself, for seeding in-process


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description="Real-HTTP benchmark of the app under gunicorn.")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured time per scenario (default 5)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--messages", type=int, default=100_000,
                        help="messages in the reader's long, read conversation (default 100000)")
    parser.add_argument("--unread", type=int, default=100_000,
                        help="unread messages from the reader's admirer (default 100000)")
    parser.add_argument("--conversations", type=int, default=1_000,
                        help="short conversations in the reader's inbox (default 1000)")
    parser.add_argument("--other-messages", type=int, default=100_000,
                        help="messages between two other users, stored first (default 100000)")
    parser.add_argument("--posts", type=int, default=5_000, help="posts on the timeline")
    parser.add_argument("--depth", type=int, default=50, help="pages to follow through rel=next links")
    parser.add_argument("--max-requests", type=int, default=200_000, help="request cap per scenario")
    parser.add_argument("--warmup", type=int, default=40, help="unmeasured requests before each scenario")
    args = parser.parse_args(argv)
    positive = (args.seconds, args.clients, args.workers, args.messages, args.unread, args.conversations,
                args.posts, args.depth, args.max_requests)
    if min(positive) <= 0:
        parser.error("every number must be positive")
    if min(args.other_messages, args.warmup) < 0:
        parser.error("--other-messages and --warmup cannot be negative")
    return args


def badge_path(shown: int) -> str:
    """The badge poll URL for a count the page shows."""
    return f"/notifications/badge?shown={shown}"


def badge_scenarios(port: int, seeded: Seed, reader: str, light: str) -> list[Scenario]:
    """Polls for an unchanged (204) and a changed (200) count, for the 100k and the 3-unread user."""
    scenarios = []
    for label, cookie, unread in (("reader", reader, seeded.unread), ("light", light, 3)):
        shown = shown_count(port, cookie)
        changed = 0 if shown else 1
        scenarios += [
            Scenario(f"badge unchanged, {label} ({unread} unread)", badge_path(shown), cookie, 204, htmx=True),
            Scenario(f"badge changed, {label} ({unread} unread)", badge_path(changed), cookie, 200,
                     b'id="unread-badge"', htmx=True),
        ]
    return scenarios


def page_scenarios(port: int, seeded: Seed, reader: str, depth: int) -> list[Scenario]:
    """The inbox, the long conversation and the timeline: first, followed-deep and near-oldest pages."""
    thread = f"/messages/with/{seeded.thread_with}"
    inbox_deep, inbox_page = follow_older_links(port, reader, "/messages", depth)
    thread_deep, thread_page = follow_older_links(port, reader, thread, depth)
    row, message, post = b'class="conversation ', b'class="thread-message', b'class="post '
    return [
        Scenario("inbox page 1", "/messages", reader, 200, row),
        Scenario(f"inbox page {inbox_page} (rel=next links)", inbox_deep, reader, 200, row),
        Scenario("inbox near oldest (before cursor)", f"/messages?before={seeded.oldest_inbox_cursor}",
                 reader, 200, row),
        Scenario("conversation newest page", thread, reader, 200, message),
        Scenario(f"conversation page {thread_page} (rel=next links)", thread_deep, reader, 200, message),
        Scenario("conversation near oldest (before cursor)", f"{thread}?before={seeded.oldest_thread_cursor}",
                 reader, 200, message),
        Scenario("timeline /", "/", reader, 200, post),
        Scenario("timeline near oldest (before cursor)", f"/?before={seeded.oldest_timeline_cursor}",
                 reader, 200, post),
    ]


COMPARISONS = [
    ("badge unchanged, light (3 unread)", "badge unchanged, reader ({n} unread)"),
    ("badge changed, light (3 unread)", "badge changed, reader ({n} unread)"),
    ("inbox page 1", "inbox page {i} (rel=next links)"),
    ("inbox page 1", "inbox near oldest (before cursor)"),
    ("conversation newest page", "conversation page {t} (rel=next links)"),
    ("conversation newest page", "conversation near oldest (before cursor)"),
    ("timeline /", "timeline near oldest (before cursor)"),
]


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


def print_header(args: argparse.Namespace, seeded: Seed, port: int) -> None:
    """What was measured, on what."""
    print(f"webapp bench: gunicorn {args.workers} sync workers on {HOST}:{port}, {args.clients} client threads, "
          f"{args.seconds:g} s per scenario (cap {args.max_requests} requests), {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    total = seeded.messages + seeded.unread + seeded.other_messages + seeded.conversations
    print(f"database: {seeded.database}; seeded in {seeded.seconds:.1f} s, {total} messages: {seeded.reader} has "
          f"a read conversation of {seeded.messages}, {seeded.unread} unread from one person, "
          f"{seeded.conversations} conversations in all; {seeded.other_messages} between two others; "
          f"{seeded.posts} posts; {seeded.per_page} per page")
    print(f"load average before the load: {load_average()} (anything else running on the machine skews the figures)")
    print("latency = connect + request + full response, measured by the client; "
          "srv CPU = gunicorn workers' user+sys CPU / responses\n")


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
    """Log in, run the scenarios, report; the number of unexpected answers."""
    reader, light = login(port, seeded.reader), login(port, seeded.light)
    print_header(args, seeded, port)
    memory_before = memory_snapshot(master)
    scenarios = badge_scenarios(port, seeded, reader, light) + page_scenarios(port, seeded, reader, args.depth)
    results = [run_one(port, master, scenario, args) for scenario in scenarios]
    memory_after = memory_snapshot(master)
    print()
    print_table(results)
    print_errors(results)
    print_cookies(results)
    deep = {kind: next((r.scenario.name.split()[2] for r in results
                        if r.scenario.name.startswith(kind) and "rel=next" in r.scenario.name), "?")
            for kind in ("inbox", "conversation")}
    pairs = [(a, b.format(n=seeded.unread, i=deep["inbox"], t=deep["conversation"])) for a, b in COMPARISONS]
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
    app_settings = settings(database_url(workdir))
    env = server_environment(workdir, app_settings)
    run_id = secrets.token_hex(3)
    seeded, errors = None, 0
    try:
        migrate(env)
        print("  seeding ...", file=sys.stderr, flush=True)
        seeded = seed(app_settings, args, run_id)
        errors = run_benchmark(args, env, seeded, workdir)
    finally:
        if seeded and os.environ.get("BENCH_DATABASE_URL"):
            delete_bench_users(app_settings, seeded, run_id)
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
