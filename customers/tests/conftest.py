"""Customer test helpers: issued invoices written straight to the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

import pytest

_sequence = count(1)


@pytest.fixture
def issued_invoice():
    """Build an issued invoice row without the invoice services, then recompute the
    customer's statistics explicitly (as `recompute_customer_statistics` would)."""
    from customers.services import customer_statistics_recompute
    from invoices.models import Invoice, InvoiceStatus

    def build(customer, *, gross: str, paid: str = "0", issue_date: dt.date | None = None):
        seq = next(_sequence)
        gross_total, paid_total = Decimal(gross), Decimal(paid)
        invoice = Invoice.objects.create(
            owner=customer.owner,
            customer=customer,
            status=InvoiceStatus.PARTIALLY_PAID if paid_total else InvoiceStatus.ISSUED,
            series="TST",
            number=f"TST-2026-{seq:05d}",
            number_year=2026,
            sequence=seq,
            issue_date=issue_date or dt.date(2026, 3, 1),
            due_date=(issue_date or dt.date(2026, 3, 1)) + dt.timedelta(days=30),
            currency=customer.currency,
            net_total=gross_total,
            gross_total=gross_total,
            paid_total=paid_total,
            amount_due=gross_total - paid_total,
        )
        customer_statistics_recompute(customer_ids=[customer.pk])
        return invoice

    return build
