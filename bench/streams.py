"""Live updates under load: how many idle event streams one gevent worker holds and what each costs
in memory, the CPU of 1,000 idle streams, and the time from a message sent to the recipient's
page having fetched its badge (publish, doorbell, fetch) while 1,000 streams are open.

Served as production serves it: gunicorn with one gevent worker, doorbells through Redis when one
answers (BENCH_REDIS_URL, default redis://127.0.0.1:6379/0; else the in-process broker), on an
SQLite database of its own. Streams are held by one asyncio client process on 127.0.0.1. Times
are also given as ratios to the floor request (/bench/floor) measured in the same run.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from client import HOST, USER_AGENT, csrf_token, fetch, login
from seed import create_users, migrate, server_environment, settings
from server import ROOT, cpu_seconds, free_port, memory_kib, venv_tool, wait_until_ready, worker_pids

STREAM_OPEN_BATCH = 200


def redis_url() -> str | None:
    """The Redis to carry doorbells through, if one answers."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    parts = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
        return url
    except OSError:
        return None


def seed_people(app_settings: dict, count: int) -> tuple[list[str], list[int]]:
    """`count` people, each signed in once (a session row and its signed cookie), and a sender who
    logs in through the form: the Cookie headers of the people's sessions and their ids."""
    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import UserSession, utcnow
    from webapp.models.sessions import token_digest

    app = create_app(app_settings)
    with app.app_context():
        ids = create_users(db, ["sender"] + [f"reader{index}" for index in range(count)])
        now = utcnow()
        tokens = {name: secrets.token_urlsafe(32) for name in ids if name != "sender"}
        db.session.execute(db.insert(UserSession), [
            {"user_id": ids[name], "token_hash": token_digest(token), "created_at": now, "last_used_at": now,
             "user_agent": USER_AGENT} for name, token in tokens.items()])
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        cookies = [f"{cookie_name}={serializer.dumps({'_user_id': tokens[f'reader{index}']})}" for index in range(count)]
        db.engine.dispose()
    return cookies, [ids[f"reader{index}"] for index in range(count)]


def start_gevent_server(env: dict, port: int, connections: int, log: Path) -> subprocess.Popen:
    """gunicorn with one gevent worker holding up to `connections` connections."""
    command = venv_tool("gunicorn") + [
        "--worker-class", "gevent", "--workers", "1", "--worker-connections", str(connections),
        "-b", f"{HOST}:{port}", "--chdir", str(ROOT), "--graceful-timeout", "2", "--no-control-socket",
        "--error-logfile", str(log), "--log-level", "warning",
        "--pythonpath", str(ROOT / "bench"), "wsgi:application",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Stream:
    """One held /events stream: its doorbells in a queue, its keep-alives counted."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.doorbells: asyncio.Queue = asyncio.Queue()
        self.keepalives, self.ended = 0, False
        self.task = asyncio.create_task(self.read())

    async def read(self):
        try:
            while line := await self.reader.readline():
                if line.startswith(b"data: "):
                    self.doorbells.put_nowait(line[6:].strip().decode())
                elif line.startswith(b": keepalive"):
                    self.keepalives += 1
        except (OSError, asyncio.IncompleteReadError):
            pass
        self.ended = True

    def close(self):
        self.task.cancel()
        self.writer.close()


async def open_stream(port: int, cookie: str) -> Stream:
    """GET /events as a browser's EventSource does, through its first chunk."""
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write((f"GET /events HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: text/event-stream\r\n"
                  f"User-Agent: {USER_AGENT}\r\nCookie: {cookie}\r\n\r\n").encode())
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"/events answered {status.decode().strip()}")
    await reader.readuntil(b": connected\n")
    return Stream(reader, writer)


async def open_streams(port: int, cookies: list[str]) -> list[Stream]:
    """Open a stream per cookie, a batch at a time."""
    streams = []
    for start in range(0, len(cookies), STREAM_OPEN_BATCH):
        streams += await asyncio.gather(*(open_stream(port, cookie) for cookie in cookies[start:start + STREAM_OPEN_BATCH]))
    return streams


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def floor_ms(port: int, cookie: str, samples: int = 200) -> float:
    """The median time of the floor request (a Flask route reading the signed session), in ms."""
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        fetch(port, "/bench/floor", {"Cookie": cookie})
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def latency_samples(port: int, sender: str, token: str, receiver: Stream, receiver_cookie: str,
                          receiver_name: str, samples: int) -> list[tuple[float, float]]:
    """Send `samples` messages to the receiver; for each, the ms from sending to the doorbell and to
    the badge fetched (the page's answer to the doorbell)."""
    loop = asyncio.get_running_loop()
    headers = {"Cookie": sender, "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": token,
               "HX-Request": "true"}
    badge = {"Cookie": receiver_cookie, "HX-Request": "true"}
    results = []
    for index in range(samples):
        started = time.perf_counter()
        body = urllib.parse.urlencode({"message": f"ping {index}"})
        reply = await loop.run_in_executor(None, lambda: fetch(port, f"/messages/with/{receiver_name}", headers, "POST", body))
        if reply.status != 200:
            raise RuntimeError(f"sending answered HTTP {reply.status}")
        while (await asyncio.wait_for(receiver.doorbells.get(), timeout=10)) != "counts":
            pass
        rang = time.perf_counter()
        answer = await loop.run_in_executor(None, lambda: fetch(port, "/notifications/badge?shown=-1&shown_notifications=-1", badge))
        if answer.status != 200:
            raise RuntimeError(f"the badge answered HTTP {answer.status}")
        results.append(((rang - started) * 1000, (time.perf_counter() - started) * 1000))
        while not receiver.doorbells.empty():  # the conversation's doorbell
            receiver.doorbells.get_nowait()
    return results


def worker_rss_kib(master: int) -> int:
    return sum(memory_kib(pid).get("VmRSS", 0) for pid in worker_pids(master))


async def measure(port: int, master: int, cookies: list[str], args: argparse.Namespace) -> dict:
    """The figures, with the worker's memory and CPU read from /proc."""
    sender = login(port, "sender")
    token = csrf_token(port, sender)
    worker = worker_pids(master)
    floor = floor_ms(port, cookies[0])
    baseline = worker_rss_kib(master)
    figures = {"floor_ms": floor, "baseline_kib": baseline}

    streams = await open_streams(port, cookies[:args.latency_streams])
    await asyncio.sleep(1)
    cpu_before, idle_started = cpu_seconds(worker), time.perf_counter()
    await asyncio.sleep(args.idle_seconds)
    figures["idle_cpu_percent"] = 100 * (cpu_seconds(worker) - cpu_before) / (time.perf_counter() - idle_started)
    figures["idle_streams"] = len(streams)
    samples = await latency_samples(port, sender, token, streams[0], cookies[0], "reader0", args.latency_samples)
    figures["doorbell_ms"] = [doorbell for doorbell, _ in samples]
    figures["fetched_ms"] = [fetched for _, fetched in samples]

    streams += await open_streams(port, cookies[args.latency_streams:args.streams])
    await asyncio.sleep(args.keepalive_seconds + 2)  # every stream's keep-alive has come by
    figures["held"] = sum(1 for stream in streams if not stream.ended and stream.keepalives > 0)
    figures["held_kib"] = worker_rss_kib(master)
    figures["floor_held_ms"] = floor_ms(port, cookies[0], samples=50)
    for stream in streams:
        stream.close()
    return figures


def report(figures: dict, args: argparse.Namespace, broker: str) -> None:
    """Print the section."""
    floor = figures["floor_ms"]
    per_stream = (figures["held_kib"] - figures["baseline_kib"]) / max(1, figures["held"])
    doorbell, fetched = figures["doorbell_ms"], figures["fetched_ms"]
    print(f"== live updates: one gunicorn gevent worker, doorbells through {broker}; floor request {floor:.2f} ms")
    print(f"  idle streams held:  {figures['held']:,} of {args.streams:,} (each past its keep-alive), "
          f"worker RSS {figures['baseline_kib'] / 1024:.0f} MiB -> {figures['held_kib'] / 1024:.0f} MiB, "
          f"{per_stream:.1f} KiB per stream; the floor request meanwhile {figures['floor_held_ms'] / floor:.2f}x its time")
    print(f"  CPU of {figures['idle_streams']:,} idle streams: {figures['idle_cpu_percent']:.2f}% of one core "
          f"over {args.idle_seconds:g} s")
    print(f"  message sent -> doorbell, with {figures['idle_streams']:,} streams open ({len(doorbell)} samples): "
          f"p50 {percentile(doorbell, 0.5):.1f} ms ({percentile(doorbell, 0.5) / floor:.1f}x floor), "
          f"p99 {percentile(doorbell, 0.99):.1f} ms ({percentile(doorbell, 0.99) / floor:.1f}x floor)")
    print(f"  message sent -> badge fetched: p50 {percentile(fetched, 0.5):.1f} ms "
          f"({percentile(fetched, 0.5) / floor:.1f}x floor), p99 {percentile(fetched, 0.99):.1f} ms "
          f"({percentile(fetched, 0.99) / floor:.1f}x floor)")


def run_streams(args: argparse.Namespace, workdir: Path) -> None:
    """Seed, serve with gevent, hold the streams, measure, stop."""
    app_settings = {**settings(f"sqlite:///{workdir / 'streams.sqlite'}"),
                    "LIVE_KEEPALIVE_SECONDS": args.keepalive_seconds}
    url = redis_url()
    if url:
        app_settings.update({"REDIS_URL": url, "REDIS_CHANNEL": f"bench:doorbells:{secrets.token_hex(4)}"})
    env = server_environment(workdir, app_settings)
    migrate(env)
    print("  live updates: seeding ...", file=sys.stderr, flush=True)
    cookies, _ = seed_people(app_settings, args.streams)
    port, log = free_port(), workdir / "gunicorn-streams.log"
    server = start_gevent_server(env, port, args.streams + 500, log)
    try:
        wait_until_ready(server, port, 1)
        figures = asyncio.run(measure(port, server.pid, cookies, args))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    report(figures, args, "Redis" if url else "the in-process broker")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The live-update section's options."""
    parser.add_argument("--streams", type=int, default=5000, help="idle streams one worker holds (default 5000; 0 skips)")
    parser.add_argument("--latency-streams", type=int, default=1000,
                        help="streams open while the latency and idle CPU are measured (default 1000)")
    parser.add_argument("--latency-samples", type=int, default=200, help="messages timed (default 200)")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="how long idle CPU is measured (default 30)")
    parser.add_argument("--keepalive-seconds", type=int, default=15,
                        help="LIVE_KEEPALIVE_SECONDS of the server (default 15, as in production)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Live updates under load (also part of `make bench`).")
    add_arguments(parser)
    import tempfile
    run_streams(parser.parse_args(), Path(tempfile.mkdtemp(prefix="webapp-bench-streams-")))
