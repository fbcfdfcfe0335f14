"""A month of daily runs (`send_payment_reminders --date`) against a real SMTP server.

The set of invoices the issue names: paid on day 10, partially paid, paused, customer
opted out, no e-mail address, credited in full, void; plus two plain unpaid ones (one
due later). Exactly these reminders, fee invoices and e-mails must come out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from common.tests.factories import CustomerFactory
from documents.models import InvoiceSending
from documents.tests.test_sending import running_smtp_server
from invoices import services as invoice_services
from invoices.models import Invoice
from reminders.models import PaymentReminder
from reminders.tests.helpers import issued_due, set_levels, today

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]

DAY = dt.timedelta(days=1)
LEVELS = [
    {"days_after_due": 7, "fee_amount": "0"},
    {"days_after_due": 14, "fee_amount": "2.50"},
    {"days_after_due": 21, "fee_amount": "5.00"},
]


def test_a_month_of_runs(company, staff_user, settings, django_capture_on_commit_callbacks):
    # given
    set_levels(company, LEVELS)
    day0 = today() - 35 * DAY  # the first simulated day; every invoice is issued before

    def invoice(name: str, due: dt.date = day0, **customer) -> Invoice:
        customer.setdefault("email", f"{name}@buyer.example")
        return issued_due(
            owner=staff_user,
            due=due,
            issue=day0 - 10 * DAY,
            customer=CustomerFactory(owner=staff_user, name=name, **customer),
        )

    unpaid = invoice("unpaid")
    paid_day_10 = invoice("paid")
    partial = invoice("partial")
    paused = invoice("paused")
    opted_out = invoice("optedout", reminders_enabled=False)
    no_email = invoice("noemail", email="")
    credited = invoice("credited")
    void = invoice("void")
    later = invoice("later", due=day0 + 10 * DAY)

    invoice_services.payment_record(invoice=partial, amount=Decimal("50.00"), date=day0 + 3 * DAY)
    Invoice.objects.filter(pk=paused.pk).update(reminders_paused=True)
    invoice_services.invoice_issue(
        invoice=invoice_services.invoice_credit_note_create(invoice=credited)
    )
    invoice_services.invoice_void(invoice=void, reason="Issued twice")

    # when: one run per day, day 0 to day 30; the payment arrives on day 10 before its run
    with running_smtp_server(settings) as smtp:
        for n in range(31):
            if n == 10:
                invoice_services.payment_record(
                    invoice=paid_day_10, amount=Decimal("119.00"), date=day0 + 10 * DAY
                )
            with django_capture_on_commit_callbacks(execute=True):
                call_command(
                    "send_payment_reminders",
                    "--date",
                    (day0 + n * DAY).isoformat(),
                    "--no-progress",
                    stdout=StringIO(),
                    stderr=StringIO(),
                )

    # then: reminders per invoice, with the day each was sent
    sent = {
        (r.invoice_id, r.level): (r.run_date - day0).days for r in PaymentReminder.objects.all()
    }
    assert sent == {
        (unpaid.pk, 1): 7,
        (unpaid.pk, 2): 14,
        (unpaid.pk, 3): 21,
        (paid_day_10.pk, 1): 7,
        (partial.pk, 1): 7,
        (partial.pk, 2): 14,
        (partial.pk, 3): 21,
        (later.pk, 1): 17,
        (later.pk, 2): 24,
    }
    for untouched in (paused, opted_out, no_email, credited, void):
        assert not PaymentReminder.objects.filter(invoice=untouched).exists()
        assert Invoice.objects.get(pk=untouched.pk).reminder_level == 0
    assert {
        i.pk: i.reminder_level for i in Invoice.objects.filter(reminders__isnull=False).distinct()
    } == {unpaid.pk: 3, paid_day_10.pk: 1, partial.pk: 3, later.pk: 2}
    assert PaymentReminder.objects.get(invoice=partial, level=1).amount_due == Decimal("69.00")

    # fee invoices: levels 2 and 3 bill 2.50 and 5.00, dated today, category O
    fees = {
        (r.invoice_id, r.level): (r.fee_invoice.gross_total, r.fee_invoice.issue_date)
        for r in PaymentReminder.objects.exclude(fee_invoice=None).select_related("fee_invoice")
    }
    assert fees == {
        (unpaid.pk, 2): (Decimal("2.50"), today()),
        (unpaid.pk, 3): (Decimal("5.00"), today()),
        (partial.pk, 2): (Decimal("2.50"), today()),
        (partial.pk, 3): (Decimal("5.00"), today()),
        (later.pk, 2): (Decimal("2.50"), today()),
    }
    assert Invoice.objects.filter(fee_for_reminder__isnull=False).count() == 5
    # the originals owe what they owed
    assert Invoice.objects.get(pk=unpaid.pk).amount_due == Decimal("119.00")
    assert Invoice.objects.get(pk=partial.pk).amount_due == Decimal("69.00")

    # e-mails: one per reminder, each delivered once to the customer
    assert set(InvoiceSending.objects.values_list("purpose", "status")) == {("reminder", "sent")}
    received = sorted((message["To"], message["Subject"]) for message in smtp.messages)
    assert [to for to, _ in received] == sorted(
        ["unpaid@buyer.example"] * 3
        + ["paid@buyer.example"]
        + ["partial@buyer.example"] * 3
        + ["later@buyer.example"] * 2
    )
    number = {i.customer.email: i.number for i in (unpaid, paid_day_10, partial, later)}
    subjects = {"Payment reminder": 4, "Second reminder": 3, "Final notice": 2}
    assert sorted(subject for _, subject in received) == sorted(
        f"{wording}: invoice {number[to]}"
        for to, subject in received
        for wording in subjects
        if subject.startswith(wording)
    )
    assert {w: sum(s.startswith(w) for _, s in received) for w in subjects} == subjects
    # levels 2 and 3 carry their fee invoice's PDF beside the invoice's
    fee_numbers = {r.fee_invoice.number for r in PaymentReminder.objects.exclude(fee_invoice=None)}
    attached = [
        name
        for message in smtp.messages
        for name in (part.get_filename() for part in message.iter_attachments())
        if name and name.removesuffix(".pdf") in fee_numbers
    ]
    assert sorted(attached) == sorted(f"{n}.pdf" for n in fee_numbers)
