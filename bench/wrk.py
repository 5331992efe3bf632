"""The load tool: wrk (Debian's `wrk` package), so the client is not what limits the figures.

Each run is bounded in time (--duration) and sends traffic to 127.0.0.1 only.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


@dataclass
class WrkRun:
    """What one wrk run reports: throughput, latency percentiles (ms), requests and failures."""

    rps: float
    requests: int
    seconds: float
    p50: float
    p99: float
    wrong_status: int
    socket_errors: int


def wrk_path() -> str:
    """The wrk executable, or an error that says how to install it."""
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("make bench needs wrk: apt-get install wrk (Debian's package)")
    return path


def run_wrk(url: str, headers: dict[str, str], connections: int, seconds: float, threads: int = 2,
            script: Path | None = None) -> WrkRun:
    """Load `url` with wrk for `seconds` (optionally through a Lua script); its figures, parsed."""
    command = [wrk_path(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
               "--timeout", "10s", "--latency"] + (["-s", str(script)] if script else [])
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 30)
    if done.returncode:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    return parse(done.stdout)


def parse(output: str) -> WrkRun:
    """Read wrk's text report (with --latency)."""
    requests, seconds = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output).group(1, 2)
    unit = re.search(r"\d+ requests in [\d.]+(us|ms|s|m)", output).group(1)
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]
    wrong = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkRun(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        requests=int(requests),
        seconds=float(seconds) * scale,
        p50=percentile(output, "50%"),
        p99=percentile(output, "99%"),
        wrong_status=int(wrong.group(1)) if wrong else 0,
        # gunicorn's sync workers close each connection: wrk counts an early close as a read error.
        socket_errors=sum(int(n) for n in sockets.group(1, 3, 4)) if sockets else 0,
    )


def percentile(output: str, label: str) -> float:
    """A latency percentile line of the distribution, in milliseconds."""
    value, unit = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).group(1, 2)
    return float(value) * UNITS[unit]
