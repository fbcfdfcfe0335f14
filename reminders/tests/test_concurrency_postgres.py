"""Each level at most once under real concurrency (PostgreSQL: SQLite serialises writers).

Two runners at once, the claim racing without the invoice lock, a task delivered
twice, a payment committed while the reminder waits for the invoice's lock.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core import mail
from django.db import close_old_connections, connection, transaction

from documents.models import InvoiceSending
from invoices import services as invoice_services
from invoices.models import Invoice
from reminders import services
from reminders.models import PaymentReminder
from reminders.tasks import payment_reminders_send
from reminders.tests.helpers import issued_due, set_levels, today

pytestmark = [
    pytest.mark.postgres(reason="real concurrency needs PostgreSQL; SQLite serialises writers"),
    pytest.mark.django_db(transaction=True),
]

DAY = dt.timedelta(days=1)
FEES = [
    {"days_after_due": 7, "fee_amount": "1.00"},
    {"days_after_due": 14, "fee_amount": "2.00"},
]


def _in_thread(call: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        try:
            return call()
        finally:
            close_old_connections()
            connection.close()

    return run


def _concurrently(calls: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        barrier.wait()
        return _in_thread(call)()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _assert_each_level_once() -> None:
    pairs = list(PaymentReminder.objects.values_list("invoice_id", "level"))
    assert len(pairs) == len(set(pairs))
    reminders = PaymentReminder.objects.count()
    assert InvoiceSending.objects.filter(purpose="reminder").count() == reminders
    assert PaymentReminder.objects.filter(sending=None).count() == 0
    numbers = sorted(Invoice.objects.exclude(number=None).values_list("sequence", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))  # fee invoices too: gap-free


def test_two_runners_at_once_send_each_level_once(company, staff_user):
    set_levels(company, FEES)
    due = today() - 20 * DAY
    invoices = [issued_due(owner=staff_user, due=due) for _ in range(8)]

    for run_date in (due + 7 * DAY, due + 14 * DAY):
        for _ in range(2):  # the runners interleave differently each round
            _concurrently([lambda d=run_date: services.payment_reminders_run(run_date=d)] * 4)

    _assert_each_level_once()
    assert PaymentReminder.objects.count() == 16
    assert Invoice.objects.filter(fee_for_reminder__isnull=False).count() == 16
    assert {i.reminder_level for i in Invoice.objects.filter(pk__in=[i.pk for i in invoices])} == {
        2
    }


def test_the_claim_alone_keeps_a_level_once(company, staff_user, monkeypatch):
    # given: no invoice lock at all, so both transactions read reminder_level 0
    monkeypatch.setattr(
        services,
        "_locked_invoice",
        lambda invoice_id: Invoice.objects.select_related("customer").filter(pk=invoice_id).first(),
    )
    # and both have read the invoice before either inserts its claim
    both_read = threading.Barrier(2)
    claim = services._claim

    def claim_after_both_read(*args):
        both_read.wait(10)
        return claim(*args)

    monkeypatch.setattr(services, "_claim", claim_after_both_read)
    set_levels(company, FEES)
    due = today() - 20 * DAY
    invoices = [issued_due(owner=staff_user, due=due) for _ in range(4)]  # before any fee

    for invoice in invoices:
        results = _concurrently(
            [
                lambda i=invoice: services.payment_reminder_send_due(
                    invoice_id=i.pk, run_date=due + 7 * DAY
                )
            ]
            * 2
        )
        outcomes = sorted(result.outcome for result in results)
        assert outcomes == [services.ALREADY_SENT, services.SENT], results

    _assert_each_level_once()
    assert PaymentReminder.objects.count() == 4


def test_a_task_delivered_twice_sends_each_e_mail_once(company, staff_user):
    invoices = [issued_due(owner=staff_user, due=today() - 8 * DAY) for _ in range(4)]

    _concurrently([lambda: payment_reminders_send.apply().result] * 3)

    _assert_each_level_once()
    assert PaymentReminder.objects.count() == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(i.customer.email for i in invoices)


def test_a_payment_committed_while_the_reminder_waits_stops_it(company, staff_user):
    set_levels(company, FEES)
    due = today() - 10 * DAY
    invoice = issued_due(owner=staff_user, due=due)
    paid = threading.Event()
    release = threading.Event()

    def pay_and_hold() -> None:
        with transaction.atomic():
            invoice_services.payment_record(invoice=invoice, amount=Decimal("119.00"))
            paid.set()  # the invoice row is locked until this transaction commits
            release.wait(10)

    def remind():
        paid.wait(10)
        return services.payment_reminder_send_due(invoice_id=invoice.pk, run_date=today())

    with ThreadPoolExecutor(max_workers=2) as pool:
        payer = pool.submit(_in_thread(pay_and_hold))
        reminder = pool.submit(_in_thread(remind))
        paid.wait(10)
        time.sleep(0.5)
        assert not reminder.done()  # waiting for the invoice's lock
        release.set()
        payer.result(10)
        result = reminder.result(10)

    assert (result.outcome, result.reason) == (services.INELIGIBLE, "status_paid")
    assert PaymentReminder.objects.count() == 0
    assert InvoiceSending.objects.count() == 0
    assert Invoice.objects.count() == 1
