"""The output: one table per database (and per scale), the run's JSON, the code measured."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.shared import ROOT


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
        + ("" if g.get("counter_date_ok", True) else " COUNTER DATE")
        for g in numbering["groups"]
    )
    verdict = "unique and gap-free" if numbering["ok"] else "NOT unique/gap-free"
    print(f"numbers {verdict} ({groups})")
    recurring = result.get("recurring_run")
    if recurring:
        issue = result["scenarios"].get("issue", {}).get("rps")
        print(
            f"recurring-run: {recurring['invoices_per_s']} invoices/s "
            f"({recurring.get('workers', 1)} processes), {recurring['invoices']} "
            f"of {recurring['schedules']} schedules in {recurring['seconds']} s, "
            f"{recurring['failed']} failed (issue scenario: {issue} req/s; target 100/s)"
        )
    consistent = result["list_matches_detail"]
    if consistent["different"]:
        print(f"list and detail DISAGREE on seeded invoices: {consistent['different']}")
    else:
        print(f"list and detail agree on the first {consistent['checked']} invoices")


def print_scales(scales: dict[str, dict[str, Any]]) -> None:
    for kind, by_scale in scales.items():
        print(f"\n== scale check, {kind} ==")
        # p50 x: the p50 against the first scale's (growth); x list: against the
        # unfiltered list's p50 at the same scale (issue 18: filtered lists within 2x).
        head = (
            f"{'scenario':<20}{'invoices':>10}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
            f"{'cpu ms':>8}{'db ms':>7}{'x floor':>8}{'x cpu':>7}{'others':>7}{'p50 x':>7}"
            f"{'x list':>7}"
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
                listed = rows.get("list", {}).get("p50_ms")
                x_list = row["p50_ms"] / listed if listed and name.startswith("list-") else None
                print(
                    f"{name:<20}{int(scale):>10,}{_cell(row['rps'], 9)}{_cell(row['p50_ms'], 8)}"
                    f"{_cell(row['p99_ms'], 8)}{_cell(cpu, 8, 2)}{_cell(db, 7, 2)}"
                    f"{_cell(row['rps'] / floor['rps'], 8, 2)}{_cell(x_cpu, 7, 2)}"
                    f"{_cell(row['other_cpu_pct'], 6, 0)}%{_cell(row['p50_ms'] / first, 7, 2)}"
                    f"{_cell(x_list, 7, 2)}"
                    + (f"  {row['non_2xx']} non-2xx: see the gunicorn log" if row["errors"] else "")
                )
        for scale, rows in by_scale.items():
            explained = {n: r["explain"] for n, r in rows.items() if r.get("explain")}
            if explained:
                print(f"\nEXPLAIN ANALYZE of each scenario's slowest query, {int(scale):,}:")
                for name, plan in explained.items():
                    print(f"  {name:<20} {plan['summary']}")


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


def new_report(args: argparse.Namespace, started: dt.datetime) -> dict[str, Any]:
    """The run's JSON before anything is measured: what runs, where, on which code."""
    return {
        "started_at": started.isoformat(),
        "args": {
            k: v
            for k, v in vars(args).items()
            if k not in ("database_url", "redis_url", "cache_url")
        },
        "cache": "redis (shared)" if args.cache_url else "per process (no Redis)",
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "code": code_version(),
        "server": "gunicorn deploy/gunicorn.conf.py, 2 sync workers, production settings",
        "load": f"wrk -t{args.threads}, connections per scenario as listed",
        "results": [],
        "scales": {},
    }


def finish_report(report: dict[str, Any], result_file: Path, out_dir: Path) -> None:
    """Write the run's JSON, then print the tables."""
    report["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
    measured = {n for r in report["results"] for n in r["scenarios"]}
    measured |= {n for by_scale in report["scales"].values() for r in by_scale.values() for n in r}
    missing = [n for n in ("aging", "summary") if n not in measured]
    report["not_measured"] = missing
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
