"""The server side of the benchmark: gunicorn on 127.0.0.1, and its workers' CPU and memory from /proc."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
READY_TIMEOUT_S = 30.0
ROOT = Path(__file__).resolve().parent.parent


def venv_tool(name: str) -> list[str]:
    """The command for a tool of this interpreter's environment (its script, else `python -m`)."""
    script = Path(sys.executable).parent / name
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]

def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    """Start gunicorn with sync workers on 127.0.0.1:port, serving wsgi.py (the app and its floors)."""
    command = venv_tool("gunicorn") + [
        "-w", str(workers), "-b", f"{HOST}:{port}", "--chdir", str(ROOT),
        "--error-logfile", str(log), "--log-level", "warning",
        "--pythonpath", str(ROOT / "bench"), "wsgi:application",  # the app plus the floors (wsgi.py)
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
        connection = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            connection.request("GET", "/auth/login")
            return connection.getresponse().status == 200
        finally:
            connection.close()
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
