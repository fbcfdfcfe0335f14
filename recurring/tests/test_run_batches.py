"""The run's lean path: batches read their templates once, a draft is issued without
being read again, and an edit between the batch's read and the lock still wins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices.errors import InvoiceNotEditable
from invoices.models import Invoice
from invoices.tests.factories import allowance, line
from recurring import services
from recurring.models import RecurringInvoice
from recurring.selectors import recurring_templates, template_rows
from recurring.tests.factories import make_schedule

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 3, 31)
# Per issued period: the transaction (a savepoint here, BEGIN/COMMIT in a run), lock the
# schedule with its customer, claim the period (with the series' latest date), the
# customer's statistics, the number, then the invoice, its lines, the period's invoice,
# the schedule and the reports (one statement on PostgreSQL, five on SQLite). No draft
# is written first; reading the invoice or the template again would be a regression.
QUERIES_PER_PERIOD = {"postgresql": 7, "sqlite": 11}


def _queries(capture: CaptureQueriesContext, table: str) -> int:
    return sum(1 for query in capture.captured_queries if f'FROM "{table}"' in query["sql"])


def test_a_batch_reads_templates_once_and_never_rereads_its_drafts(company, staff_user):
    schedules = [make_schedule(owner=staff_user, start_date=DAY) for _ in range(4)]

    with CaptureQueriesContext(connection) as capture:
        results = services.recurring_batch_bill([s.pk for s in schedules], run_date=DAY)

    assert [result.outcome for _, result in results] == ["invoiced"] * 4
    assert _queries(capture, "recurring_recurringitem") == 1
    assert _queries(capture, "invoices_invoiceitem") == 0
    assert _queries(capture, "invoices_invoice") == 0  # written, locked by nobody else
    # the batch: the company, the schedules, their items, allowances/charges and owners
    per_period = QUERIES_PER_PERIOD[connection.vendor]
    assert len(capture.captured_queries) <= 5 + 4 * per_period, [
        q["sql"][:80] for q in capture.captured_queries
    ]
    invoice = Invoice.objects.get(pk=results[0][1].invoice_id)
    assert (invoice.status, invoice.number, str(invoice.gross_total)) == (
        "issued",
        "INV-2025-00001",
        "119.0000",
    )
    assert invoice.version == 1  # written once, issued: never a draft before


def test_an_edit_after_the_batch_read_bills_the_edited_lines(company, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=DAY)
    read = recurring_templates([schedule.pk]).get()
    stale = services.Template(read.updated_at, *template_rows(read))
    services.recurring_invoice_update(
        schedule=RecurringInvoice.objects.get(pk=schedule.pk),
        items=[line("Edited", unit_price="200")],
    )

    result = services.recurring_period_bill(schedule_id=schedule.pk, run_date=DAY, template=stale)

    items = list(
        Invoice.objects.get(pk=result.invoice_id).items.values_list("description", "unit_price")
    )
    assert items == [("Edited", Decimal("200.0000"))]


def test_an_unchanged_schedule_bills_the_batch_read(company, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=DAY)
    read = recurring_templates([schedule.pk]).get()
    template = services.Template(
        read.updated_at, [{**template_rows(read)[0][0], "description": "As read"}], []
    )

    result = services.recurring_period_bill(
        schedule_id=schedule.pk, run_date=DAY, template=template
    )

    assert Invoice.objects.get(pk=result.invoice_id).items.get().description == "As read"


def test_a_period_with_an_allowance_is_issued_with_it(company, staff_user):
    """The template's document allowance comes with the issued invoice: its row, the
    read copy the list answers, the totals; the invoice is frozen as issued."""
    schedule = make_schedule(
        owner=staff_user,
        start_date=DAY,
        items=[line("Retainer", unit_price="100.00")],
        allowances_charges=[allowance("10.00")],
    )

    result = services.recurring_period_bill(schedule_id=schedule.pk, run_date=DAY)

    invoice = Invoice.objects.get(pk=result.invoice_id)
    assert (invoice.status, str(invoice.net_total), str(invoice.gross_total)) == (
        "issued",
        "90.0000",
        "107.1000",
    )
    assert [(row.amount, row.is_charge) for row in invoice.allowances_charges.all()] == [
        (Decimal("10.0000"), False)
    ]
    assert [row["amount"] for row in invoice.allowances_charges_json] == ["10.00"]
    assert invoice.items.get().net_amount == Decimal("100.0000")
    invoice.notes = "rewritten"
    with pytest.raises(InvoiceNotEditable):
        invoice.save()
