"""The command line (`make bench`, bench/run.py): arguments, then every database's run."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import socket
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from bench.databases import ensure_seeded, target_for
from bench.load import ensure_wrk
from bench.report import finish_report, new_report
from bench.runs import run_database, run_scale
from bench.scale_scenarios import scale_customers
from bench.servers import server_env
from bench.shared import (
    DATABASES,
    DEFAULT_POSTGRES_URL,
    DEFAULT_REDIS_URL,
    DEFAULT_SETTINGS,
    RESULTS,
    log,
)


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
        default=DEFAULT_SETTINGS,
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
        "--recurring-schedules",
        type=int,
        default=10_000,
        help="due schedules the recurring-run scenario bills in one command run (PostgreSQL)",
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
    args.cache_url = args.redis_url if _answers(args.redis_url) else ""
    if not args.cache_url:
        log(f"no Redis at {args.redis_url}: every worker caches on its own (nothing shared)")
    wrk = ensure_wrk()
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out_dir = RESULTS / stamp
    out_dir.mkdir()
    report = new_report(args, started)
    if args.seed_only:
        for kind in args.databases:
            for scale in args.scales or [args.invoices]:
                target = target_for(kind, scale, args.database_url)
                env = server_env(
                    target,
                    secrets.token_urlsafe(50),
                    settings=args.settings,
                    redis_url=args.cache_url,
                )
                # What the same --scales (or --invoices) run would reuse.
                customers = (
                    scale_customers(scale, args.customers) if args.scales else args.customers
                )
                ensure_seeded(target, env, customers)
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
    finish_report(report, RESULTS / f"{stamp}.json", out_dir)
    if any(not r["numbering"]["ok"] for r in report["results"]):
        sys.exit("invoice numbers are not unique and gap-free")
