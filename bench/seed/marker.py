"""The marker table: which data set a benchmark database holds (written last by a seed)."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

MARKER_TABLE = "bench_seed_marker"


def read_marker() -> dict[str, Any] | None:
    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {MARKER_TABLE} WHERE name = %s", ["seed"])
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def write_marker(data: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (name varchar(50) PRIMARY KEY, value text)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE} WHERE name = %s", ["seed"])
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (name, value) VALUES (%s, %s)",
            ["seed", json.dumps(data)],
        )
