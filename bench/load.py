"""The load: wrk driving one scenario against the server, and what its run measured."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.conditional import revalidation_headers
from bench.cpu import CpuMeter
from bench.scenarios import Scenario
from bench.servers import Server
from bench.shared import LUA, log


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed: apt-get install -y wrk (Debian package), then retry")
    log("installing wrk (Debian package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk could not be installed")
    return found


@dataclass
class WrkRun:
    wrk: str
    server: Server
    tokens: dict[str, str]  # "reader" and "writer"
    threads: int
    workdir: Path

    def token(self, scenario: Scenario) -> str:
        if not scenario.auth:
            return ""
        return self.tokens[scenario.as_user or ("writer" if scenario.writer else "reader")]

    def prime(self, scenario: Scenario, workers: int = 2, rounds: int = 3) -> None:
        """Requests `workers` at a time, so every worker pays its first-use costs
        (WeasyPrint fonts, the schematron compile, connections) before wrk measures."""
        paths = scenario.warmup_paths or [scenario.path]
        if scenario.revalidate:
            scenario.headers = revalidation_headers(
                self.server, scenario.path, self.token(scenario)
            )
        headers = {"Authorization": f"Bearer {self.token(scenario)}"} if scenario.auth else {}
        headers.update(scenario.headers)
        cursor = iter(range(len(paths) * rounds * workers))

        def one() -> None:
            index = next(cursor) % len(paths)
            self.server.http(
                scenario.method, paths[index], scenario.body, timeout=120, headers=headers
            )

        for _ in range(rounds):
            threads = [threading.Thread(target=one) for _ in range(workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

    def run(self, scenario: Scenario, seconds: float, paths: list[str]) -> dict[str, Any]:
        env = {
            **os.environ,
            "BENCH_METHOD": scenario.method,
            "BENCH_TOKEN": self.token(scenario),
            "BENCH_THREADS": str(min(self.threads, scenario.connections)),
            "BENCH_BODY_FILE": "",
            "BENCH_PATHS_FILE": "",
            "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in scenario.headers.items()),
        }
        if scenario.body is not None:
            body_file = self.workdir / f"{scenario.name}.json"
            body_file.write_text(json.dumps(scenario.body))
            env["BENCH_BODY_FILE"] = str(body_file)
        if paths:
            paths_file = self.workdir / f"{scenario.name}-{len(paths)}.paths"
            paths_file.write_text("\n".join(paths) + "\n")
            env["BENCH_PATHS_FILE"] = str(paths_file)
        threads = min(self.threads, scenario.connections)
        command = [
            self.wrk,
            f"-t{threads}",
            f"-c{scenario.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA),
            self.server.base + (scenario.path or paths[0]),
        ]
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=seconds + 90, check=False
        )
        for line in completed.stdout.splitlines():
            if line.startswith("BENCH_JSON "):
                return json.loads(line.removeprefix("BENCH_JSON "))
        sys.exit(f"wrk failed for {scenario.name}: {completed.stdout}\n{completed.stderr}")


def summarize(raw: dict[str, Any], cpu: CpuMeter) -> dict[str, Any]:
    seconds = raw["duration_us"] / 1e6
    errors = raw["status_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"]
    ok = max(0, raw["requests"] - raw["status_errors"])
    return {
        # CPU time per request in the gunicorn workers and in PostgreSQL: unlike req/s,
        # hardly moved by other processes competing for the CPUs.
        "server_cpu_ms": cpu.per_request_ms(cpu.server, raw["requests"]),
        "db_cpu_ms": cpu.per_request_ms(cpu.postgres, raw["requests"]),
        "wrk_cpu_ms": cpu.per_request_ms(cpu.wrk, raw["requests"]),
        "other_cpu_pct": cpu.other_pct(),
        "requests": raw["requests"],
        "ok_requests": ok,
        "errors": errors,
        "non_2xx": raw["status_errors"],
        "rps": round(ok / seconds, 1) if seconds else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "wrk": raw,
    }


def measure(
    runner: WrkRun, scenario: Scenario, args: argparse.Namespace, key: str
) -> dict[str, Any]:
    """Prime every worker, warm up with wrk, then the measured run."""
    runner.prime(scenario)
    if args.warmup > 0:
        runner.run(scenario, args.warmup, scenario.warmup_paths)
    with CpuMeter(runner.server.process.pid) as cpu:
        raw = runner.run(scenario, args.duration, scenario.paths)
    row = summarize(raw, cpu)
    log(
        f"{key}: {scenario.name:<13} {row['rps']:>8.1f} req/s  p50 {row['p50_ms']:.1f} ms  "
        f"p99 {row['p99_ms']:.1f} ms  worker CPU {row['server_cpu_ms']} ms/req  "
        f"others {row['other_cpu_pct']}% CPU"
        + (f"  non-2xx {row['non_2xx']}" if row["non_2xx"] else "")
    )
    return row
