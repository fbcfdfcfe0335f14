"""Keep the report rollups (`ReportRollup`) in step with the documents a write changes.

A write notes each changed document before (`remove`) and after (`add`) the change;
`flush` then sends the differences as one upsert (`INSERT ... ON CONFLICT DO UPDATE SET
x = x + excluded.x`), inside the writing transaction: one extra statement per write,
and a rollback takes the rollups back with the documents. Adding under the row's own
lock (the upsert's) keeps concurrent writes of one key exact, like the customers'
statistics (customers.services.customer_statistics_add).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from invoices.models import Invoice, ReportRollup
from invoices.rollups import KEY_FIELDS, SUM_FIELDS, Key, rollup_contribution

ZERO = Decimal("0")


class RollupDelta:
    """Differences of the rollup rows, by key, until `flush` writes them."""

    def __init__(self) -> None:
        self._rows: dict[Key, list[object]] = {}

    def _move(self, invoice: Invoice, sign: int) -> None:
        contribution = rollup_contribution(invoice)
        if contribution is None:
            return
        key, figures = contribution
        row = self._rows.setdefault(key, [0, *(ZERO for _ in SUM_FIELDS)])
        row[0] += sign
        for index, value in enumerate(figures, 1):
            row[index] += value if sign > 0 else -value

    def remove(self, invoice: Invoice) -> None:
        """`invoice` as it is now leaves the rollups (call before changing it)."""
        self._move(invoice, -1)

    def add(self, invoice: Invoice) -> None:
        """`invoice` as it is now enters the rollups (call after changing it)."""
        self._move(invoice, +1)

    def flush(self) -> None:
        """One upsert of every non-zero difference; nothing when nothing moved."""
        # In key order: two writes that meet on rows lock them in the same order.
        rows = [(*key, *row) for key, row in sorted(self._rows.items()) if any(row)]
        self._rows = {}
        if not rows:
            return
        quote = connection.ops.quote_name
        table = quote(ReportRollup._meta.db_table)
        keys = ", ".join(quote(name) for name in KEY_FIELDS)
        sums = ("count", *SUM_FIELDS)
        columns = ", ".join([keys, *(quote(name) for name in sums)])
        placeholders = "(" + ", ".join(["%s"] * (len(KEY_FIELDS) + len(sums))) + ")"
        updates = ", ".join(
            f"{quote(name)} = {table}.{quote(name)} + EXCLUDED.{quote(name)}" for name in sums
        )
        # Names are the model's own; every value is a bound parameter.
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
            + ", ".join([placeholders] * len(rows))
            + f" ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for row in rows for value in row])
