"""Each period at most once under real concurrency (PostgreSQL: SQLite serialises writers).

Two runners at once, the claim racing without the schedule lock, a task delivered twice,
a runner killed mid-period: never two invoices, two numbers or two e-mails for a period.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import close_old_connections, connection

from common.tests.factories import CustomerFactory
from documents.models import InvoiceSending
from invoices.models import Invoice
from recurring import services
from recurring.models import RecurringInvoice, RecurringPeriod
from recurring.tasks import recurring_invoices_run
from recurring.tests.factories import make_schedule
from settings_app.calendar import company_today

pytestmark = [
    pytest.mark.postgres(reason="real concurrency needs PostgreSQL; SQLite serialises writers"),
    pytest.mark.django_db(transaction=True),
]


def _concurrently(calls: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        try:
            barrier.wait()
            return call()
        finally:
            close_old_connections()
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _assert_once_per_period() -> None:
    per_period = Invoice.objects.values_list("recurring_invoice_id", "period_start")
    assert len(list(per_period)) == len(set(per_period))
    numbers = sorted(Invoice.objects.exclude(number=None).values_list("sequence", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))  # gap-free too


def test_two_runners_at_once_bill_each_period_once(company, staff_user):
    customer = CustomerFactory(owner=staff_user)
    schedules = [
        make_schedule(owner=staff_user, customer=customer, start_date=dt.date(2025, 1, 31))
        for _ in range(10)
    ]

    for _ in range(3):  # a few rounds: the runners interleave differently each time
        _concurrently([lambda: services.recurring_run(run_date=dt.date(2025, 6, 30))] * 4)

    _assert_once_per_period()
    assert Invoice.objects.count() == 10 * 6
    assert RecurringPeriod.objects.count() == 10 * 6
    assert {s.cycles_done for s in RecurringInvoice.objects.all()} == {6}
    assert [s.pk for s in schedules]


def test_the_claim_alone_keeps_a_period_once(company, staff_user, monkeypatch):
    # given: no schedule lock at all, so both transactions read the same cursor
    monkeypatch.setattr(
        services,
        "_locked_schedule",
        lambda schedule_id, owners=None: (
            RecurringInvoice.objects.select_related("customer", "owner")
            .filter(pk=schedule_id)
            .first()
        ),
    )
    schedule = make_schedule(owner=staff_user, start_date=dt.date(2025, 1, 31))

    for _ in range(5):
        results = _concurrently(
            [
                lambda: services.recurring_period_bill(
                    schedule_id=schedule.pk, run_date=dt.date(2025, 6, 30)
                )
            ]
            * 2
        )
        outcomes = sorted(result.outcome for result in results)
        assert outcomes.count("invoiced") == 1, outcomes

    _assert_once_per_period()
    assert Invoice.objects.count() == 5


def test_a_task_delivered_twice_sends_each_e_mail_once(company, staff_user):
    today = company_today()
    start = today.replace(day=1)
    schedules = [
        make_schedule(owner=staff_user, start_date=start, issue_mode="issue_and_send")
        for _ in range(4)
    ]

    _concurrently([lambda: recurring_invoices_run.apply().result] * 3)

    _assert_once_per_period()
    invoices = Invoice.objects.filter(recurring_invoice__in=schedules)
    assert invoices.count() == 4
    assert InvoiceSending.objects.count() == 4
    assert len(mail.outbox) == 4
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Invoice {i.number} from Seller GmbH" for i in invoices
    )


def test_a_runner_killed_mid_period_leaves_nothing_and_the_next_bills_once(
    company, staff_user, monkeypatch
):
    schedule = make_schedule(
        owner=staff_user, start_date=company_today().replace(day=1), issue_mode="issue_and_send"
    )
    send = services.invoice_send
    entered = threading.Event()
    release = threading.Event()

    def dying_send(**kwargs):
        entered.set()  # claimed, drafted, issued (numbered): now the worker dies
        release.wait(10)
        raise KeyboardInterrupt  # not an Exception: nothing catches it, as with a kill

    monkeypatch.setattr(services, "invoice_send", dying_send)

    def doomed():
        try:
            services.recurring_run()
        except KeyboardInterrupt:
            return "killed"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(doomed)
        assert entered.wait(10)
        # meanwhile a second runner: the schedule is busy, nothing is billed twice
        assert services.recurring_run().invoices == 0
        release.set()
        assert future.result() == "killed"

    assert Invoice.objects.count() == 0 and RecurringPeriod.objects.count() == 0
    monkeypatch.setattr(services, "invoice_send", send)
    assert services.recurring_run().invoices == 1
    assert services.recurring_run().invoices == 0
    _assert_once_per_period()
    assert InvoiceSending.objects.filter(invoice__recurring_invoice=schedule).count() == 1
    assert len(mail.outbox) == 1
