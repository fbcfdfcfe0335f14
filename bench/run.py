"""The benchmark: seed, serve with gunicorn, drive with wrk, compare with the floor.

    make bench                                  # 10,000 invoices, PostgreSQL + SQLite
    make bench BENCH_ARGS="--duration 5 --databases postgres --scenarios list,issue"
    make bench BENCH_ARGS="--scales 10000,100000"   # list page p50 as the data grows

See bench/README.md for what is measured and how to read the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
LUA = BENCH / "wrk" / "scenario.lua"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/billing_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
DATABASES = ("postgres", "sqlite")
RATE = "1000000/s"  # throttling stays on, far above what one machine can send


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- tools ---------------------------------------------------------------------------


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- CPU accounting ----------------------------------------------------------------------

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


# --- databases -----------------------------------------------------------------------


@dataclass
class Target:
    """One database at one scale: its URL, media folder and server environment."""

    kind: str
    scale: int
    url: str
    media: Path

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.scale}"


def target_for(kind: str, scale: int, postgres_url: str) -> Target:
    media = DATA / f"media-{kind}-{scale}"
    if kind == "sqlite":
        path = DATA / f"bench-{scale}.sqlite3"
        return Target(kind, scale, f"sqlite:///{path}", media)
    parts = urlsplit(postgres_url)
    name = parts.path.lstrip("/") or "billing_bench"
    return Target(kind, scale, urlunsplit(parts._replace(path=f"/{name}_{scale}")), media)


def _pg_admin(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    )


def create_database(target: Target, *, fresh: bool) -> None:
    if target.kind == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        if fresh:
            path = Path(urlsplit(target.url).path)
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.rmtree(target.media, ignore_errors=True)
        return
    name = urlsplit(target.url).path.lstrip("/")
    with _pg_admin(target.url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    if fresh:
        shutil.rmtree(target.media, ignore_errors=True)


# --- environment ---------------------------------------------------------------------


SETTINGS = "bench.settings"
# The cache as production has it (Redis, shared by the workers), when one answers.
REDIS_URL = ""
CACHE_PREFIX = f"bench-{os.getpid()}"


def server_env(target: Target, secret_key: str) -> dict[str, str]:
    """Production settings (DEBUG off) as `make serve` runs them, plus the bench's needs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DATABASE_URL": target.url,
            "MEDIA_ROOT": str(target.media),
            "DEBUG": "false",
            "SECRET_KEY": secret_key,
            "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
            "THROTTLE_RATE_USER": RATE,
            "THROTTLE_RATE_ANON": RATE,
            "THROTTLE_RATE_LOGIN": RATE,
            "THROTTLE_RATE_PUBLIC_INVOICE": RATE,
            "JWT_ACCESS_TOKEN_MINUTES": "240",
            # Redis is the cache only: tasks are queued in memory, as a broker would take
            # them, and never run in the web workers (production runs them on Celery workers).
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": CACHE_PREFIX,
            "CELERY_BROKER_URL": "memory://",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_MAX_REQUESTS": "0",  # no worker recycling in the middle of a run
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def django_command(env: dict[str, str], module: str, *args: str) -> Any:
    """Run `python -m bench.<module> args...`; answers the JSON of its last stdout line."""
    completed = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"bench.{module} {' '.join(args)} failed (exit {completed.returncode})")
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])


def ensure_seeded(target: Target, env: dict[str, str], customers: int) -> dict[str, Any]:
    create_database(target, fresh=False)
    marker = django_command(env, "seed", "status")
    wanted = {"invoices": target.scale, "customers": customers}
    if (
        marker
        and all(marker.get(k) == v for k, v in wanted.items())
        and marker.get("version") == seed_version()
    ):
        log(f"{target.key}: reusing the seeded data set ({marker['seeded_at']})")
        django_command(env, "seed", "migrate")
        return marker
    log(f"{target.key}: seeding {target.scale:,} invoices ({customers:,} customers)")
    create_database(target, fresh=True)
    started = time.monotonic()
    marker = django_command(
        env, "seed", "seed", "--invoices", str(target.scale), "--customers", str(customers)
    )
    log(f"{target.key}: seeded in {time.monotonic() - started:.0f} s: {marker['statuses']}")
    return marker


def seed_version() -> int:
    """bench.seed's SEED_VERSION, read without importing it (that would set Django up)."""
    text = (BENCH / "seed.py").read_text()
    return int(text.split("SEED_VERSION = ", 1)[1].split("\n", 1)[0])


# --- the server ----------------------------------------------------------------------


class Server:
    """gunicorn with deploy/gunicorn.conf.py (2 sync workers) on a free loopback port."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "core.wsgi:application",
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited early; see {self.log_path}")
            try:
                if self.http("GET", "/health/", timeout=2)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        sys.exit(f"gunicorn did not answer /health/ within 60 s; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own gunicorn's group
                self.process.wait()
        self.log_file.close()

    def http(
        self,
        method: str,
        path: str,
        body: Any = None,
        timeout: float = 30,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {**(headers or {})}
            if body is not None:
                headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode() if body is not None else None
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def login(self, username: str, password: str) -> str:
        status, content = self.http(
            "POST", "/api/auth/login/", {"username": username, "password": password}
        )
        if status != 200:
            sys.exit(f"login failed ({status}): {content[:300]!r}")
        return json.loads(content)["access"]


# --- scenarios -----------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    label: str
    path: str = ""
    method: str = "GET"
    body: Any = None
    connections: int = 16
    auth: bool = True
    writer: bool = False  # sent as the user who owns the write fixtures
    paths: list[str] = field(default_factory=list)  # rotated; consumed by writes
    warmup_paths: list[str] = field(default_factory=list)
    probe_paths: list[str] = field(default_factory=list)
    consumes: bool = False
    only: tuple[str, ...] = DATABASES
    note: str = ""


def create_body(customer_id: int) -> dict[str, Any]:
    return {
        "customer": customer_id,
        "buyer_reference": "PO-BENCH",
        "items": [
            {
                "description": f"Bench line {n}",
                "quantity": "3",
                "unit_price": "19.99",
                "tax_category": "S",
                "tax_rate": "19.00" if n % 3 else "7.00",
            }
            for n in range(1, 11)
        ],
    }


def scenarios_for(fixtures: dict[str, Any]) -> list[Scenario]:
    invoices = "/api/invoices"
    issue = [f"{invoices}/{i}/issue/" for i in fixtures["issue_draft_ids"]]
    pay = [f"{invoices}/{i}/payments/" for i in fixtures["payment_target_ids"]]
    routes = fixtures.get("routes", {})
    reports = [
        Scenario(name, label, path, connections=2, note="c=2: p50 is the report's time")
        for name, label, path in (
            ("aging", "aging report", "/api/reports/aging/"),
            ("summary", "summary report (all time)", "/api/reports/summary/"),
        )
        if routes.get(path)
    ]
    return [
        Scenario("floor-static", "floor: static bytes", "/bench/floor/static/", auth=False),
        Scenario("floor-values", "floor: .values()+json", "/bench/floor/values/", auth=False),
        Scenario("list", "invoice list (50+items)", f"{invoices}/?page_size=50"),
        Scenario("detail", "invoice detail", f"{invoices}/{fixtures['detail_id']}/"),
        Scenario("customers", "customer list (50)", "/api/customers/?page_size=50"),
        *reports,
        Scenario(
            "pdf-issued",
            "PDF issued (stored)",
            f"{invoices}/{fixtures['pdf_issued_id']}/pdf/",
        ),
        Scenario(
            "pdf-draft",
            "PDF draft (rendered)",
            f"{invoices}/{fixtures['pdf_draft_id']}/pdf/",
            connections=2,
            note="c=2: p50 is the render time",
        ),
        Scenario(
            "ubl",
            "UBL (validated, served)",
            f"{invoices}/{fixtures['ubl_id']}/ubl/",
            connections=2,
            note="c=2; kept per invoice version after its first build",
        ),
        Scenario(
            "create",
            "create draft (10 items)",
            f"{invoices}/",
            method="POST",
            body=create_body(fixtures["customer_id"]),
            writer=True,
        ),
        Scenario(
            "payment",
            "record payment",
            method="POST",
            body={"amount": "1.00", "method": "bank_transfer", "reference": "bench"},
            paths=pay,
            warmup_paths=pay,
            probe_paths=pay,
            writer=True,
        ),
        Scenario(
            "issue",
            "issue draft (8 clients)",
            method="POST",
            body={},
            connections=8,
            paths=issue,
            warmup_paths=[f"{invoices}/{i}/issue/" for i in fixtures["warmup_draft_ids"]],
            probe_paths=[f"{invoices}/{i}/issue/" for i in fixtures["probe_draft_ids"]],
            consumes=True,
            only=("postgres",),
            writer=True,
        ),
    ]


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
        return self.tokens["writer" if scenario.writer else "reader"]

    def prime(self, scenario: Scenario, workers: int = 2, rounds: int = 3) -> None:
        """Requests `workers` at a time, so every worker pays its first-use costs
        (WeasyPrint fonts, the schematron compile, connections) before wrk measures."""
        paths = scenario.warmup_paths or [scenario.path]
        headers = {"Authorization": f"Bearer {self.token(scenario)}"} if scenario.auth else {}
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


# --- one database ----------------------------------------------------------------------


def run_database(
    target: Target, args: argparse.Namespace, out_dir: Path, work: Path, wrk: str
) -> dict:
    secret_key = secrets.token_urlsafe(50)
    env = server_env(target, secret_key)
    marker = ensure_seeded(target, env, args.customers)
    password = secrets.token_urlsafe(24)
    drafts = int(args.issue_rate * args.duration)
    warmup_drafts = int(args.issue_rate * args.warmup) + 200
    fixtures = django_command(
        {**env, "BENCH_PASSWORD": password},
        "seed",
        "prepare",
        "--drafts",
        str(drafts),
        "--warmup-drafts",
        str(warmup_drafts),
    )
    scenarios = [
        s
        for s in scenarios_for(fixtures)
        if target.kind in s.only and (not args.scenarios or s.name in args.scenarios)
    ]
    if args.scenarios and "floor-values" not in args.scenarios:
        scenarios.insert(0, next(s for s in scenarios_for(fixtures) if s.name == "floor-values"))
    results: dict[str, Any] = {}
    if args.wait_quiet:
        wait_until_quiet(args.wait_quiet)
    log(f"{target.key}: gunicorn, {len(scenarios)} scenarios x {args.duration:g} s")
    with Server(env, out_dir / f"gunicorn-{target.key}.log") as server:
        tokens = {
            "reader": server.login(fixtures["reader"], password),
            "writer": server.login(fixtures["writer"], password),
        }
        runner = WrkRun(wrk, server, tokens, args.threads, work)
        for scenario in scenarios:
            results[scenario.name] = {
                "label": scenario.label,
                "connections": scenario.connections,
                "note": scenario.note,
                **measure(runner, scenario, args, target.key),
            }
            if target.kind != "postgres":  # the database works inside the workers
                results[scenario.name]["db_cpu_ms"] = None
    probe_plan = {
        "reader_token": runner.tokens["reader"],
        "profile_dir": str(out_dir) if args.profile else None,
        "scenarios": [
            {
                "name": s.name,
                "database": target.key,
                "token": runner.token(s),
                "method": s.method,
                "body": s.body,
                "probe_paths": s.probe_paths or [s.path],
                "consumes": s.consumes,
                "repeat": 5 if s.name.startswith("pdf-draft") else 20,
                "profile": s.name in args.profile,
                # the first build of the served UBL, cache or not: build + XSD + schematron
                **({"build_ubl_of": fixtures["ubl_id"]} if s.name == "ubl" else {}),
            }
            for s in scenarios
        ],
    }
    plan_file = work / f"probe-{target.key}.json"
    plan_file.write_text(json.dumps(probe_plan))
    log(f"{target.key}: queries per request (in-process, Django test client)")
    probes = django_command(env, "probe", str(plan_file))
    plan_file.unlink()
    consistent = probes.pop("_consistency")
    if consistent["different"]:
        log(f"{target.key}: list and detail disagree: {consistent['different']}")
    for name, probe in probes.items():
        results[name].update(
            queries=probe["queries"],
            probe_status=probe["status"],
            inproc_ms=probe.get("inproc_ms"),
            **({"build_ms": probe["build_ms"]} if "build_ms" in probe else {}),
            sql=probe["sql"],
            **({"profile": probe["profile"]} if "profile" in probe else {}),
        )
    floor = results.get("floor-values", {})
    for row in results.values():
        row["x_floor"] = round(row["rps"] / floor["rps"], 2) if floor.get("rps") else None
        cpu, floor_cpu = row.get("server_cpu_ms"), floor.get("server_cpu_ms")
        row["x_floor_cpu"] = round(floor_cpu / cpu, 2) if cpu and floor_cpu else None
    numbering = django_command(env, "seed", "verify")
    log(f"{target.key}: numbers unique and gap-free: {numbering['ok']}")
    return {
        "database": target.kind,
        "scale": target.scale,
        "seed": {k: marker[k] for k in ("invoices", "customers", "statuses", "seeded_at")},
        "scenarios": results,
        "numbering": numbering,
        "list_matches_detail": consistent,
    }


def run_scale(
    target: Target, args: argparse.Namespace, out_dir: Path, work: Path, wrk: str
) -> dict:
    env = server_env(target, secrets.token_urlsafe(50))
    ensure_seeded(target, env, args.customers)
    password = secrets.token_urlsafe(24)
    fixtures = django_command(
        {**env, "BENCH_PASSWORD": password},
        "seed",
        "prepare",
        "--drafts",
        "0",
        "--warmup-drafts",
        "0",
        "--payment-targets",
        "0",
    )
    wanted = ("floor-values", "list", "aging", "summary")
    scenarios = [s for s in scenarios_for(fixtures) if s.name in wanted]
    results = {}
    if args.wait_quiet:
        wait_until_quiet(args.wait_quiet)
    with Server(env, out_dir / f"gunicorn-{target.key}.log") as server:
        tokens = {"reader": server.login(fixtures["reader"], password)}
        runner = WrkRun(wrk, server, tokens, args.threads, work)
        for scenario in scenarios:
            results[scenario.name] = measure(runner, scenario, args, target.key)
    return results


# --- output ----------------------------------------------------------------------------


def _cell(value: Any, width: int, digits: int = 1) -> str:
    if value is None:
        return f"{'-':>{width}}"
    if isinstance(value, float):
        return f"{value:>{width}.{digits}f}"
    return f"{value:>{width}}"


def print_table(result: dict[str, Any]) -> None:
    head = (
        f"{'scenario':<25}{'conc':>5}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'queries':>8}"
        f"{'inproc':>8}{'cpu ms':>8}{'db ms':>7}{'x floor':>8}{'x cpu':>7}{'others':>7}  notes"
    )
    print(f"\n== {result['database']}: {result['scale']:,} invoices ==")
    print(head)
    print("-" * len(head))
    for row in result["scenarios"].values():
        notes = []
        if row["errors"]:
            notes.append(f"{row['errors']} errors ({row['non_2xx']} non-2xx)")
        if row.get("probe_status", 200) >= 400:
            notes.append(f"in-process answer {row['probe_status']}")
        if row["note"]:
            notes.append(row["note"])
        if row.get("build_ms") is not None:
            notes.append(f"first build+validate {row['build_ms']} ms (in-process p50)")
        cpu, x_cpu = row.get("server_cpu_ms"), row.get("x_floor_cpu")
        print(
            f"{row['label']:<25}{row['connections']:>5}{_cell(row['rps'], 9)}"
            f"{_cell(row['p50_ms'], 8)}{_cell(row['p99_ms'], 8)}{_cell(row.get('queries'), 8)}"
            f"{_cell(row.get('inproc_ms'), 8)}{_cell(cpu, 8, 2)}"
            f"{_cell(row.get('db_cpu_ms'), 7, 2)}{_cell(row['x_floor'], 8, 2)}"
            f"{_cell(x_cpu, 7, 2)}{_cell(row.get('other_cpu_pct'), 6, 0)}%  {'; '.join(notes)}"
        )
    numbering = result["numbering"]
    groups = ", ".join(
        f"{g['series']}/{g['year']}: {g['numbers']}"
        + ("" if g["gap_free"] and g["unique"] else " GAP/DUPLICATE")
        for g in numbering["groups"]
    )
    verdict = "unique and gap-free" if numbering["ok"] else "NOT unique/gap-free"
    print(f"numbers {verdict} ({groups})")
    consistent = result["list_matches_detail"]
    if consistent["different"]:
        print(f"list and detail DISAGREE on seeded invoices: {consistent['different']}")
    else:
        print(f"list and detail agree on the first {consistent['checked']} invoices")


def print_scales(scales: dict[str, dict[str, Any]]) -> None:
    for kind, by_scale in scales.items():
        print(f"\n== scale check, {kind} ==")
        head = (
            f"{'scenario':<10}{'invoices':>10}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
            f"{'cpu ms':>8}{'db ms':>7}{'x floor':>8}{'x cpu':>7}{'others':>7}{'p50 x':>7}"
        )
        print(head)
        print("-" * len(head))
        names = [n for n in next(iter(by_scale.values())) if n != "floor-values"]
        for name in names:
            first = None
            for scale, rows in by_scale.items():
                row, floor = rows[name], rows["floor-values"]
                first = first or row["p50_ms"]
                cpu = row["server_cpu_ms"]
                db = row["db_cpu_ms"] if kind == "postgres" else None
                x_cpu = floor["server_cpu_ms"] / cpu if cpu else None
                print(
                    f"{name:<10}{int(scale):>10,}{_cell(row['rps'], 9)}{_cell(row['p50_ms'], 8)}"
                    f"{_cell(row['p99_ms'], 8)}{_cell(cpu, 8, 2)}{_cell(db, 7, 2)}"
                    f"{_cell(row['rps'] / floor['rps'], 8, 2)}{_cell(x_cpu, 7, 2)}"
                    f"{_cell(row['other_cpu_pct'], 6, 0)}%{_cell(row['p50_ms'] / first, 7, 2)}"
                    + (f"  {row['non_2xx']} non-2xx: see the gunicorn log" if row["errors"] else "")
                )


# --- main ------------------------------------------------------------------------------


def code_version() -> dict[str, Any]:
    """The commit measured, and whether the work tree differed from it (read-only git)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "changed_files": []}
    return {"commit": commit, "changed_files": [line[3:] for line in changed if line.strip()]}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Billing backend benchmark (bench/README.md)")
    parser.add_argument("--invoices", type=int, default=10_000, help="scale (5 items each)")
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--databases", default="postgres,sqlite", help="postgres,sqlite")
    parser.add_argument("--duration", type=float, default=10, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before each one")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--scenarios", default="", help="comma list (default: all)")
    parser.add_argument("--scales", default="", help="e.g. 10000,100000: list scale check")
    parser.add_argument("--profile", default="", help="comma list: cProfile in-process")
    parser.add_argument(
        "--seed-only", action="store_true", help="seed (or check) the data sets, then stop"
    )
    parser.add_argument(
        "--settings",
        default=SETTINGS,
        help="settings module (to try a change: one that imports bench.settings)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60,
        help="wait up to this many seconds for other processes to leave the CPUs alone",
    )
    parser.add_argument(
        "--issue-rate", type=float, default=400, help="drafts prepared per second of issue run"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        help="the cache (as in production); without an answering Redis, a per-process cache",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "")
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else DEFAULT_POSTGRES_URL,
        help="PostgreSQL server and base name (the scale is appended: billing_bench_10000)",
    )
    args = parser.parse_args(argv)
    args.databases = [d for d in args.databases.split(",") if d]
    for kind in args.databases:
        if kind not in DATABASES:
            parser.error(f"unknown database {kind!r}")
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    args.profile = [s for s in args.profile.split(",") if s]
    args.scales = [int(s) for s in args.scales.split(",") if s]
    return args


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1):
            return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    global SETTINGS, REDIS_URL
    SETTINGS = args.settings
    REDIS_URL = args.redis_url if _answers(args.redis_url) else ""
    if not REDIS_URL:
        log(f"no Redis at {args.redis_url}: every worker caches on its own (nothing shared)")
    wrk = ensure_wrk()
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out_dir = RESULTS / stamp
    out_dir.mkdir()
    report: dict[str, Any] = {
        "started_at": started.isoformat(),
        "args": {k: v for k, v in vars(args).items() if k not in ("database_url", "redis_url")},
        "cache": "redis (shared)" if REDIS_URL else "per process (no Redis)",
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "code": code_version(),
        "server": "gunicorn deploy/gunicorn.conf.py, 2 sync workers, production settings",
        "load": f"wrk -t{args.threads}, connections per scenario as listed",
        "results": [],
        "scales": {},
    }
    if args.seed_only:
        for kind in args.databases:
            for scale in args.scales or [args.invoices]:
                target = target_for(kind, scale, args.database_url)
                ensure_seeded(target, server_env(target, secrets.token_urlsafe(50)), args.customers)
        out_dir.rmdir()
        return
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        work = Path(workdir)
        if args.scales:
            for kind in args.databases:
                for scale in args.scales:
                    target = target_for(kind, scale, args.database_url)
                    report["scales"].setdefault(kind, {})[str(scale)] = run_scale(
                        target, args, out_dir, work, wrk
                    )
        else:
            for kind in args.databases:
                target = target_for(kind, args.invoices, args.database_url)
                report["results"].append(run_database(target, args, out_dir, work, wrk))
    report["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
    measured = {n for r in report["results"] for n in r["scenarios"]}
    measured |= {n for by_scale in report["scales"].values() for r in by_scale.values() for n in r}
    missing = [n for n in ("aging", "summary") if n not in measured]
    report["not_measured"] = missing
    result_file = RESULTS / f"{stamp}.json"
    result_file.write_text(json.dumps(report, indent=2, default=str))
    for result in report["results"]:
        print_table(result)
    if report["scales"]:
        print_scales(report["scales"])
    if missing:
        print(f"\nNot measured: {', '.join(missing)} (no such endpoint in this version).")
    print(
        f"JSON: {result_file.relative_to(ROOT)}; gunicorn logs, profiles: "
        f"{out_dir.relative_to(ROOT)}/"
    )
    if any(not r["numbering"]["ok"] for r in report["results"]):
        sys.exit("invoice numbers are not unique and gap-free")


if __name__ == "__main__":
    main()
