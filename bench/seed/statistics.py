"""Every customer's statistics after the bulk load, in one statement on PostgreSQL.

`recompute_customer_statistics` (customers.services.customer_statistics_recompute)
writes 500 customers at a time through `bulk_update`, whose CASE per column Django
builds in Python: about 4 s per batch, 100,000 customers in over ten minutes. Here the
same sums (its grouped query, restated: issued documents only, credit notes negative,
refunds are payments on them) are one UPDATE ... FROM over a grouped scan. On SQLite
(small data sets; its decimals are not exact in SQL sums) the command itself runs.
bench/tests/test_seed_matches_services.py compares the result with the services'.
"""

from __future__ import annotations

from django.core.management import call_command
from django.db import connection

from customers.models import Customer
from invoices.models import ISSUED_STATUSES, Invoice, InvoiceKind

# Customers without an issued document get zeros and no date, as the command gives them.
_UPDATE = """
    UPDATE {customers} AS c SET
        invoice_count = COALESCE(s.count, 0),
        total_invoiced = COALESCE(s.invoiced, 0),
        total_paid = COALESCE(s.paid, 0),
        balance_due = COALESCE(s.invoiced - s.paid, 0),
        last_invoice_date = s.last_date
    FROM {customers} AS every
    LEFT JOIN (
        SELECT customer_id,
            COUNT(*) FILTER (WHERE kind = %(invoice)s) AS count,
            COALESCE(SUM(gross_total) FILTER (WHERE kind = %(invoice)s), 0)
                - COALESCE(SUM(gross_total) FILTER (WHERE kind = %(credit)s), 0) AS invoiced,
            COALESCE(SUM(paid_total) FILTER (WHERE kind = %(invoice)s), 0)
                - COALESCE(SUM(paid_total) FILTER (WHERE kind = %(credit)s), 0) AS paid,
            MAX(issue_date) AS last_date
        FROM {invoices}
        WHERE status = ANY(%(issued)s)
        GROUP BY customer_id
    ) AS s ON s.customer_id = every.id
    WHERE c.id = every.id
"""


def recompute_statistics() -> None:
    """Every customer's invoice_count, totals, balance and last invoice date."""
    if connection.vendor != "postgresql":
        call_command("recompute_customer_statistics", verbosity=0)
        return
    quote = connection.ops.quote_name
    sql = _UPDATE.format(
        customers=quote(Customer._meta.db_table), invoices=quote(Invoice._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "invoice": InvoiceKind.INVOICE.value,
                "credit": InvoiceKind.CREDIT_NOTE.value,
                "issued": [str(status) for status in ISSUED_STATUSES],
            },
        )
