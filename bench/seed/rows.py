"""Rows written straight to the tables: COPY on PostgreSQL, executemany on SQLite.

The model layer would take minutes per 100k invoices; these write dict rows keyed by
attname, with Django's own defaults for the columns a row leaves out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# Values written as they are (SQLite), without a look at their type.
_PLAIN = frozenset({int, float, str})


def _sqlite_datetime(value: dt.datetime) -> str:
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


# By exact type: one dict lookup per value (the rows hold millions). Other types: str().
_SQLITE = {bool: int, Decimal: str, dt.datetime: _sqlite_datetime, dt.date: dt.date.isoformat}


class _JsonTexts:
    """JSON values as text, each object encoded once per batch: the seller's snapshot, a
    customer's buyer snapshot and a pattern's tax breakdown are shared by many rows (the
    rows hold them for the whole batch, so an object's id names it while it lasts)."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.texts: dict[int, tuple[Any, str]] = {}

    def __call__(self, value: Any) -> str:
        found = self.texts.get(id(value))
        if found is None:
            # The value is kept beside its text: a row may drop it (replaced by the
            # text), and another object must not take its id while the batch lasts.
            found = self.texts[id(value)] = (value, json.dumps(value, **self.options))
        return found[1]


def _pg_copy(copy: Any, rows: list[list[Any]], json_columns: list[int]) -> None:
    """The rows through psycopg's COPY row writer (its C dumpers: dates, decimals, text
    escapes), the JSON columns encoded first (once per shared object)."""
    as_json = _JsonTexts(separators=(",", ":"))
    for row in rows:
        for index in json_columns:
            value = row[index]
            if value is not None:
                row[index] = as_json(value)
        copy.write_row(row)


def _sqlite_rows(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows as Django's SQLite backend stores them."""
    as_json = _JsonTexts()
    converted = []
    for row in rows:
        values = []
        for value in row:
            kind = type(value)
            if value is None or kind in _PLAIN:
                values.append(value)
            elif kind is dict or kind is list:
                values.append(as_json(value))
            else:
                values.append(_SQLITE.get(kind, str)(value))
        converted.append(values)
    return converted


class TableWriter:
    """Writes dict rows (keyed by attname) of one model; missing fields take defaults."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        self.json_columns = [
            i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)
        ]
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
            sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                _pg_copy(copy, self.rows, self.json_columns)
        else:
            marks = ", ".join("?" for _ in self.columns)
            values = _sqlite_rows(self.rows)
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
