"""Where the machine's CPU goes during a measurement (/proc): the gunicorn workers,
PostgreSQL, wrk, and everyone else; and waiting for the machine to be quiet."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

from bench.shared import log

TICK = os.sysconf("SC_CLK_TCK")


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def _process_jiffies(server_group: int | None) -> dict[str, dict[int, int]]:
    """CPU jiffies per pid: the gunicorn master and workers, and PostgreSQL's processes."""
    found: dict[str, dict[int, int]] = {"server": {}, "postgres": {}}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        rest = text[text.rindex(")") + 2 :].split()
        group, jiffies = int(rest[2]), int(rest[11]) + int(rest[12])
        if server_group is not None and group == server_group:
            found["server"][int(entry.name)] = jiffies
        elif comm == "postgres":
            found["postgres"][int(entry.name)] = jiffies
    return found


class CpuMeter:
    """Where the machine's CPU went during one measurement: the gunicorn workers, the
    database, wrk, and everything else (other people's processes skew the figures)."""

    def __init__(self, server_group: int | None) -> None:
        self.group = server_group

    def __enter__(self) -> CpuMeter:
        self.machine = _machine_jiffies()
        self.processes = _process_jiffies(self.group)
        self.children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc: object) -> None:
        busy0, total0 = self.machine
        busy1, total1 = _machine_jiffies()
        after = _process_jiffies(self.group)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)

        def spent(kind: str) -> int:
            before = self.processes[kind]
            return sum(max(0, j - before.get(pid, 0)) for pid, j in after[kind].items())

        wrk = (
            children.ru_utime + children.ru_stime - self.children.ru_utime - self.children.ru_stime
        ) * TICK
        self.total = max(1, total1 - total0)
        self.server = spent("server")
        self.postgres = spent("postgres")
        self.wrk = wrk
        self.other = max(0.0, busy1 - busy0 - self.server - self.postgres - wrk)

    def per_request_ms(self, jiffies: float, requests: int) -> float | None:
        return round(jiffies * 1000 / TICK / requests, 3) if requests else None

    def other_pct(self) -> float:
        """Share of the machine's CPU capacity used by processes outside the benchmark."""
        return round(100 * self.other / self.total, 1)


def wait_until_quiet(max_seconds: float) -> float:
    """Wait (up to max_seconds) until other processes use under 15% of the CPUs."""
    deadline = time.monotonic() + max_seconds
    said = False
    while True:
        busy0, total0 = _machine_jiffies()
        time.sleep(2)
        busy1, total1 = _machine_jiffies()
        load = 100 * (busy1 - busy0) / max(1, total1 - total0)
        if load < 15 or time.monotonic() >= deadline:
            if said:
                log(f"going on with {load:.0f}% CPU used by other processes")
            return round(load, 1)
        if not said:
            log(f"machine busy ({load:.0f}% CPU used by other processes): waiting")
            said = True
