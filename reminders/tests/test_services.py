"""The reminder service: eligibility, levels, fee invoices, late interest, the record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from documents.models import InvoiceSending
from invoices import services as invoice_services
from invoices.models import Invoice
from invoices.services import invoice_reminders_pause
from reminders.models import PaymentReminder
from reminders.services import (
    ALREADY_SENT,
    FAILED,
    INELIGIBLE,
    NOT_DUE,
    SENT,
    payment_reminder_send_due,
    payment_reminders_run,
)
from reminders.tests.helpers import issued_due, set_levels, today

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _send(invoice, run_date):
    return payment_reminder_send_due(invoice_id=invoice.pk, run_date=run_date)


def test_level_one_on_its_day_with_record_sending_and_invoice_level(
    company, staff_user, django_capture_on_commit_callbacks
):
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)

    assert _send(invoice, due + 6 * DAY).outcome == NOT_DUE
    with django_capture_on_commit_callbacks(execute=True):
        result = _send(invoice, due + 7 * DAY)

    assert (result.outcome, result.level, result.fee_invoice_id) == (SENT, 1, None)
    reminder = PaymentReminder.objects.get()
    assert (reminder.level, reminder.run_date, reminder.days_overdue) == (1, due + 7 * DAY, 7)
    assert reminder.amount_due == Decimal("119.00")
    assert reminder.fee_invoice is None and reminder.interest is None
    sending = reminder.sending
    assert (sending.purpose, sending.reminder_level, sending.to) == (
        "reminder",
        1,
        [invoice.customer.email],
    )
    assert sending.status == "sent"
    assert len(mail.outbox) == 1
    invoice.refresh_from_db()
    assert invoice.reminder_level == 1
    assert invoice.status == "issued" and invoice.amount_due == Decimal("119.00")


def test_each_level_once_and_a_late_start_sends_only_the_highest(company, staff_user):
    due = today() - 40 * DAY
    invoice = issued_due(owner=staff_user, due=due)

    # the runner was down until 20 days after the due date: level 2 (14 days), not 1 and 2
    assert (_send(invoice, due + 20 * DAY).level, _send(invoice, due + 21 * DAY).outcome) == (
        2,
        NOT_DUE,
    )
    assert _send(invoice, due + 30 * DAY).level == 3
    assert _send(invoice, due + 31 * DAY).outcome == NOT_DUE
    assert list(PaymentReminder.objects.values_list("level", flat=True)) == [2, 3]
    assert InvoiceSending.objects.filter(purpose="reminder").count() == 2


@pytest.mark.parametrize(
    ("prepare", "reason"),
    [
        (lambda inv: Invoice.objects.filter(pk=inv.pk).update(reminders_paused=True), "paused"),
        (
            lambda inv: (
                type(inv.customer)
                .objects.filter(pk=inv.customer_id)
                .update(reminders_enabled=False)
            ),
            "customer_opted_out",
        ),
        (
            lambda inv: type(inv.customer).objects.filter(pk=inv.customer_id).update(email=""),
            "no_email",
        ),
        (
            lambda inv: invoice_services.payment_record(invoice=inv, amount=Decimal("119.00")),
            "status_paid",
        ),
        (
            lambda inv: invoice_services.invoice_void(invoice=inv, by=None, reason="Wrong"),
            "status_void",
        ),
    ],
)
def test_refused_under_the_lock_leaves_nothing(company, staff_user, prepare, reason):
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    prepare(invoice)

    result = _send(invoice, due + 7 * DAY)

    assert (result.outcome, result.reason) == (INELIGIBLE, reason)
    assert PaymentReminder.objects.count() == 0
    assert InvoiceSending.objects.count() == 0
    assert Invoice.objects.get(pk=invoice.pk).reminder_level == 0


def test_company_switch_off_sends_nothing(company, staff_user):
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    set_levels(company, company.reminder_levels, reminders_enabled=False)

    assert _send(invoice, due + 7 * DAY).reason == "reminders_disabled"
    assert payment_reminders_run(run_date=due + 7 * DAY).summary()["sent"] == 0


def test_partially_paid_is_reminded_of_what_is_left(company, staff_user):
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    invoice_services.payment_record(invoice=invoice, amount=Decimal("19.00"), date=due)

    assert _send(invoice, due + 7 * DAY).outcome == SENT
    assert PaymentReminder.objects.get().amount_due == Decimal("100.00")


def test_credit_notes_are_never_reminded(company, staff_user):
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    note = invoice_services.invoice_credit_note_create(invoice=invoice)
    invoice_services.invoice_issue(invoice=note)

    assert _send(note, due + 7 * DAY).reason == "credit_note"
    assert _send(invoice, due + 7 * DAY).reason == "status_credited"


def test_due_at_once_with_zero_payment_terms(company, staff_user):
    issue = today() - 7 * DAY
    invoice = issued_due(owner=staff_user, due=issue, issue=issue, payment_terms_days=0)
    assert invoice.due_date == invoice.issue_date

    assert _send(invoice, today()).level == 1


def test_fee_invoice_is_a_separate_numbered_invoice_in_category_o(
    company, staff_user, django_capture_on_commit_callbacks
):
    set_levels(
        company,
        [
            {"days_after_due": 7, "fee_amount": "0"},
            {"days_after_due": 14, "fee_amount": "5.00"},
        ],
    )
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    before = Invoice.objects.values_list("gross_total", "amount_due", "version").get(pk=invoice.pk)

    with django_capture_on_commit_callbacks(execute=True):
        result = _send(invoice, due + 14 * DAY)

    fee = Invoice.objects.get(pk=result.fee_invoice_id)
    # the next number of the invoice series (gap-free), not the original's
    same_year = Invoice.objects.filter(series="INV", number_year=fee.number_year).count()
    assert (fee.series, fee.sequence) == ("INV", same_year)
    assert fee.number == f"INV-{fee.number_year}-{same_year:05d}"
    assert (fee.status, fee.issue_date, fee.due_date) == ("issued", today(), today())
    assert (fee.gross_total, fee.tax_total, fee.amount_due) == (
        Decimal("5.00"),
        Decimal("0.00"),
        Decimal("5.00"),
    )
    assert [(i.tax_category, i.tax_rate) for i in fee.items.all()] == [("O", Decimal("0.00"))]
    assert fee.buyer_reference == invoice.number
    assert invoice.number in fee.notes
    assert fee.customer_id == invoice.customer_id and fee.owner_id == invoice.owner_id
    # the original owes what it owed; only its reminder level moved
    after = Invoice.objects.values_list("gross_total", "amount_due", "reminder_level").get(
        pk=invoice.pk
    )
    assert after == (before[0], before[1], 2)
    reminder = PaymentReminder.objects.get()
    assert (reminder.fee_invoice_id, reminder.fee_amount) == (fee.pk, Decimal("5.00"))
    assert reminder.sending.fee_invoice_id == fee.pk
    # a fee invoice is never reminded itself (no fee on a fee)
    assert _send(fee, today() + 60 * DAY).reason == "fee_invoice"


def test_fee_with_a_configured_vat_category(company, staff_user):
    set_levels(
        company,
        [{"days_after_due": 7, "fee_amount": "10.00", "tax_category": "S", "tax_rate": "19.00"}],
    )
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)

    fee = Invoice.objects.get(pk=_send(invoice, due + 7 * DAY).fee_invoice_id)

    assert (fee.net_total, fee.tax_total, fee.gross_total) == (
        Decimal("10.00"),
        Decimal("1.90"),
        Decimal("11.90"),
    )


def test_no_fee_on_an_invoice_in_another_currency(company, staff_user):
    set_levels(company, [{"days_after_due": 7, "fee_amount": "5.00"}])
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due, currency="USD")

    result = _send(invoice, due + 7 * DAY)

    assert (result.outcome, result.fee_invoice_id) == (SENT, None)
    assert PaymentReminder.objects.get().fee_amount is None


def test_a_refused_fee_invoice_rolls_the_whole_reminder_back(company, staff_user):
    set_levels(company, [{"days_after_due": 7, "fee_amount": "5.00"}])
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    type(invoice.customer).objects.filter(pk=invoice.customer_id).update(street="")

    result = _send(invoice, due + 7 * DAY)

    assert result.outcome == FAILED
    assert result.error["code"] == "invoice_not_issuable"
    assert PaymentReminder.objects.count() == 0
    assert InvoiceSending.objects.count() == 0
    assert Invoice.objects.count() == 1  # no fee draft left behind
    assert Invoice.objects.get(pk=invoice.pk).reminder_level == 0


def test_late_interest_business_and_consumer_on_the_fee_invoice(company, staff_user, settings):
    settings.LATE_INTEREST_BASE_RATES = [(dt.date(2000, 1, 1), Decimal("1.27"))]
    set_levels(company, [{"days_after_due": 7, "fee_amount": "0"}], late_interest=True)
    due = today() - 30 * DAY
    business = issued_due(owner=staff_user, due=due)
    consumer = issued_due(owner=staff_user, due=due, is_consumer=True)

    run = due + 10 * DAY
    fees = {
        inv.pk: Invoice.objects.get(pk=_send(inv, run).fee_invoice_id)
        for inv in (business, consumer)
    }

    # 119.00 x 10.27 % x 10 / 365 = 0.3348... ; x 6.27 % = 0.2044...
    assert fees[business.pk].gross_total == Decimal("0.33")
    assert fees[consumer.pk].gross_total == Decimal("0.20")
    interest = PaymentReminder.objects.get(invoice=business).interest
    assert interest == {
        "method": "act/365",
        "principal": "119.0000",
        "points": "9",
        "periods": [
            {
                "from": (due + DAY).isoformat(),
                "to": run.isoformat(),
                "days": 10,
                "base_rate": "1.27",
                "rate": "10.27",
                "amount": "0.3348",
            }
        ],
        "total": "0.33",
    }
    # the original invoice is unchanged
    assert Invoice.objects.get(pk=business.pk).amount_due == Decimal("119.00")


def test_late_interest_is_billed_once_per_day(company, staff_user, settings):
    settings.LATE_INTEREST_BASE_RATES = [(dt.date(2000, 1, 1), Decimal("3.00"))]
    set_levels(
        company,
        [{"days_after_due": 7, "fee_amount": "0"}, {"days_after_due": 14, "fee_amount": "0"}],
        late_interest=True,
    )
    due = today() - 30 * DAY
    invoice = issued_due(owner=staff_user, due=due)

    _send(invoice, due + 7 * DAY)
    _send(invoice, due + 14 * DAY)

    first, second = PaymentReminder.objects.order_by("level")
    assert [p["from"] for p in second.interest["periods"]] == [(due + 8 * DAY).isoformat()]
    assert first.interest["periods"][0]["days"] + second.interest["periods"][0]["days"] == 14


def test_the_unique_row_refuses_a_second_reminder_of_a_level(company, staff_user):
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    _send(invoice, due + 7 * DAY)

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentReminder.objects.create(
            invoice=invoice,
            level=1,
            run_date=due + 8 * DAY,
            sent_at=PaymentReminder.objects.get().sent_at,
            amount_due=Decimal("1"),
        )


def test_claim_conflict_reports_already_sent(company, staff_user, monkeypatch):
    # given: the invoice's level was reset behind the service's back (as if the lock were
    # lost), so only the unique row stands between a second reminder and the customer
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    _send(invoice, due + 7 * DAY)
    Invoice.objects.filter(pk=invoice.pk).update(reminder_level=0)

    result = _send(invoice, due + 8 * DAY)

    assert (result.outcome, result.level) == (ALREADY_SENT, 1)
    assert PaymentReminder.objects.count() == 1
    assert InvoiceSending.objects.count() == 1


def test_run_selects_only_due_invoices_oldest_first(company, staff_user):
    run = today()
    old = issued_due(owner=staff_user, due=run - 31 * DAY)
    recent = issued_due(owner=staff_user, due=run - 7 * DAY)
    issued_due(owner=staff_user, due=run - 6 * DAY)  # not due yet

    report = payment_reminders_run(run_date=run)

    assert [(r.invoice_id, r.level) for r in report.results] == [(old.pk, 3), (recent.pk, 1)]
    assert report.summary() == {
        "run_date": run.isoformat(),
        "invoices": 2,
        "sent": 2,
        "fee_invoices": 0,
        "skipped": 0,
        "failed": 0,
    }


def test_pausing_an_issued_invoice_stops_its_reminders_and_resuming_sends_the_due_level(
    company, staff_user
):
    due = today() - 20 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    version = Invoice.objects.get(pk=invoice.pk).version

    paused = invoice_reminders_pause(invoice=invoice, paused=True)

    assert (paused.reminders_paused, paused.status) == (True, "issued")
    assert paused.version > version  # rendered copies follow
    assert _send(invoice, due + 14 * DAY).reason == "paused"
    invoice_reminders_pause(invoice=invoice, paused=False)
    # resumed: the highest level due now, not the ones missed while paused
    assert _send(invoice, due + 14 * DAY).level == 2
    assert list(PaymentReminder.objects.values_list("level", flat=True)) == [2]


def test_queries_per_reminder_are_constant(company, staff_user):
    due = today() - 20 * DAY
    three = [issued_due(owner=staff_user, due=due).pk for _ in range(3)]
    six = [issued_due(owner=staff_user, due=due).pk for _ in range(6)]

    def queries(ids: list[int]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert payment_reminders_run(run_date=due + 7 * DAY, invoice_ids=ids).summary()[
                "sent"
            ] == len(ids)
        return len(captured)

    for_three, for_six = queries(three), queries(six)
    per_reminder, rest = divmod(for_six - for_three, 3)
    assert rest == 0
    # 16 without a shared cache: lock + read, settings, fee-invoice check, claim (in a
    # savepoint), level, the sending (its subject reads lines and settings; a savepoint),
    # the record's links, and the reminder's own savepoint
    assert per_reminder <= 16
    assert for_three - 3 * per_reminder <= 2  # the run itself: settings and candidates
