"""In-process measurements of the benchmark's requests (run by bench/run.py).

For each scenario of the plan: one request through Django's test client inside
`CaptureQueriesContext` (queries per request, status), then the median time of a few
more in-process requests, and optionally a cProfile of the same request repeated.
Configured like the server (DJANGO_SETTINGS_MODULE=bench.settings and the same
environment), so middleware, authentication and settings are the production ones.

    python -m bench.probe PLAN.json   # answers JSON on the last line of stdout
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

TIME_BUDGET_S = 3.0


class Probe:
    def __init__(self, token: str) -> None:
        self.client = Client(HTTP_HOST="127.0.0.1")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        self.revalidate = False

    def request(self, method: str, path: str, body: Any) -> int:
        data = json.dumps(body) if body is not None else None
        kwargs = {"content_type": "application/json"} if data is not None else {}
        response = self.client.generic(method, path, data=data or "", **kwargs, **self.headers)
        if response.streaming:
            b"".join(response.streaming_content)
        if self.revalidate and response.get("ETag"):  # list-304: send the tag back
            self.headers["HTTP_IF_NONE_MATCH"] = response["ETag"]
        return response.status_code


def _profile_text(profile: cProfile.Profile, requests: int) -> str:
    out = io.StringIO()
    out.write(f"{requests} requests\n")
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs()
    out.write("\n== by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(45)
    out.write("\n== by own time ==\n")
    stats.sort_stats("tottime").print_stats(30)
    return out.getvalue()


def _ubl_build_ms(invoice_id: int, runs: int = 20) -> float:
    """Median time to build and validate the invoice's UBL, bypassing the document cache."""
    from documents.services import _render
    from invoices.models import Invoice

    invoice = Invoice.objects.get(pk=invoice_id)
    _render(invoice, "ubl")  # first use: schematron compiled once per process
    timings = []
    for _ in range(runs):
        invoice = Invoice.objects.get(pk=invoice_id)
        before = time.perf_counter()
        _render(invoice, "ubl")
        timings.append((time.perf_counter() - before) * 1000)
    return round(statistics.median(timings), 2)


def run_scenario(probe: Probe, scenario: dict[str, Any], profile_dir: str | None) -> dict:
    paths: list[str] = scenario["probe_paths"]
    method, body = scenario["method"], scenario.get("body")
    cursor = 0

    def next_path() -> str | None:
        nonlocal cursor
        if cursor >= len(paths):
            return None
        path = paths[cursor]
        cursor = cursor + 1 if scenario.get("consumes") else cursor
        return path

    # One request first: per-process first-use costs (caches, compiled stylesheets,
    # fonts) are not what a steady server pays per request.
    probe.request(method, next_path(), body)
    path = next_path()
    with CaptureQueriesContext(connection) as captured:
        status = probe.request(method, path, body)
    result: dict[str, Any] = {
        "queries": len(captured.captured_queries),
        "status": status,
        "sql": [q["sql"][:300] for q in captured.captured_queries],
    }
    timings = []
    started = time.perf_counter()
    while len(timings) < scenario.get("repeat", 20) and time.perf_counter() - started < (
        TIME_BUDGET_S
    ):
        path = next_path()
        if path is None:
            break
        before = time.perf_counter()
        probe.request(method, path, body)
        timings.append((time.perf_counter() - before) * 1000)
    if timings:
        result["inproc_ms"] = round(statistics.median(timings), 2)
        result["inproc_runs"] = len(timings)
    if scenario.get("build_ubl_of"):
        result["build_ms"] = _ubl_build_ms(scenario["build_ubl_of"])
    if profile_dir and scenario.get("profile"):
        profile = cProfile.Profile()
        count = 0
        started = time.perf_counter()
        while count < 50 and time.perf_counter() - started < 10:
            path = next_path()
            if path is None:
                break
            profile.enable()
            probe.request(method, path, body)
            profile.disable()
            count += 1
        if count:
            target = Path(profile_dir) / f"profile-{scenario['database']}-{scenario['name']}.txt"
            target.write_text(_profile_text(profile, count))
            result["profile"] = str(target.relative_to(ROOT))
    return result


def consistency(token: str, count: int = 10) -> dict[str, Any]:
    """The list page's first invoices against their detail answers: the seeded rows must
    read the same through every path of the app (read copies, prefetches)."""
    client = Probe(token).client
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    page = client.get("/api/invoices/?page_size=50", **headers).json()["results"]
    different = []
    for row in page[:count]:
        detail = client.get(f"/api/invoices/{row['id']}/", **headers).json()
        fields = sorted(k for k in row.keys() | detail.keys() if row.get(k) != detail.get(k))
        if fields:
            different.append({"id": row["id"], "fields": fields})
    return {"checked": min(count, len(page)), "different": different}


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    results: dict[str, Any] = {}
    for scenario in plan["scenarios"]:
        probe = Probe(scenario["token"])
        probe.revalidate = bool(scenario.get("revalidate"))
        results[scenario["name"]] = run_scenario(probe, scenario, plan.get("profile_dir"))
    if plan.get("reader_token"):
        results["_consistency"] = consistency(plan["reader_token"])
    sys.stdout.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
