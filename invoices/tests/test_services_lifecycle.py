"""State transitions after issue: payments, void, credit notes; and every refusal's code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from common.tests.factories import CustomerFactory
from customers.models import Customer
from invoices import errors, services
from invoices.models import Invoice, InvoiceStatus, Payment
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(company, staff_user) -> Invoice:
    # 100.00 + 19% = 119.00
    return make_issued(owner=staff_user, issue_date=dt.date(2026, 2, 1))


def test_payments_move_status_issued_partially_paid_paid(invoice, staff_user):
    services.payment_record(invoice=invoice, by=staff_user, amount=Decimal("19.00"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_total, invoice.amount_due) == (
        InvoiceStatus.PARTIALLY_PAID,
        Decimal("19.00"),
        Decimal("100.00"),
    )

    services.payment_record(invoice=invoice, by=staff_user, amount=Decimal("100.00"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_total, invoice.amount_due) == (
        InvoiceStatus.PAID,
        Decimal("119.00"),
        Decimal("0.00"),
    )


def test_overpayment_is_refused_and_nothing_is_written(invoice, staff_user):
    with pytest.raises(errors.PaymentExceedsAmountDue) as refused:
        services.payment_record(invoice=invoice, by=staff_user, amount=Decimal("119.01"))

    assert refused.value.code == "payment_exceeds_amount_due"
    assert refused.value.details == {"amount_due": "119.00"}
    assert Payment.objects.count() == 0
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_payment_on_draft_paid_or_void_is_refused(company, staff_user, invoice):
    draft = make_draft(owner=staff_user)
    with pytest.raises(errors.InvoiceNotPayable):
        services.payment_record(invoice=draft, amount=Decimal("1.00"))

    services.payment_record(invoice=invoice, amount=Decimal("119.00"))
    with pytest.raises(errors.InvoiceNotPayable):
        services.payment_record(invoice=invoice, amount=Decimal("0.01"))

    voided = services.invoice_void(invoice=make_issued(owner=staff_user), reason="Wrong customer")
    with pytest.raises(errors.InvoiceNotPayable):
        services.payment_record(invoice=voided, amount=Decimal("1.00"))


def test_deleting_a_payment_reverts_status(invoice, admin_user):
    payment = services.payment_record(invoice=invoice, amount=Decimal("119.00"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID

    services.payment_delete(payment=payment, by=admin_user)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_total, invoice.amount_due) == (
        InvoiceStatus.ISSUED,
        Decimal("0.00"),
        Decimal("119.00"),
    )


def test_void_keeps_number_and_requires_no_payments(invoice, staff_user):
    voided = services.invoice_void(invoice=invoice, reason="Issued to the wrong customer")

    assert voided.status == InvoiceStatus.VOID
    assert voided.number == "INV-2026-00001"
    assert voided.void_reason == "Issued to the wrong customer"
    with pytest.raises(errors.InvoiceNotVoidable):
        services.invoice_void(invoice=voided, reason="again")

    paid = make_issued(owner=staff_user)
    services.payment_record(invoice=paid, amount=Decimal("10.00"))
    with pytest.raises(errors.InvoiceNotVoidable) as refused:
        services.invoice_void(invoice=paid, reason="late")
    assert refused.value.code == "invoice_not_voidable"


def test_void_of_draft_is_refused(company, staff_user):
    with pytest.raises(errors.InvoiceNotVoidable):
        services.invoice_void(invoice=make_draft(owner=staff_user), reason="x")


def test_credit_note_copies_lines_and_refers_to_invoice(company, staff_user):
    original = make_issued(
        owner=staff_user,
        items=[line("A", "2", "50.00"), line("B", "1", "10.00", tax_rate="7")],
    )

    credit_note = services.invoice_credit_note_create(invoice=original)

    assert credit_note.status == InvoiceStatus.DRAFT
    assert credit_note.kind == "credit_note"
    assert credit_note.credited_invoice_id == original.id
    assert list(credit_note.items.values_list("description", "quantity", "net_amount")) == [
        ("A", Decimal("2.0000"), Decimal("100.0000")),
        ("B", Decimal("1.0000"), Decimal("10.0000")),
    ]
    assert credit_note.gross_total == original.gross_total == Decimal("129.70")


def test_credited_amounts_never_exceed_the_original(company, staff_user):
    original = make_issued(owner=staff_user, items=[line(quantity="10", unit_price="10.00")])
    first = services.invoice_credit_note_create(invoice=original)
    services.invoice_update_draft(invoice=first, items=[line(quantity="6", unit_price="10.00")])
    services.invoice_issue(invoice=first)

    second = services.invoice_credit_note_create(invoice=original)  # copies all 10
    with pytest.raises(errors.CreditExceedsInvoice) as refused:
        services.invoice_issue(invoice=second)
    assert refused.value.details["remaining_creditable"] == ["47.60"]

    services.invoice_update_draft(invoice=second, items=[line(quantity="4", unit_price="10.00")])
    services.invoice_issue(invoice=second)
    with pytest.raises(errors.CreditExceedsInvoice):
        services.invoice_credit_note_create(invoice=original)


def test_credit_note_of_draft_or_void_is_refused(company, staff_user):
    with pytest.raises(errors.InvoiceNotCreditable):
        services.invoice_credit_note_create(invoice=make_draft(owner=staff_user))
    voided = services.invoice_void(invoice=make_issued(owner=staff_user), reason="x")
    with pytest.raises(errors.InvoiceNotCreditable):
        services.invoice_credit_note_create(invoice=voided)


def test_customer_statistics_follow_issue_payment_and_credit(company, staff_user):
    customer = CustomerFactory(owner=staff_user)
    first = make_issued(
        owner=staff_user, customer=customer, issue_date=dt.date(2026, 1, 10)
    )  # 119.00
    make_issued(
        owner=staff_user,
        customer=customer,
        items=[line(unit_price="50.00")],
        issue_date=dt.date(2026, 2, 10),
    )  # 59.50
    make_draft(owner=staff_user, customer=customer)  # drafts do not count
    services.payment_record(invoice=first, amount=Decimal("119.00"))

    customer.refresh_from_db()
    assert customer.invoice_count == 2
    assert customer.total_invoiced == Decimal("178.50")
    assert customer.total_paid == Decimal("119.00")
    assert customer.balance_due == Decimal("59.50")
    assert customer.last_invoice_date == dt.date(2026, 2, 10)

    credit_note = services.invoice_credit_note_create(invoice=first)
    services.invoice_issue(invoice=credit_note, issue_date=dt.date(2026, 3, 1))
    customer.refresh_from_db()
    assert customer.total_invoiced == Decimal("59.50")
    assert customer.balance_due == Decimal("-59.50")  # we owe the refund of the paid invoice


def test_soft_deleted_customer_keeps_invoices(company, staff_user):
    customer = CustomerFactory(owner=staff_user)
    invoice = make_issued(owner=staff_user, customer=customer)

    customer.delete()

    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert Invoice.objects.get(pk=invoice.pk).customer_id == customer.pk
    customer.restore()
    assert Customer.objects.get(pk=customer.pk).invoice_count == 1
