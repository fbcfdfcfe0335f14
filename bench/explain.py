"""The plan of each scenario's slowest query, as PostgreSQL runs it (issue 18: which
index a filtered list or a report uses at a million invoices).

Each request once through Django's test client (after one unmeasured request), its
queries captured; each SELECT is run again under `EXPLAIN (ANALYZE, BUFFERS)` and the
slowest one's plan kept. Needs client-side binding (DATABASE_SERVER_SIDE_BINDING=false)
so the captured SQL carries its values.

    python -m bench.explain PLAN.json   # answers JSON on the last line of stdout
"""

from __future__ import annotations

import json
import os
import sys
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


def explain(scenario: dict[str, Any]) -> dict[str, Any]:
    client = Client(HTTP_HOST="127.0.0.1")
    headers = {}
    if scenario["token"]:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {scenario['token']}"
    if scenario["cookie"]:
        headers["HTTP_COOKIE"] = scenario["cookie"]
    client.get(scenario["path"], **headers)
    with CaptureQueriesContext(connection) as captured:
        status = client.get(scenario["path"], **headers).status_code
    queries = [
        q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    if not queries:
        return {"status": status, "summary": f"{status}, no SELECT", "plan": []}
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = [row[0] for row in cursor.fetchall()]
            took = next((line for line in plan if line.startswith("Execution Time")), "")
            ms = float(took.split(":")[1].split()[0]) if took else 0.0
            plans.append((ms, query["sql"], plan))
    ms, sql, plan = max(plans, key=lambda entry: entry[0])
    top = plan[0].split("  (")[0].strip()
    return {
        "status": status,
        "queries": len(captured.captured_queries),
        "sql": sql[:2000],
        "plan": plan,
        "summary": f"{len(captured.captured_queries)} queries; slowest: {top}; {ms:.2f} ms",
    }


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    sys.stdout.write(json.dumps({s["name"]: explain(s) for s in plan}) + "\n")


if __name__ == "__main__":
    main()
