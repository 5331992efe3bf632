"""The report: every figure as a ratio to the floor of the same repetition, the targets next to
what was measured, PostgreSQL against SQLite, and worker memory."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from seed import Seed

FLOOR = "floor: Flask route + session"
PAGES = ("inbox", "conversation", "explore", "home", "post with comments", "notifications")
# (scenario, the least req/s it must reach as a fraction of the floor's)
THROUGHPUT_TARGETS = [
    ("badge unchanged (204)", 0.70),
    ("badge changed (200)", 0.55),
    ("popover", 0.50),
    *[(f"{page} {which} page", 0.30) for page in PAGES for which in ("first", "deepest")],
]
DEPTH_TARGET = 1.2  # deepest page p50 / first page p50
# Answers that must take as long as each other: (label, scenario, the one it is compared with, bound
# on the p50 ratio either way).
SAME_TIME_TARGETS = [("reset request: known / unknown address p50", "reset request, known address",
                      "reset request, unknown address", 1.25)]
BYTES_TARGETS = {"badge fragment body": 250, "204 on the wire": 300}
MEMORY_GROWTH_TARGET = 0.05
CROSS_DATABASE_TARGET = 0.8


@dataclass
class DatabaseRun:
    """One database's figures: a dict per repetition, scenario name -> figures."""

    seeded: Seed
    rounds: list[dict[str, dict]]
    problems: list[str]
    sizes: dict[str, int]
    load_before: str
    load_after: str
    memory: dict = field(default_factory=dict)

    def ratios(self, name: str, key: str, base: str = FLOOR) -> list[float]:
        """The scenario's figure over the base's, one per repetition."""
        return [r[name][key] / r[base][key] for r in self.rounds if r[base][key]]

    def throughput(self, name: str) -> list[float]:
        """req/s as a fraction of the floor's, per repetition."""
        return self.ratios(name, "rps")

    def depth(self, page: str) -> list[float]:
        """The deepest page's p50 over the first page's, per repetition."""
        return self.ratios(f"{page} deepest page", "p50", base=f"{page} first page")


def spread(values: list[float]) -> str:
    """median [min-max] of ratios."""
    if not values:
        return "n/a"
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def print_ratios(run: DatabaseRun) -> None:
    """The table: absolute figures of the median repetition, and the ratios to the floor."""
    header = ("scenario", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "req/s / floor", "CPU / floor's", "errors")
    rows = [header]
    for name in run.rounds[0]:
        figures = [r[name] for r in run.rounds]
        rows.append((name, f"{median_of(figures, 'rps'):.0f}", f"{median_of(figures, 'p50'):.2f}",
                     f"{median_of(figures, 'p99'):.2f}", f"{median_of(figures, 'cpu_ms'):.3f}",
                     spread(run.throughput(name)), spread(run.ratios(name, "cpu_ms")),
                     str(sum(f["errors"] for f in figures))))
    print_aligned(rows)


def median_of(figures: list[dict], key: str) -> float:
    """The median of one figure over the repetitions."""
    return statistics.median(f[key] for f in figures)


def print_targets(run: DatabaseRun) -> None:
    """Each target with the figure measured for it (the median over repetitions) and whether it is met."""
    rows = [("target", "measured", "wanted", "")]
    for name, least in THROUGHPUT_TARGETS:
        rows.append(verdict(f"{name}: req/s / floor", run.throughput(name), least, at_least=True))
    for page in PAGES:
        rows.append(verdict(f"{page}: deepest / first page p50", run.depth(page), DEPTH_TARGET, at_least=False))
    for label, name, other, bound in SAME_TIME_TARGETS:
        ratios = run.ratios(name, "p50", base=other)
        median = statistics.median(ratios) if ratios else 0.0
        met = 1 / bound <= median <= bound
        rows.append((label, spread(ratios), f"{1 / bound:.2f}-{bound:.2f}", "met" if met else "MISSED"))
    for label, limit in BYTES_TARGETS.items():
        size = run.sizes[label]
        rows.append((f"{label} (bytes)", str(size), f"< {limit}", "met" if size < limit else "MISSED"))
    if run.memory:
        growth = memory_growth(run.memory)
        rows.append((f"worker memory growth after {run.memory['requests']:,} requests", f"{growth:+.1%}",
                     f"<= {MEMORY_GROWTH_TARGET:.0%}", "met" if growth <= MEMORY_GROWTH_TARGET else "MISSED"))
    print()
    print_aligned(rows)


def verdict(label: str, values: list[float], bound: float, at_least: bool) -> tuple[str, ...]:
    """A target row: the spread, the bound, met or missed (judged on the median)."""
    if not values:
        return (label, "n/a", "", "MISSED")
    middle = statistics.median(values)
    met = middle >= bound if at_least else middle <= bound
    return (label, spread(values), f"{'>=' if at_least else '<='} {bound:.2f}", "met" if met else "MISSED")


def memory_growth(memory: dict) -> float:
    """The largest relative growth of a worker's RSS between the two snapshots."""
    before, after, master = memory["before"], memory["after"], memory["master"]
    growths = [after[pid]["VmRSS"] / before[pid]["VmRSS"] - 1
               for pid in before if pid != master and pid in after and before[pid].get("VmRSS")]
    return max(growths) if growths else float("inf")  # a worker that vanished is a failure


def print_memory(memory: dict) -> None:
    """Each worker's RSS after the warm-up and after the load."""
    print(f"\nMemory (KiB), after a warm-up and after {memory['requests']:,} more requests over every scenario:")
    for pid, before in memory["before"].items():
        role = "master" if pid == memory["master"] else "worker"
        after = memory["after"].get(pid, {})
        print(f"  {role} {pid}: VmRSS {before.get('VmRSS', '-')} -> {after.get('VmRSS', 'gone')}, "
              f"peak {after.get('VmHWM', '-')}")


def print_cross_database(sqlite: DatabaseRun, postgresql: DatabaseRun) -> None:
    """PostgreSQL's ratios to the floor against SQLite's, per target scenario."""
    rows = [("scenario", "SQLite", "PostgreSQL", "PostgreSQL / SQLite", "wanted", "")]
    for name, _ in THROUGHPUT_TARGETS:
        lite, pg = statistics.median(sqlite.throughput(name)), statistics.median(postgresql.throughput(name))
        share = pg / lite if lite else 0.0
        rows.append((name, f"{lite:.2f}", f"{pg:.2f}", f"{share:.2f}", f">= {CROSS_DATABASE_TARGET:.2f}",
                     "met" if share >= CROSS_DATABASE_TARGET else "MISSED"))
    print("== PostgreSQL against SQLite (req/s / floor, medians)")
    print_aligned(rows)


def print_aligned(rows: list[tuple[str, ...]]) -> None:
    """Rows as an aligned text table, the first a header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  ".join([row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]))
        if index == 0:
            print("  ".join("-" * w for w in widths))
