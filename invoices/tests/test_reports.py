"""Aging and summary reports: exact amounts per bucket and currency, owner scoping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from common.tests.factories import CustomerFactory
from invoices import services
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db


def _issued_days_overdue(owner, days: int, price: str, currency: str = "EUR"):
    """An invoice (price + 19%) whose due date lies `days` days before today."""
    customer = CustomerFactory(owner=owner, payment_terms_days=0, currency=currency)
    issue_date = timezone.localdate() - dt.timedelta(days=days)
    return make_issued(
        owner=owner, customer=customer, items=[line(unit_price=price)], issue_date=issue_date
    )


@pytest.fixture
def receivables(company, staff_user, other_staff):
    # Oldest first: numbers follow the issue dates.
    _issued_days_overdue(staff_user, 120, "500.00")
    _issued_days_overdue(staff_user, 75, "400.00")
    paid = _issued_days_overdue(staff_user, 50, "1000.00")
    services.payment_record(invoice=paid, amount=paid.gross_total)  # no longer open
    _issued_days_overdue(staff_user, 45, "300.00")
    late_10 = _issued_days_overdue(staff_user, 10, "200.00")
    services.payment_record(invoice=late_10, amount=Decimal("38.00"))  # 238 - 38 = 200
    _issued_days_overdue(other_staff, 10, "7777.00")  # not staff's
    services.invoice_void(invoice=_issued_days_overdue(staff_user, 5, "9.00"), reason="x")
    _issued_days_overdue(staff_user, 3, "1000", currency="JPY")
    current = _issued_days_overdue(staff_user, 0, "100.00")  # due today: not overdue
    make_draft(owner=staff_user)
    return current


def test_aging_buckets(staff_client, receivables):
    body = staff_client.get("/api/reports/aging/").json()

    assert body["as_of"] == timezone.localdate().isoformat()
    eur, jpy = body["currencies"]
    assert (eur["currency"], eur["total_due"], eur["invoice_count"]) == ("EUR", "1747.00", 5)
    assert [(b["bucket"], b["amount_due"], b["invoice_count"]) for b in eur["buckets"]] == [
        ("current", "119.00", 1),
        ("1_30", "200.00", 1),
        ("31_60", "357.00", 1),
        ("61_90", "476.00", 1),
        ("over_90", "595.00", 1),
    ]
    assert (jpy["currency"], jpy["total_due"]) == ("JPY", "1190")
    assert jpy["buckets"][1] == {"bucket": "1_30", "amount_due": "1190", "invoice_count": 1}


def test_summary(staff_client, receivables):
    body = staff_client.get("/api/reports/summary/").json()

    eur = body["currencies"][0]
    assert eur == {
        "currency": "EUR",
        # 119 + 238 + 357 + 476 + 595 + 1190 (paid) + 10.71 (void: its cancellation
        # credit note credits the same 10.71)
        "invoiced": "2985.71",
        "credited": "10.71",
        "net_revenue": "2500.00",
        "tax": "475.00",
        "paid": "1228.00",
        "refunded": "0.00",
        "refund_due": "0.00",
        "outstanding": "1747.00",
        "overdue": "1628.00",
        "invoice_count": 7,
        "credit_note_count": 1,
        "open_count": 5,
        "overdue_count": 4,
        "void_count": 1,
    }


def test_summary_period_and_credit_notes(staff_client, company, staff_user):
    invoice = make_issued(owner=staff_user, issue_date=dt.date(2026, 3, 10))
    services.invoice_issue(
        invoice=services.invoice_credit_note_create(invoice=invoice),
        issue_date=dt.date(2026, 3, 20),
    )
    make_issued(owner=staff_user, issue_date=dt.date(2026, 5, 1))

    march = staff_client.get("/api/reports/summary/?date_from=2026-03-01&date_to=2026-03-31")
    eur = march.json()["currencies"][0]
    assert (eur["invoiced"], eur["credited"], eur["net_revenue"], eur["tax"]) == (
        "119.00",
        "119.00",
        "0.00",
        "0.00",
    )
    bad = staff_client.get("/api/reports/summary/?date_from=2026-04-01&date_to=2026-03-01")
    assert bad.status_code == 400
    assert "date_to" in bad.json()["error"]["details"]


def test_admin_sees_everyones_receivables(admin_client, receivables):
    eur = admin_client.get("/api/reports/aging/").json()["currencies"][0]

    assert eur["total_due"] == "11001.63"  # 1747.00 + 7777 x 1.19 = 9254.63


def test_reports_cost_one_query(staff_client, receivables, django_assert_max_num_queries):
    # the grouped query (aging: and the refunds due), the user's row unless the shared
    # cache holds it, the company's time zone (read anew per test, kept per process else)
    with django_assert_max_num_queries(4):
        staff_client.get("/api/reports/aging/")
    with django_assert_max_num_queries(3):
        staff_client.get("/api/reports/summary/")
