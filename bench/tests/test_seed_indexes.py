"""The seed's indexes and constraints, set aside for the load, come back as they were."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.seed.indexes import put_back, set_aside
from invoices.models import Invoice, InvoiceItem, Payment

pytestmark = pytest.mark.django_db

TABLES = [model._meta.db_table for model in (Invoice, InvoiceItem, Payment)]


def _schema() -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid)"
            " FROM pg_index WHERE indrelid = ANY(%s::regclass[])"
            " UNION ALL SELECT 'constraint', conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
            [TABLES, TABLES],
        )
        # A partial index's predicate comes back from the catalogue reworded (the same
        # condition, other casts): compared up to its WHERE.
        return {(kind, name, text.split(" WHERE ")[0]) for kind, name, text in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalogue")
def test_set_aside_drops_secondary_indexes_and_keys_then_puts_back_the_same_schema():
    before = _schema()
    aside = set_aside([Invoice, InvoiceItem, Payment])
    during = _schema()
    # Only the primary keys' indexes and the CHECK constraints stay during the load.
    assert {name for kind, name, _ in during if kind == "index"} == {f"{t}_pkey" for t in TABLES}
    assert all(
        definition.startswith(("CHECK", "PRIMARY KEY"))
        for kind, _, definition in during
        if kind == "constraint"
    )
    assert len(aside.indexes) > 10 and any("FOREIGN KEY" in c for c in aside.constraints)
    put_back(aside)
    assert _schema() == before
    predicates = [text for text in aside.indexes if " WHERE " in text]
    assert any("invoice_open_due" in text for text in predicates)


def test_set_aside_is_nothing_outside_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("the PostgreSQL case above")
    aside = set_aside([Invoice])
    assert aside.indexes == [] and aside.constraints == []
    put_back(aside)  # a no-op
