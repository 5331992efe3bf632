"""Real-HTTP benchmark: gunicorn on 127.0.0.1, a seeded throwaway database, wrk as the load tool,
every figure a ratio to the floor of the stack measured in the same run.

Run with `make bench` or `.venv/bin/python bench/run.py --seconds 3`; see bench/README.md.
Traffic goes only to 127.0.0.1; every load is bounded in time; the server is always stopped.
The pieces: seed.py (the data), server.py (gunicorn and /proc), wsgi.py (the app and the floors),
wrk.py (the load), client.py (logging in, reading links), report.py (ratios, targets, memory),
streams.py (live updates: idle streams held by a gevent worker, their CPU, push latency).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from client import HOST, Scenario, csrf_token, login, shown_counts, verify, wire_bytes
from report import (
    DatabaseRun,
    print_cross_database,
    print_memory,
    print_ratios,
    print_targets,
)
from databases import throwaway_database
from seed import Seed, migrate, seed, server_environment, settings
from streams import add_arguments as add_stream_arguments
from streams import run_streams
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
from wrk import run_wrk, wrk_path

sys.path.insert(0, str(ROOT))  # the app itself, for seeding in-process


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description="Real-HTTP benchmark of the app under gunicorn, against its floor.")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per scenario and repetition (default 3)")
    parser.add_argument("--repeat", type=int, default=3, help="alternating repetitions of every scenario (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--messages", type=int, default=1_000_000,
                        help="messages in the reader's long, read conversation (default 1000000)")
    parser.add_argument("--unread", type=int, default=100_000,
                        help="unread messages from the reader's admirer (default 100000)")
    parser.add_argument("--conversations", type=int, default=1_000,
                        help="short conversations in the reader's inbox (default 1000)")
    parser.add_argument("--other-messages", type=int, default=100_000,
                        help="messages between two other users, stored first (default 100000)")
    parser.add_argument("--posts", type=int, default=1_000_000, help="posts on the timeline (default 1000000)")
    parser.add_argument("--people", type=int, default=10_000, help="people who write the posts (default 10000)")
    parser.add_argument("--follows", type=int, default=500, help="of them, how many the reader follows (default 500)")
    parser.add_argument("--comments", type=int, default=10_000, help="comments on one post (default 10000)")
    parser.add_argument("--notifications", type=int, default=100_000,
                        help="notifications of the reader, each its own group (default 100000)")
    parser.add_argument("--memory-requests", type=int, default=100_000,
                        help="requests of the memory check, on the first database (default 100000; 0 skips it)")
    parser.add_argument("--postgresql", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="also run on a new database of this PostgreSQL server, dropped at the end "
                             "(default: $BENCH_DATABASE_URL; its role must be allowed to create databases)")
    add_stream_arguments(parser)
    args = parser.parse_args(argv)
    positive = (args.seconds, args.repeat, args.connections, args.workers, args.messages, args.unread,
                args.conversations, args.posts, args.people, args.follows, args.comments, args.notifications)
    if min(positive) <= 0:
        parser.error("every number must be positive")
    if min(args.other_messages, args.memory_requests) < 0:
        parser.error("--other-messages and --memory-requests cannot be negative")
    return args


def scenarios(port: int, seeded: Seed, reader: str, light: str) -> list[Scenario]:
    """The floors, then the hot paths, in the order each repetition measures them."""
    shown = shown_counts(port, reader)  # what the navbar shows: an unchanged poll
    thread = f"/messages/with/{seeded.thread_with}"
    row, message, post = b'class="conversation', b'class="thread-entry thread-message', b'class="post '
    comment, csrf = b'class="comment ', csrf_token(port, reader)
    notification = b'class="notification '
    # An open conversation's read marker, on the message the reader has read already: the answer
    # every marker post after the first gives (the badge), without a write to measure again and again.
    marker = {"through": seeded.thread_last_id, "shown_after": 0}
    return [
        Scenario("floor: bare WSGI", "/bench/bare", reader, 200, b"ok"),
        Scenario("floor: Flask route + session", "/bench/floor", reader, 200, b"ok"),
        Scenario("signed-in layout, no content", "/bench/layout", reader, 200, b'id="unread-badge"'),
        Scenario("badge unchanged (204)", f"/notifications/badge?{shown}", reader, 204, htmx=True),
        Scenario("badge changed (200)", "/notifications/badge?shown=0&shown_notifications=0", reader, 200,
                 b'id="unread-badge"', htmx=True),
        Scenario("badge unchanged, 3 unread", f"/notifications/badge?{shown_counts(port, light)}", light, 204,
                 htmx=True),
        Scenario("popover", f"/user/{seeded.thread_with}/popover", reader, 200, b"card", htmx=True),
        Scenario("inbox first page", "/messages", reader, 200, row),
        Scenario("inbox deepest page", f"/messages?before={seeded.oldest_inbox_cursor}", reader, 200, row),
        Scenario("conversation first page", thread, reader, 200, message),
        Scenario("conversation deepest page", f"{thread}?before={seeded.oldest_thread_cursor}", reader, 200, message),
        Scenario("explore first page", "/explore", reader, 200, post),
        Scenario("explore deepest page", f"/explore?before={seeded.oldest_timeline_cursor}", reader, 200, post),
        Scenario("home first page", "/", reader, 200, post),
        Scenario("home deepest page", f"/?before={seeded.oldest_home_cursor}", reader, 200, post),
        Scenario("post with comments first page", f"/post/{seeded.commented_post}", reader, 200, comment),
        Scenario("post with comments deepest page",
                 f"/post/{seeded.commented_post}?before={seeded.oldest_comments_cursor}", reader, 200, comment),
        Scenario("notifications first page", "/notifications", reader, 200, notification),
        Scenario("notifications deepest page", f"/notifications?before={seeded.oldest_notifications_cursor}", reader,
                 200, notification),
        Scenario("new-posts poll (204)", f"/home/new-posts?after={seeded.newest_home_cursor}&shown=0", reader, 204,
                 htmx=True),
        Scenario("follow button", f"/user/{seeded.followed}/follow", reader, 200, b'class="follow-box',
                 htmx=True, form={}, csrf=csrf),
        Scenario("people search", "/messages/new?q=pal", reader, 200, b'role="option"', htmx=True),
        Scenario("read marker post", f"{thread}/read", reader, 200, b'id="unread-badge"', htmx=True, form=marker,
                 csrf=csrf),
        # "Forgot your password?" for an address with an account (a link stored, its mail kept)
        # and one without (the note that no account uses it): the answers must not tell them
        # apart, nor their times.
        Scenario("reset request, known address", "/auth/reset-password", reader, 303, form={
            "email": seeded.reader_address}, csrf=csrf, flashes=True),
        Scenario("reset request, unknown address", "/auth/reset-password", reader, 303, form={
            "email": "nobody@example.com"}, csrf=csrf, flashes=True),
    ]


def post_script(scenario: Scenario, workdir: Path) -> Path | None:
    """For a POST, a wrk Lua script that sends its form; None for a GET."""
    if scenario.form is None:
        return None
    script = workdir / "post.lua"
    script.write_text(f"wrk.method = \"POST\"\nwrk.body = {json.dumps(scenario.body())}\n")
    return script


def measure_round(port: int, master: int, plan: list[Scenario], args: argparse.Namespace,
                  workdir: Path) -> dict[str, dict]:
    """One repetition: every scenario in turn under wrk, with the workers' CPU per request."""
    figures = {}
    for scenario in plan:
        print(f"  measuring: {scenario.name} ...", file=sys.stderr, flush=True)
        workers = worker_pids(master)
        before = cpu_seconds(workers)
        run = run_wrk(f"http://{HOST}:{port}{scenario.path}", scenario.headers(), args.connections, args.seconds,
                      script=post_script(scenario, workdir))
        cpu = cpu_seconds(workers) - before
        figures[scenario.name] = {"rps": run.rps, "p50": run.p50, "p99": run.p99, "requests": run.requests,
                                  "cpu_ms": 1000 * cpu / run.requests if run.requests else 0.0,
                                  "errors": run.wrong_status + run.socket_errors}
    return figures


def memory_check(port: int, master: int, plan: list[Scenario], args: argparse.Namespace, workdir: Path) -> dict:
    """Worker memory after a warm-up and after --memory-requests requests spread over every scenario."""
    if not args.memory_requests:
        return {}
    script = workdir / "rotate.lua"
    script.write_text(rotation_script([s for s in plan if not s.name.startswith("floor")]))
    url = f"http://{HOST}:{port}/"
    headers = {"Cookie": plan[0].cookie}
    run_wrk(url, headers, args.connections, 5, script=script)  # warm-up: caches and pools filled
    before = memory_snapshot(master)
    done, rounds = 0, 0
    while done < args.memory_requests and rounds < 60:  # bounded: at most 60 rounds of 10 s
        done += run_wrk(url, headers, args.connections, 10, script=script).requests
        rounds += 1
    return {"before": before, "after": memory_snapshot(master), "requests": done, "master": master}


def rotation_script(plan: list[Scenario]) -> str:
    """A wrk Lua script that sends the scenarios' requests in turn, each with its own headers."""
    requests = ",\n".join(f"  wrk.format({json.dumps(s.method)}, {json.dumps(s.path)}, {lua_table(s.headers())}"
                           f"{', ' + json.dumps(s.body()) if s.body() else ''})" for s in plan)
    return f"local requests = {{\n{requests}\n}}\nlocal i = 0\nrequest = function()\n" \
           "  i = i % #requests + 1\n  return requests[i]\nend\n"


def lua_table(headers: dict[str, str]) -> str:
    """Headers as a Lua table literal (JSON's string escapes are Lua's for this ASCII)."""
    return "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()) + "}"


def run_database(url: str, args: argparse.Namespace, workdir: Path, memory: bool) -> DatabaseRun:
    """Seed a database, serve it, measure every scenario --repeat times in alternation."""
    app_settings = settings(url)
    env = server_environment(workdir, app_settings)
    migrate(env)
    print("  seeding ...", file=sys.stderr, flush=True)
    seeded = seed(app_settings, args, secrets.token_hex(3))
    port, log = free_port(), workdir / "gunicorn.log"
    server = start_server(env, port, args.workers, log)
    try:
        try:
            wait_until_ready(server, port, args.workers)
        except RuntimeError:
            print(server_log_tail(log), file=sys.stderr)
            raise
        return measure_database(port, server.pid, seeded, args, workdir, memory)
    finally:
        stop_server(server)


def measure_database(port: int, master: int, seeded: Seed, args: argparse.Namespace, workdir: Path,
                     memory: bool) -> DatabaseRun:
    """Log in, check each answer once, then the alternating repetitions and the memory check."""
    reader, light = login(port, seeded.reader), login(port, seeded.light)
    plan = scenarios(port, seeded, reader, light)
    problems = [problem for scenario in plan if (problem := verify(port, scenario))]
    named = {scenario.name: scenario for scenario in plan}
    sizes = {"badge fragment body": len(wire_bytes(port, named["badge changed (200)"]).partition(b"\r\n\r\n")[2]),
             "204 on the wire": len(wire_bytes(port, named["badge unchanged (204)"]))}
    load_before = load_average()
    rounds = []
    for index in range(args.repeat):
        print(f"  repetition {index + 1} of {args.repeat}", file=sys.stderr, flush=True)
        rounds.append(measure_round(port, master, plan, args, workdir))
    return DatabaseRun(seeded=seeded, rounds=rounds, problems=problems, sizes=sizes, load_before=load_before,
                       load_after=load_average(),
                       memory=memory_check(port, master, plan, args, workdir) if memory else {})


def print_header(args: argparse.Namespace) -> None:
    """What was measured, on what."""
    print(f"webapp bench: gunicorn {args.workers} sync workers on {HOST}, wrk {args.connections} connections "
          f"(2 threads), {args.seconds:g} s per scenario, {args.repeat} alternating repetitions; "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform(terse=True)}")
    print("ratio = scenario / floor (Flask route + session) of the same repetition: median [min-max]\n")


def print_database(run: DatabaseRun) -> None:
    """Everything one database's run showed."""
    s = run.seeded
    total = s.messages + s.unread + s.other_messages + s.conversations
    print(f"== {s.database}: seeded in {s.seconds:.1f} s, {total:,} messages ({s.messages:,} in the reader's "
          f"conversation, {s.unread:,} unread from one person, {s.conversations:,} conversations, "
          f"{s.other_messages:,} between others), {s.posts:,} posts by {s.people:,} people, {s.follows} of them "
          f"followed by the reader, {s.comments:,} comments on one post, {s.notifications:,} notifications; "
          f"load average {run.load_before} before, "
          f"{run.load_after} after")
    if run.problems:
        print("Unexpected answers before the load:\n  " + "\n  ".join(run.problems))
    print_ratios(run)
    print_targets(run)
    if run.memory:
        print_memory(run.memory)
    print()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on SQLite (and PostgreSQL when given); 1 if any answer was wrong."""
    args = parse_args(argv)
    wrk_path()
    stop_on_signals()
    print_header(args)
    workdir = Path(tempfile.mkdtemp(prefix="webapp-bench-"))
    runs = []
    try:
        runs.append(run_database(f"sqlite:///{workdir / 'bench.sqlite'}", args, workdir, memory=True))
        print_database(runs[-1])
        if args.postgresql:
            # A database of its own on that server, dropped at the end whatever happens.
            with throwaway_database(args.postgresql, "webapp_bench") as url:
                runs.append(run_database(url, args, workdir, memory=False))
            print_database(runs[-1])
        if len(runs) == 2:
            print_cross_database(*runs)
        if args.streams:
            run_streams(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    wrong = sum(len(run.problems) + sum(f["errors"] for r in run.rounds for f in r.values()) for run in runs)
    return 1 if wrong else 0


def stop_on_signals() -> None:
    """Turn SIGTERM and SIGINT into SystemExit, so the `finally` blocks stop gunicorn and clean up."""
    def leave(signum, _frame):
        """Leave through SystemExit."""
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)


if __name__ == "__main__":
    sys.exit(main())
