"""`recompute_customer_statistics` rebuilds every customer's figures from their invoices."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.tests.factories import CustomerFactory
from customers.models import Customer
from customers.services import customer_statistics_recompute

pytestmark = pytest.mark.django_db


def _stats(customer: Customer) -> tuple:
    row = Customer.all_objects.get(pk=customer.pk)
    return (
        row.invoice_count,
        row.total_invoiced,
        row.total_paid,
        row.balance_due,
        row.last_invoice_date,
    )


def test_command_rebuilds_statistics_of_every_customer(staff_user, issued_invoice, capsys):
    from invoices.models import Invoice

    with_invoices = CustomerFactory(owner=staff_user)
    issued_invoice(with_invoices, gross="119.00", issue_date=dt.date(2026, 1, 10))
    issued_invoice(with_invoices, gross="50.00", paid="20.00", issue_date=dt.date(2026, 2, 5))
    stale = CustomerFactory(owner=staff_user)
    deleted = CustomerFactory(owner=staff_user)
    deleted.delete()
    # given figures that bulk loads wrote behind the signals' back
    Customer.all_objects.update(
        invoice_count=99,
        total_invoiced=Decimal("1"),
        total_paid=Decimal("2"),
        balance_due=Decimal("3"),
    )
    Invoice.objects.filter(customer=with_invoices, gross_total=Decimal("50.00")).update(
        paid_total=Decimal("50.00"), amount_due=Decimal("0"), status="paid"
    )
    out = io.StringIO()

    call_command("recompute_customer_statistics", "--batch-size", "2", stdout=out)

    assert out.getvalue().strip().endswith("Recomputed statistics of 3 customers.")
    progress = capsys.readouterr().err
    assert "100%" in progress and "3/3" in progress
    assert _stats(with_invoices) == (
        2,
        Decimal("169.00"),
        Decimal("50.00"),
        Decimal("119.00"),
        dt.date(2026, 2, 5),
    )
    assert _stats(stale) == (0, Decimal("0"), Decimal("0"), Decimal("0"), None)
    assert _stats(deleted) == (0, Decimal("0"), Decimal("0"), Decimal("0"), None)


def test_command_is_quiet_with_verbosity_zero(staff_user, capsys):
    CustomerFactory(owner=staff_user)
    out = io.StringIO()

    call_command("recompute_customer_statistics", verbosity=0, stdout=out)

    assert "Recomputed statistics of 1 customers." in out.getvalue()
    assert capsys.readouterr().err == ""


def test_drafts_do_not_count_and_a_void_invoice_cancels_out(company, staff_user):
    from invoices import services
    from invoices.tests.factories import line, make_draft, make_issued

    customer = CustomerFactory(owner=staff_user)
    make_issued(owner=staff_user, customer=customer, items=[line(unit_price="100.00")])
    voided = make_issued(owner=staff_user, customer=customer, items=[line(unit_price="300.00")])
    services.invoice_void(invoice=voided, reason="typo")
    make_draft(owner=staff_user, customer=customer, items=[line(unit_price="999.00")])
    Customer.objects.filter(pk=customer.pk).update(balance_due=0, total_invoiced=0)

    customer_statistics_recompute(customer_ids=[customer.id])

    # 119 + 357 (void) - 357 (its cancellation credit note); the draft is not counted
    assert _stats(customer)[:4] == (2, Decimal("119.00"), Decimal("0"), Decimal("119.00"))


def test_recompute_uses_one_grouped_query_whatever_the_number_of_customers(
    staff_user, issued_invoice
):
    customers = CustomerFactory.create_batch(20, owner=staff_user)
    for customer in customers[:10]:
        issued_invoice(customer, gross="10.00")

    with CaptureQueriesContext(connection) as captured:
        assert customer_statistics_recompute(customer_ids=[c.id for c in customers]) == 20

    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    # one grouped read of invoices, one read of customers, one bulk UPDATE
    assert len(statements) == 3
    assert sum('"invoices_invoice"' in sql for sql in statements) == 1
    assert "GROUP BY" in next(sql for sql in statements if '"invoices_invoice"' in sql)

    assert Customer.objects.filter(balance_due=Decimal("10.00")).count() == 10


def test_recompute_of_nothing_does_nothing(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        assert customer_statistics_recompute(customer_ids=[]) == 0
