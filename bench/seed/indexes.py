"""Indexes and constraints set aside while a bulk load fills their tables (PostgreSQL).

Every row COPYed into a table with its indexes in place pays one insertion per index
(the invoices have 20, among them a trigram GIN and a unique index over random tokens)
and one deferred trigger per foreign key, fired at each batch's commit. Built once
after the load, an index is one sorted pass and a foreign key one join. The tables'
primary keys and CHECK constraints stay: the rows come in id order, and a CHECK costs
nothing per row. The definitions are read from the catalogue and put back verbatim,
so the schema after the load is the one the migrations made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, models, transaction

# Sorting for an index build: the invoices' widest covering index sorts 1M rows.
MAINTENANCE_WORK_MEM = "512MB"


@dataclass(frozen=True)
class SetAside:
    """What was dropped, as the statements that put it back (indexes before keys)."""

    indexes: list[str]  # CREATE [UNIQUE] INDEX ...
    constraints: list[str]  # ALTER TABLE ... ADD CONSTRAINT ... (unique, foreign key)


_CONSTRAINTS = """
    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype
    FROM pg_constraint
    WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f')
    ORDER BY contype DESC, conrelid::regclass::text, conname
"""
# Indexes of their own (a unique or primary constraint's index goes with its constraint).
_INDEXES = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c
        WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
          AND c.contype IN ('p', 'u', 'x')
    )
    ORDER BY 1
"""


def _no_pending_checks(cursor) -> None:
    # A foreign key is dropped or added under a lock of the table it references, refused
    # while that table has deferred checks pending in this transaction (tests seed in one).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def set_aside(models_: Sequence[type[models.Model]]) -> SetAside:
    """Drops the secondary indexes, unique constraints and foreign keys of `models_`'
    tables (PostgreSQL; elsewhere nothing), answering how to put them back. Until
    `put_back`, the data set is incomplete: the seed's marker is written after it."""
    if connection.vendor != "postgresql":
        return SetAside([], [])
    tables = [model._meta.db_table for model in models_]
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        _no_pending_checks(cursor)
        cursor.execute(_CONSTRAINTS, [list(tables)])
        constraints = cursor.fetchall()
        cursor.execute(_INDEXES, [list(tables)])
        indexes = cursor.fetchall()
        # Foreign keys first: none of them may still need a dropped unique index.
        for table, name, _, _ in sorted(constraints, key=lambda c: c[3] != "f"):
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    return SetAside(
        indexes=[definition for _, definition in indexes],
        constraints=[
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
            # Unique constraints (their index) first, then the foreign keys.
            for table, name, definition, kind in sorted(constraints, key=lambda c: c[3] == "f")
        ],
    )


def put_back(aside: SetAside) -> None:
    """The indexes and constraints `set_aside` dropped, built from the rows."""
    if not aside.indexes and not aside.constraints:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        _no_pending_checks(cursor)
        for statement in (*aside.indexes, *aside.constraints):
            cursor.execute(statement)
