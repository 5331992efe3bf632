"""The report: latency percentiles, the table, unexpected answers, cookies, bounded-cost ratios, memory."""
from __future__ import annotations

import math
from dataclasses import dataclass

from client import Scenario, Tally


@dataclass
class Result:
    """A scenario's merged figures."""

    scenario: Scenario
    seconds: float
    tally: Tally
    server_cpu: float
    client_cpu: float

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
