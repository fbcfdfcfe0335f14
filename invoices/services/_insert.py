"""An issued invoice written in one statement (`invoice_create_issued`, recurring runs).

The SQL is built once per column list from the models' own fields; every value goes
through its field's `get_db_prep_save`, as the ORM's INSERT would send it. PostgreSQL
takes the invoice, its lines, the report rollups and the caller's writes as one
statement (data-modifying CTEs that read the new id from the invoice's RETURNING);
elsewhere (SQLite) they run one after the other with the id the first one answered.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

from common import counts
from invoices.models import Invoice, InvoiceAllowanceCharge, InvoiceItem
from invoices.services._rollups import RollupDelta
from invoices.services.drafts import store_allowances_charges_json

Statement = tuple[str, list[Any]]


@functools.cache
def _columns(model: type[models.Model], skip: tuple[str, ...]) -> tuple[models.Field, ...]:
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.attname not in skip
    )


def _values(instance: models.Model, fields: Sequence[models.Field]) -> list[Any]:
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


def _insert_sql(model: type[models.Model], fields: Sequence[models.Field], lead: str = "") -> str:
    quote = connection.ops.quote_name
    names = ", ".join(([lead] if lead else []) + [quote(field.column) for field in fields])
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES "  # noqa: S608


def _lines_statement(rows: Sequence[InvoiceItem], invoice_id: str) -> Statement:
    """The lines in one INSERT, `invoice_id` being the SQL of their invoice's id."""
    fields = _columns(InvoiceItem, ("invoice_id",))
    row = "(" + ", ".join([invoice_id, *(["%s"] * len(fields))]) + ")"
    sql = _insert_sql(InvoiceItem, fields, lead=connection.ops.quote_name("invoice_id"))
    return sql + ", ".join([row] * len(rows)), [v for line in rows for v in _values(line, fields)]


def insert_issued(
    invoice: Invoice,
    items: Sequence[InvoiceItem],
    allowances_charges: Sequence[InvoiceAllowanceCharge],
    rollup: RollupDelta,
    writes: Callable[[str], list[Statement]] | None,
) -> None:
    fields = _columns(Invoice, ())
    head = _insert_sql(Invoice, fields) + "(" + ", ".join(["%s"] * len(fields)) + ") RETURNING "
    head += connection.ops.quote_name("id")
    head_params = _values(invoice, fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            new_id = "(SELECT id FROM new_invoice)"
            parts = [(items and _lines_statement(items, new_id)) or None]
            parts += (writes or (lambda _: []))(new_id) + rollup.statements()
            parts = [part for part in parts if part]
            sql = f"WITH new_invoice AS ({head})"
            params = list(head_params)
            for index, (part_sql, part_params) in enumerate(parts):
                sql += f", w{index} AS ({part_sql})"
                params += part_params
            # Names and placeholders only: every value is a bound parameter.
            cursor.execute(f"{sql} SELECT id FROM new_invoice", params)  # noqa: S608
            invoice.pk = cursor.fetchone()[0]
        else:
            cursor.execute(head, head_params)
            invoice.pk = cursor.fetchone()[0]
            new_id = str(int(invoice.pk))  # an integer the database answered
            if items:
                cursor.execute(*_lines_statement(items, new_id))
            for statement in (writes or (lambda _: []))(new_id) + rollup.statements():
                cursor.execute(*statement)
    invoice._state.adding = False
    invoice._state.db = connection.alias
    invoice._remember(dict(invoice.__dict__))  # the row as written: frozen from now on
    for line in items:
        line.invoice = invoice
    if allowances_charges:  # rare in a template: written as a draft's are
        for row in allowances_charges:
            row.invoice = invoice
        rows = InvoiceAllowanceCharge.objects.bulk_create(allowances_charges)
        store_allowances_charges_json(invoice, rows)
        invoice._remember({"allowances_charges_json": invoice.allowances_charges_json})
    counts.tables_changed()  # as the ORM's post_save would: list counts and ETags go
