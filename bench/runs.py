"""One database's run: seed, prepare, serve, measure every scenario, probe, check."""

from __future__ import annotations

import argparse
import json
import secrets
from pathlib import Path
from typing import Any

from bench.cpu import wait_until_quiet
from bench.databases import Target, ensure_seeded
from bench.load import WrkRun, measure
from bench.scale_scenarios import SCALE_SCENARIOS, all_scenarios, scale_customers
from bench.servers import Server, server_env
from bench.shared import django_command, log


def run_database(
    target: Target, args: argparse.Namespace, out_dir: Path, work: Path, wrk: str
) -> dict:
    secret_key = secrets.token_urlsafe(50)
    env = server_env(target, secret_key, settings=args.settings, redis_url=args.cache_url)
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
        for s in all_scenarios(fixtures)
        if target.kind in s.only and (not args.scenarios or s.name in args.scenarios)
    ]
    if args.scenarios and "floor-values" not in args.scenarios:
        scenarios.insert(0, next(s for s in all_scenarios(fixtures) if s.name == "floor-values"))
    results: dict[str, Any] = {}
    if args.wait_quiet:
        wait_until_quiet(args.wait_quiet)
    log(f"{target.key}: gunicorn, {len(scenarios)} scenarios x {args.duration:g} s")
    with Server(env, out_dir / f"gunicorn-{target.key}.log") as server:
        tokens = {
            "reader": server.login(fixtures["reader"], password),
            "writer": server.login(fixtures["writer"], password),
            "admin": server.login(fixtures["admin_reader"], password),
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
                "revalidate": s.revalidate,
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
    recurring = None
    if target.kind == "postgres" and (not args.scenarios or "recurring-run" in args.scenarios):
        # Issue 15: 10,000 due schedules billed by one command run, beside the issue rate.
        log(f"{target.key}: recurring-run ({args.recurring_schedules} schedules, one command)")
        recurring = django_command(env, "recurring", "--schedules", str(args.recurring_schedules))
        issue_rps = results.get("issue", {}).get("rps")
        log(
            f"{target.key}: recurring-run {recurring['invoices_per_s']} invoices/s "
            f"({recurring['invoices']} in {recurring['seconds']} s); issue scenario "
            f"{issue_rps} req/s"
        )
    numbering = django_command(env, "seed", "verify")
    log(f"{target.key}: numbers unique and gap-free: {numbering['ok']}")
    return {
        "database": target.kind,
        "scale": target.scale,
        "seed": {k: marker[k] for k in ("invoices", "customers", "statuses", "seeded_at")},
        "scenarios": results,
        "numbering": numbering,
        "recurring_run": recurring,
        "list_matches_detail": consistent,
    }


def run_scale(
    target: Target, args: argparse.Namespace, out_dir: Path, work: Path, wrk: str
) -> dict:
    env = server_env(
        target, secrets.token_urlsafe(50), settings=args.settings, redis_url=args.cache_url
    )
    # Customers grow with the invoices (10 each, at least --customers): the customer
    # list is measured at 100,000 customers beside 1,000,000 invoices.
    customers = scale_customers(target.scale, args.customers)
    ensure_seeded(target, env, customers)
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
    scenarios = [
        s
        for s in all_scenarios(fixtures)
        if s.name in SCALE_SCENARIOS and (not args.scenarios or s.name in args.scenarios)
    ]
    if "floor-values" not in {s.name for s in scenarios}:
        scenarios.insert(0, next(s for s in all_scenarios(fixtures) if s.name == "floor-values"))
    results = {}
    if args.wait_quiet:
        wait_until_quiet(args.wait_quiet)
    with Server(env, out_dir / f"gunicorn-{target.key}.log") as server:
        tokens = {
            "reader": server.login(fixtures["reader"], password),
            "admin": server.login(fixtures["admin_reader"], password),
        }
        runner = WrkRun(wrk, server, tokens, args.threads, work)
        for scenario in scenarios:
            results[scenario.name] = measure(runner, scenario, args, target.key)
    if target.kind == "postgres":
        # The plans of each scenario's slowest query (issue 18: the filtered lists' indexes).
        plan_file = work / f"explain-{target.key}.json"
        plan_file.write_text(
            json.dumps(
                [
                    {
                        "name": s.name,
                        "path": s.path,
                        "token": runner.token(s),
                        "cookie": s.headers.get("Cookie", ""),
                    }
                    for s in scenarios
                    if not s.name.startswith("floor")
                ]
            )
        )
        plans = django_command(
            {**env, "DATABASE_SERVER_SIDE_BINDING": "false"}, "explain", str(plan_file)
        )
        plan_file.unlink()
        for name, plan in plans.items():
            results[name]["explain"] = plan
            log(f"{target.key} {name}: {plan['summary']}")
    return results
