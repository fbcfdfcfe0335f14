"""The numbering check after a run (SQL): gap-free, unique, the counters where they belong."""

from __future__ import annotations

from typing import Any

from django.db import connection

from invoices.models import Invoice, NumberSequence


def verify() -> dict[str, Any]:
    """Every (series, year): numbers 1..N exactly once, the counter at N and at the
    latest issue date (NumberSequence.last_issue_date), numbers unique."""
    quote = connection.ops.quote_name
    invoice_table = quote(Invoice._meta.db_table)
    sequence_table = quote(NumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT i.series, i.number_year, COUNT(*), COUNT(DISTINCT i.sequence),
                   MIN(i.sequence), MAX(i.sequence), COUNT(DISTINCT i.number),
                   MAX(s.last_value), MAX(i.issue_date), MAX(s.last_issue_date)
            FROM {invoice_table} i
            LEFT JOIN {sequence_table} s ON s.series = i.series AND s.year = i.number_year
            WHERE i.number IS NOT NULL
            GROUP BY i.series, i.number_year
            ORDER BY i.series, i.number_year
            """
        )
        groups = []
        for row in cursor.fetchall():
            series, year, count, distinct, low, high, numbers, counter, latest, dated = row
            groups.append(
                {
                    "series": series,
                    "year": year,
                    "numbers": count,
                    "max_sequence": high,
                    "counter": counter,
                    "gap_free": count == distinct == high and low == 1 and counter == high,
                    "unique": numbers == count == distinct,
                    "counter_date_ok": str(latest) == str(dated),
                }
            )
        cursor.execute(f"SELECT COUNT(number), COUNT(DISTINCT number) FROM {invoice_table}")
        total, distinct_total = cursor.fetchone()
        cursor.execute(
            f"SELECT COUNT(*) FROM {invoice_table} WHERE status <> 'draft' AND number IS NULL"
        )
        unnumbered = cursor.fetchone()[0]
    ok = (
        all(g["gap_free"] and g["unique"] and g["counter_date_ok"] for g in groups)
        and total == distinct_total
    )
    return {
        "ok": ok and unnumbered == 0,
        "numbers": total,
        "issued_without_number": unnumbered,
        "groups": groups,
    }
