"""Row locks under real concurrency (PostgreSQL only: SQLite serialises every writer)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from common.exceptions import BusinessException
from common.tests.factories import CustomerFactory
from customers.models import Customer
from customers.services import customer_statistics_recompute
from invoices import services
from invoices.models import Invoice, Payment
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = [
    pytest.mark.postgres(reason="row locking needs PostgreSQL; SQLite serialises writers"),
    pytest.mark.django_db(transaction=True),
]


def _run_concurrently(calls: list[Callable[[], object]]) -> list[object]:
    """Start every call at once (a barrier), each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        try:
            barrier.wait()
            return call()
        except BusinessException as exc:
            return exc
        finally:
            close_old_connections()
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_50_threads_issuing_50_drafts_get_numbers_1_to_50(company, staff_user):
    customer = CustomerFactory(owner=staff_user)
    drafts = [make_draft(owner=staff_user, customer=customer) for _ in range(50)]

    results = _run_concurrently([lambda d=d: services.invoice_issue(invoice=d) for d in drafts])

    assert all(isinstance(r, Invoice) for r in results), results
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 51))
    assert Invoice.objects.values("number").distinct().count() == 50


def test_concurrent_payments_never_overpay(company, staff_user):
    invoice = make_issued(owner=staff_user)  # 119.00 due

    results = _run_concurrently(
        [
            lambda: services.payment_record(invoice=invoice, amount=Decimal("50.00"))
            for _ in range(8)
        ]
    )

    accepted = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, BusinessException)]
    assert len(accepted) == 2
    assert {e.code for e in refused} == {"payment_exceeds_amount_due"}
    invoice.refresh_from_db()
    assert invoice.paid_total == Decimal("100.00")
    assert invoice.amount_due == Decimal("19.00")
    assert invoice.status == "partially_paid"


def test_concurrent_edit_and_issue_never_issue_a_half_edited_draft(company, staff_user):
    draft = make_draft(owner=staff_user, items=[line(unit_price="10.00")] * 5)
    new_items = [line(unit_price="20.00")] * 7

    for _ in range(5):
        results = _run_concurrently(
            [
                lambda: services.invoice_update_draft(invoice=draft, items=new_items),
                lambda: services.invoice_issue(invoice=draft),
            ]
        )
        invoice = Invoice.objects.get(pk=draft.pk)
        if invoice.status == "issued":
            break
    lines = list(invoice.items.values_list("unit_price", flat=True))
    # Either the edit happened before the issue (7 lines of 20) or it was refused
    # after it (5 lines of 10): never a mix, and the totals match the lines.
    assert lines in ([Decimal("10.0000")] * 5, [Decimal("20.0000")] * 7)
    expected_net = sum(lines, Decimal("0"))
    assert invoice.net_total == expected_net
    assert invoice.gross_total == (expected_net * Decimal("1.19")).quantize(Decimal("0.01"))
    assert any(isinstance(r, Invoice) and r.status == "issued" for r in results)


def _figures(customer_id: int) -> tuple:
    from customers.models import Customer

    return tuple(
        Customer.all_objects.filter(pk=customer_id)
        .values_list(
            "invoice_count", "total_invoiced", "total_paid", "balance_due", "last_invoice_date"
        )
        .get()
    )


def test_concurrent_issues_and_payments_of_one_customer_all_count(company, staff_user):
    customer = CustomerFactory(owner=staff_user)
    drafts = [make_draft(owner=staff_user, customer=customer) for _ in range(6)]
    open_invoices = [make_issued(owner=staff_user, customer=customer) for _ in range(2)]
    calls = [lambda d=d: services.invoice_issue(invoice=d) for d in drafts]
    calls += [
        lambda i=i: services.payment_record(invoice=i, amount=Decimal("19.00"))
        for i in open_invoices
    ]
    calls.append(lambda: services.invoice_void(invoice=drafts[0], reason="race"))

    results = _run_concurrently(calls)

    assert sum(isinstance(r, Payment) for r in results) == 2
    kept = _figures(customer.id)
    customer_statistics_recompute(customer_ids=[customer.id])
    assert kept == _figures(customer.id)
    issued = Invoice.objects.filter(customer=customer, status__in=["issued", "partially_paid"])
    # 8 issued x 119.00, less a voided one if the void came after its issue (its
    # cancellation credit note cancels it out), less 38.00 paid
    assert (
        kept[0]
        == Invoice.objects.filter(customer=customer, kind="invoice").exclude(status="draft").count()
    )
    assert kept[3] == Decimal("119.00") * issued.count() - Decimal("38.00")


def test_parallel_payments_credit_notes_voids_and_refunds_on_one_customer(company, staff_user):
    from invoices.tests.ledger_driver import assert_accounts_consistent

    # given one customer with six open invoices of 119.00, two of them paid 100.00
    customer = CustomerFactory(owner=staff_user)
    invoices = [make_issued(owner=staff_user, customer=customer) for _ in range(6)]
    for invoice in invoices[:2]:
        services.payment_record(invoice=invoice, amount=Decimal("100.00"))
    full_credits = [services.invoice_credit_note_create(invoice=i) for i in invoices[:3]]

    # when payments, credit notes (after payments too) and voids race on the same accounts
    calls: list[Callable[[], object]] = []
    for invoice in invoices:
        calls += [
            lambda i=invoice: services.payment_record(invoice=i, amount=Decimal("19.00")),
            lambda i=invoice: services.invoice_void(invoice=i, reason="race"),
        ]
    calls += [lambda d=d: services.invoice_issue(invoice=d) for d in full_credits]
    results = _run_concurrently(calls)

    # then no refusal is other than a business rule, and every figure adds up
    assert all(isinstance(r, (Invoice, Payment, BusinessException)) for r in results), results
    assert_accounts_consistent([customer])
    for invoice in invoices:
        invoice.refresh_from_db()
        # never both paid and voided: void refuses payments, payments refuse void
        assert not (invoice.status == "void" and invoice.paid_total > 0)
        assert invoice.credited_total <= invoice.gross_total
    kept = _figures(customer.id)
    customer_statistics_recompute(customer_ids=[customer.id])
    assert kept == _figures(customer.id)

    # and a refund racing itself pays out what is owed back once
    owed = Invoice.objects.filter(customer=customer, kind="credit_note", refund_due__gt=0)
    for note in owed:
        due = note.refund_due
        refunds = _run_concurrently(
            [lambda n=note, d=due: services.payment_record(invoice=n, amount=d)] * 3
        )
        assert sum(isinstance(r, Payment) for r in refunds) == 1
    assert_accounts_consistent([customer])
    assert Customer.objects.get(pk=customer.pk).balance_due == sum(
        (i.amount_due for i in Invoice.objects.filter(customer=customer, kind="invoice")),
        Decimal("0"),
    )
