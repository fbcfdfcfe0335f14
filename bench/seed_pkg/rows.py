"""Rows written straight to the tables: COPY on PostgreSQL, executemany on SQLite.

The model layer would take minutes per 100k invoices; these write dict rows keyed by
attname, with Django's own defaults for the columns a row leaves out.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _pg_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        text = json.dumps(value, separators=(",", ":"))
    elif isinstance(value, dt.date):  # datetimes too (aware: isoformat keeps the offset)
        text = value.isoformat()
    else:
        text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.translate(_COPY_ESCAPES)
    return text


def _sqlite_value(value: Any) -> Any:
    """One value as Django's SQLite backend stores it."""
    if value is None or isinstance(value, int | float | str):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return str(value.astimezone(dt.UTC).replace(tzinfo=None))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


class TableWriter:
    """Writes dict rows (keyed by attname) of one model; missing fields take defaults."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        # Django's own defaults: "" for text columns that are not nullable, else None.
        self.defaults = {field.attname: field.get_default() for field in self.fields}
        self.rows: list[list[Any]] = []
        self.written = 0

    def add(self, row: dict[str, Any]) -> None:
        merged = {**self.defaults, **row}
        self.rows.append([merged[name] for name in self.attnames])

    def flush(self) -> None:
        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        if is_postgres():
            buffer = io.StringIO()
            for row in self.rows:
                buffer.write("\t".join(_pg_text(v) for v in row))
                buffer.write("\n")
            sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())
        else:
            marks = ", ".join("?" for _ in self.columns)
            values = [[_sqlite_value(v) for v in row] for row in self.rows]
            connection.ensure_connection()
            connection.connection.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", values
            )
        self.written += len(self.rows)
        self.rows = []


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("id"))["top"] or 0) + 1


def reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
