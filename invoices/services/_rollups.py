"""Keep the report rollups (`ReportRollup`) in step with the documents a write changes.

A write notes each changed document before (`remove`) and after (`add`) the change;
`flush` then sends the differences as one upsert (`INSERT ... ON CONFLICT DO UPDATE SET
x = x + excluded.x`), inside the writing transaction: one extra statement per write,
and a rollback takes the rollups back with the documents. A payment recorded or removed
(`payment`) moves its `PaymentRollup` row in the same statement on PostgreSQL (the
report upsert in a `WITH`), in a second one elsewhere. Adding under the row's own
lock (the upsert's) keeps concurrent writes of one key exact, like the customers'
statistics (customers.services.customer_statistics_add).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from invoices.models import Invoice, Payment, PaymentRollup, ReportRollup
from invoices.rollups import KEY_FIELDS, SUM_FIELDS, Key, rollup_contribution

ZERO = Decimal("0")


class RollupDelta:
    """Differences of the rollup rows, by key, until `flush` writes them."""

    def __init__(self) -> None:
        self._rows: dict[Key, list[object]] = {}
        self._payments: dict[Key, list[object]] = {}

    def payment(self, payment: Payment, invoice: Invoice, sign: int) -> None:
        """`payment` on `invoice` enters (+1) or leaves (-1) the payment rollups."""
        key = (invoice.owner_id, payment.date, str(invoice.currency), str(invoice.kind))
        row = self._payments.setdefault(key, [0, ZERO])
        row[0] += sign
        row[1] += payment.amount if sign > 0 else -payment.amount

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
        with connection.cursor() as cursor:
            for sql, params in self.statements():
                cursor.execute(sql, params)

    def statements(self) -> list[tuple[str, list[object]]]:
        """What `flush` runs (and forgets), for a caller that sends it with other writes."""
        # In key order: two writes that meet on rows lock them in the same order.
        rows = [(*key, *row) for key, row in sorted(self._rows.items()) if any(row)]
        payments = [(*key, *row) for key, row in sorted(self._payments.items()) if any(row)]
        self._rows, self._payments = {}, {}
        statements = []
        if rows:
            statements.append(
                _upsert(ReportRollup._meta.db_table, KEY_FIELDS, ("count", *SUM_FIELDS), rows)
            )
        if payments:
            statements.append(
                _upsert(PaymentRollup._meta.db_table, PAYMENT_KEYS, ("count", "amount"), payments)
            )
        if len(statements) == 2 and connection.vendor == "postgresql":
            (report, report_params), (paid, paid_params) = statements
            statements = [(f"WITH report AS ({report}) {paid}", [*report_params, *paid_params])]
        return statements


PAYMENT_KEYS = ("owner_id", "date", "currency", "kind")


def _upsert(
    table_name: str, keys: tuple[str, ...], sums: tuple[str, ...], rows: list[tuple[object, ...]]
) -> tuple[str, list[object]]:
    quote = connection.ops.quote_name
    table = quote(table_name)
    key_list = ", ".join(quote(name) for name in keys)
    columns = ", ".join([key_list, *(quote(name) for name in sums)])
    placeholders = "(" + ", ".join(["%s"] * (len(keys) + len(sums))) + ")"
    updates = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + EXCLUDED.{quote(name)}" for name in sums
    )
    # Names are the models' own; every value is a bound parameter.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
        + ", ".join([placeholders] * len(rows))
        + f" ON CONFLICT ({key_list}) DO UPDATE SET {updates}"
    )
    return sql, [value for row in rows for value in row]
