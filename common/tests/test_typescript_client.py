"""A TypeScript client generated from the schema compiles with `tsc --strict` and works.

openapi-typescript (default options) writes the types from the live schema, the example
client (clients/typescript/src/client.ts: log in, create a customer and a draft with two
items, patch it, issue it, record a payment, read the aging report) is compiled against
them and then run with node against a live server. The npm tools come from the
project's lock (`make client-install`). Skipped only when node or npm is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from common.tests.factories import CompanySettingsFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "typescript"

pytestmark = [
    pytest.mark.skipif(
        not (shutil.which("node") and shutil.which("npm")),
        reason="node and npm are needed (CI has Node.js 20)",
    ),
    # What it proves is the schema and the generated types: run once (SQLite pass).
    pytest.mark.db_independent,
]


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _compile_client(build: Path) -> Path:
    """The client built in a directory of its own (several test runs may share the tree);
    one test does it all, so two xdist workers never run `npm ci` at once."""
    _run("make", "-s", "client-install", cwd=ROOT)
    shutil.copytree(CLIENT / "src", build / "src", ignore=shutil.ignore_patterns("schema.d.ts"))
    for name in ("package.json", "tsconfig.json"):
        shutil.copy(CLIENT / name, build / name)
    (build / "node_modules").symlink_to(CLIENT / "node_modules")
    call_command("spectacular", "--file", str(build / "schema.yaml"))
    bin_dir = CLIENT / "node_modules" / ".bin"
    _run(str(bin_dir / "openapi-typescript"), "schema.yaml", "-o", "src/schema.d.ts", cwd=build)
    _run(str(bin_dir / "tsc"), "--strict", "-p", ".", cwd=build)
    return build / "dist" / "client.js"


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_compiles_strictly_and_runs(tmp_path, live_server):
    compiled_client = _compile_client(tmp_path)
    assert compiled_client.exists()
    CompanySettingsFactory()
    UserFactory(username="ts-client", role=Role.STAFF, password="ts-client-pass-123")

    out = _run(
        "node",
        str(compiled_client),
        cwd=compiled_client.parent,
        env={
            "BILLING_API": live_server.url,
            "BILLING_USER": "ts-client",
            "BILLING_PASSWORD": "ts-client-pass-123",
        },
    )

    # 10 x 95.00 + 120.50 = 1,070.50 net; 19 % = 203.40; 1,273.90 gross; 500.00 paid.
    result = json.loads(out.strip().splitlines()[-1])
    assert result["number"] == f"INV-{timezone.localdate().year}-00001"
    assert result["gross_total"] == "1273.90"
    assert result["paid"] == "500.00"
    assert result["buyer"] == "ACME SARL"
    assert result["aging_total_due"] == "773.90"
    assert result["aging_buckets"] == ["current", "1_30", "31_60", "61_90", "over_90"]
