"""Billing periods: dates, numbers, failures, catch-up, pause, the template (SQLite too)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.tests.factories import CustomerFactory
from common.tests.redis_servers import free_port
from invoices import services as invoice_services
from invoices.models import Invoice, InvoiceItem
from invoices.tests.factories import line, make_issued
from recurring import errors, services
from recurring.models import PeriodOutcome, RecurringInvoice, RecurringPeriod
from recurring.tests.factories import make_schedule
from settings_app.models import CompanySettings

pytestmark = pytest.mark.django_db
D = dt.date


def _run(day: dt.date):
    return services.recurring_run(run_date=day)


def _invoices(schedule: RecurringInvoice):
    return list(Invoice.objects.filter(recurring_invoice=schedule).order_by("period_start"))


def _fresh(schedule: RecurringInvoice) -> RecurringInvoice:
    return RecurringInvoice.objects.get(pk=schedule.pk)


def test_each_due_period_once_dated_by_its_own_start(company, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=D(2025, 1, 31))

    report = _run(D(2025, 3, 31))
    again = _run(D(2025, 3, 31))

    invoices = _invoices(schedule)
    assert [(i.period_start, i.period_end, i.issue_date) for i in invoices] == [
        (D(2025, 1, 31), D(2025, 2, 27), D(2025, 1, 31)),
        (D(2025, 2, 28), D(2025, 3, 30), D(2025, 2, 28)),
        (D(2025, 3, 31), D(2025, 4, 29), D(2025, 3, 31)),
    ]
    assert [i.number for i in invoices] == ["INV-2025-00001", "INV-2025-00002", "INV-2025-00003"]
    assert {i.status for i in invoices} == {"issued"}
    assert invoices[0].due_date == D(2025, 3, 2)  # the customer's 30 days
    assert report.invoices == 3 and again.invoices == 0
    schedule = _fresh(schedule)
    assert (schedule.cycles_done, schedule.next_period_start, schedule.last_error) == (
        3,
        D(2025, 4, 30),
        None,
    )
    assert RecurringPeriod.objects.filter(schedule=schedule).count() == 3


def test_descriptions_filled_in_in_the_customers_language(company, staff_user):
    customer = CustomerFactory(owner=staff_user, preferred_language="de")
    make_schedule(
        owner=staff_user,
        customer=customer,
        start_date=D(2025, 3, 1),
        items=[line("Wartung {month} {year} ({period_start} - {period_end}) {unknown}")],
    )

    _run(D(2025, 3, 1))

    description = InvoiceItem.objects.get().description
    assert description == "Wartung März 2025 (1. März 2025 - 31. März 2025) {unknown}"


def test_issue_date_is_the_run_date_when_the_period_start_would_break_the_numbering(
    company, staff_user
):
    # given: an invoice of the series already dated after the first periods
    make_issued(owner=staff_user, issue_date=D(2025, 2, 10))
    schedule = make_schedule(owner=staff_user, start_date=D(2025, 1, 31))

    _run(D(2025, 3, 31))

    dates = [(i.period_start, i.issue_date, i.sequence) for i in _invoices(schedule)]
    assert dates == [
        (D(2025, 1, 31), D(2025, 3, 31), 2),
        (D(2025, 2, 28), D(2025, 3, 31), 3),
        (D(2025, 3, 31), D(2025, 3, 31), 4),
    ]


def test_a_refused_issue_leaves_nothing_and_is_tried_again(company, staff_user):
    customer = CustomerFactory(owner=staff_user, street="")
    schedule = make_schedule(owner=staff_user, customer=customer, start_date=D(2025, 1, 31))

    report = _run(D(2025, 2, 5))

    schedule = _fresh(schedule)
    assert report.failures == 1
    assert schedule.last_error["code"] == "invoice_not_issuable"
    assert schedule.last_error["period_start"] == "2025-01-31"
    assert "street" in str(schedule.last_error["details"])
    assert schedule.last_run_at is not None
    assert Invoice.objects.count() == 0
    assert RecurringPeriod.objects.count() == 0
    assert (schedule.cycles_done, schedule.next_period_start) == (0, D(2025, 1, 31))

    customer.street = "1 rue de la Paix"
    customer.save()
    _run(D(2025, 2, 5))

    schedule = _fresh(schedule)
    assert [i.number for i in _invoices(schedule)] == ["INV-2025-00001"]
    assert schedule.last_error is None


def test_catch_up_is_bounded_and_never_skips(company, staff_user, settings):
    settings.RECURRING_MAX_CATCHUP = 12
    schedule = make_schedule(owner=staff_user, frequency="weekly", start_date=D(2025, 1, 6))

    first = _run(D(2025, 6, 30))  # 26 weekly periods due

    schedule = _fresh(schedule)
    assert first.invoices == 12
    assert schedule.last_error["code"] == "catch_up_limit"
    assert schedule.last_error["details"] == {"periods_due": 14}
    assert _run(D(2025, 6, 30)).invoices == 12
    assert _run(D(2025, 6, 30)).invoices == 2
    starts = [i.period_start for i in _invoices(schedule)]
    assert starts == [D(2025, 1, 6) + dt.timedelta(weeks=n) for n in range(26)]
    assert _fresh(schedule).last_error is None


def test_stop_on_unpaid_skips_while_an_invoice_is_open(company, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=D(2025, 1, 1), stop_on_unpaid=True)

    _run(D(2025, 2, 1))  # January billed; February skipped, January is unpaid
    first = _invoices(schedule)[0]
    invoice_services.payment_record(invoice=first, amount=first.gross_total, date=D(2025, 2, 2))
    _run(D(2025, 3, 1))

    periods = list(RecurringPeriod.objects.values_list("period_start", "outcome"))
    assert periods == [
        (D(2025, 1, 1), PeriodOutcome.INVOICED),
        (D(2025, 2, 1), PeriodOutcome.SKIPPED_UNPAID),
        (D(2025, 3, 1), PeriodOutcome.INVOICED),
    ]
    assert _fresh(schedule).cycles_done == 2


def test_end_date_and_max_cycles_complete_the_schedule(company, staff_user):
    by_date = make_schedule(owner=staff_user, start_date=D(2025, 1, 15), end_date=D(2025, 3, 15))
    by_count = make_schedule(owner=staff_user, start_date=D(2025, 1, 15), max_cycles=2)

    _run(D(2025, 6, 1))

    assert len(_invoices(by_date)) == 3
    assert len(_invoices(by_count)) == 2
    for schedule in (by_date, by_count):
        schedule = _fresh(schedule)
        assert (schedule.status, schedule.next_period_start) == ("completed", None)


def test_pause_stops_and_resume_skips_the_paused_periods(company, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=D(2025, 1, 1))
    _run(D(2025, 1, 1))
    services.recurring_invoice_pause(schedule=schedule)
    RecurringInvoice.objects.filter(pk=schedule.pk).update(
        paused_at=timezone.make_aware(dt.datetime(2025, 1, 20, 12))
    )
    assert _run(D(2025, 3, 1)).invoices == 0

    services.recurring_invoice_resume(schedule=schedule, today=D(2025, 3, 10))
    _run(D(2025, 4, 1))

    outcomes = list(RecurringPeriod.objects.values_list("period_start", "outcome"))
    assert outcomes == [
        (D(2025, 1, 1), "invoiced"),
        (D(2025, 2, 1), "skipped_paused"),
        (D(2025, 3, 1), "skipped_paused"),
        (D(2025, 4, 1), "invoiced"),
    ]


def test_resume_with_catch_up_bills_the_paused_periods(company, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=D(2025, 1, 1))
    _run(D(2025, 1, 1))
    services.recurring_invoice_pause(schedule=schedule)
    RecurringInvoice.objects.filter(pk=schedule.pk).update(
        paused_at=timezone.make_aware(dt.datetime(2025, 1, 20, 12))
    )

    services.recurring_invoice_resume(schedule=schedule, catch_up=True, today=D(2025, 3, 10))
    _run(D(2025, 3, 10))

    assert [i.period_start for i in _invoices(schedule)] == [
        D(2025, 1, 1),
        D(2025, 2, 1),
        D(2025, 3, 1),
    ]


def test_state_changes_refused(company, staff_user):
    schedule = make_schedule(owner=staff_user)
    with pytest.raises(errors.RecurringNotPaused):
        services.recurring_invoice_resume(schedule=schedule)
    services.recurring_invoice_cancel(schedule=schedule)
    with pytest.raises(errors.RecurringNotActive):
        services.recurring_invoice_pause(schedule=schedule)
    with pytest.raises(errors.RecurringEnded):
        services.recurring_invoice_cancel(schedule=schedule)
    with pytest.raises(errors.RecurringEnded):
        services.recurring_invoice_update(schedule=schedule, notes="x")
    assert _run(D(2025, 6, 1)).invoices == 0


def test_a_schedule_with_invoices_is_cancelled_not_deleted(company, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=D(2025, 1, 1))
    empty = make_schedule(owner=staff_user, start_date=D(2099, 1, 1))
    _run(D(2025, 1, 1))

    with pytest.raises(errors.RecurringHasInvoices):
        services.recurring_invoice_delete(schedule=schedule)
    services.recurring_invoice_delete(schedule=empty)

    assert RecurringInvoice.objects.filter(pk=schedule.pk).exists()
    assert not RecurringInvoice.objects.filter(pk=empty.pk).exists()


def test_template_edits_apply_to_future_periods_only(company, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=D(2025, 1, 1))
    _run(D(2025, 1, 1))

    services.recurring_invoice_update(
        schedule=schedule, items=[line("New price", unit_price="200.00")], notes="From February"
    )
    _run(D(2025, 2, 1))

    january, february = _invoices(schedule)
    assert january.gross_total == Decimal("119.00") and january.notes == ""
    assert february.gross_total == Decimal("238.00") and february.notes == "From February"
    with pytest.raises(errors.RecurringCalendarFixed):
        services.recurring_invoice_update(schedule=schedule, start_date=D(2025, 1, 2))


def test_draft_mode_and_a_deleted_draft_is_not_generated_again(company, staff_user):
    schedule = make_schedule(owner=staff_user, start_date=D(2025, 1, 1), issue_mode="draft")
    _run(D(2025, 1, 1))
    (draft,) = _invoices(schedule)
    assert (draft.status, draft.number, draft.issue_date) == ("draft", None, D(2025, 1, 1))

    invoice_services.invoice_delete_draft(invoice=draft)
    _run(D(2025, 1, 15))

    assert _invoices(schedule) == []
    assert RecurringPeriod.objects.get().invoice_id is None


def test_issue_and_send_sends_once(company, staff_user, django_capture_on_commit_callbacks):
    schedule = make_schedule(
        owner=staff_user, start_date=D(2025, 1, 1), issue_mode="issue_and_send"
    )

    with django_capture_on_commit_callbacks(execute=True):
        _run(D(2025, 2, 1))
        _run(D(2025, 2, 1))

    invoices = _invoices(schedule)
    assert len(invoices) == 2
    assert len(mail.outbox) == 2
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Invoice {i.number} from Seller GmbH" for i in invoices
    )
    assert {s.status for i in invoices for s in i.sendings.all()} == {"sent"}


def test_a_failed_send_leaves_the_invoice_issued_and_is_never_a_second_invoice(
    settings, company, staff_user, django_capture_on_commit_callbacks
):
    # given: no mail server answers (connection refused)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = False
    schedule = make_schedule(
        owner=staff_user, start_date=D(2025, 1, 1), issue_mode="issue_and_send"
    )

    # when: the period is billed, and the runner runs again
    with django_capture_on_commit_callbacks(execute=True):
        _run(D(2025, 1, 1))
        _run(D(2025, 1, 1))

    # then: one issued invoice, its one sending kept by the sending machinery with the error
    (invoice,) = _invoices(schedule)
    assert invoice.status == "issued" and invoice.number == "INV-2025-00001"
    (sending,) = invoice.sendings.all()
    assert sending.status in ("queued", "failed") and sending.error
    assert _fresh(schedule).last_error is None  # the period was billed; the send is not its
    assert not mail.outbox


def test_no_recipient_is_a_refusal_that_leaves_no_invoice(company, staff_user):
    customer = CustomerFactory(owner=staff_user, email="")
    schedule = make_schedule(
        owner=staff_user, customer=customer, start_date=D(2025, 1, 1), issue_mode="issue_and_send"
    )

    _run(D(2025, 1, 1))

    assert _fresh(schedule).last_error["details"] == {"to": ["The customer has no e-mail address."]}
    assert Invoice.objects.count() == 0
    assert not Invoice.objects.filter(number__isnull=False).exists()


def test_the_period_constraint_holds_in_the_database(company, staff_user):
    schedule = make_schedule(owner=staff_user)
    fields = {"period_end": D(2025, 2, 27), "outcome": "invoiced"}
    RecurringPeriod.objects.create(
        schedule=schedule, period_index=0, period_start=D(2025, 1, 31), **fields
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        RecurringPeriod.objects.create(
            schedule=schedule, period_index=1, period_start=D(2025, 1, 31), **fields
        )


def test_the_run_date_is_the_companys_day(company, staff_user, monkeypatch):
    # 12:30 UTC on 30 March is already 31 March, 01:30, in Auckland
    CompanySettings.objects.update(timezone="Pacific/Auckland")
    from settings_app.calendar import company_timezone_forget

    company_timezone_forget()
    moment = dt.datetime(2025, 3, 30, 12, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    schedule = make_schedule(owner=staff_user, start_date=D(2025, 3, 31))

    services.recurring_run()

    (invoice,) = _invoices(schedule)
    assert invoice.issue_date == D(2025, 3, 31)
