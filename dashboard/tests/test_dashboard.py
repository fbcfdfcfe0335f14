"""The admin index's dashboard: the reports' figures, in the user's scope, in a bounded
number of queries."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import RefreshToken

from common.tests.factories import CustomerFactory
from dashboard import charts
from dashboard.selectors import dashboard_figures, dashboard_months, month_starts
from invoices import services
from invoices.selectors import invoice_list
from invoices.tests.factories import line, make_draft, make_issued
from settings_app.calendar import company_today

pytestmark = pytest.mark.django_db


def _book(owner, *, today: dt.date) -> dict[str, object]:
    """EUR: one invoice 80 days overdue (119.00), one current (238.00) half paid;
    USD: one 10 days overdue (100.00, 0 % tax); a draft (never counted)."""
    eur = CustomerFactory(owner=owner, name="Euro Buyer", currency="EUR")
    big = CustomerFactory(owner=owner, name="Big Buyer", currency="EUR")
    usd = CustomerFactory(owner=owner, name="Dollar Buyer", currency="USD")
    series = f"T{owner.id}"  # each owner's own: issue dates stay chronological per series
    late = make_issued(
        owner=owner,
        series=series,
        customer=eur,
        issue_date=today - dt.timedelta(days=94),
        due_date=today - dt.timedelta(days=80),
    )
    usd_late = make_issued(
        owner=owner,
        series=series,
        customer=usd,
        currency="USD",
        items=[line(tax_rate="0", tax_category="Z")],
        issue_date=today - dt.timedelta(days=40),
        due_date=today - dt.timedelta(days=10),
    )
    current = make_issued(
        owner=owner, series=series, customer=big, items=[line(quantity="2")], issue_date=today
    )
    services.payment_record(invoice=current, amount=Decimal("38.00"), date=today)
    make_draft(owner=owner, customer=eur)
    return {"late": late, "usd_late": usd_late, "current": current}


def _admin_index(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def _api(user, path: str) -> dict:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    response = client.get(path)
    assert response.status_code == 200
    return response.json()


def _amounts(html: str, css_class: str) -> dict[str, str]:
    """{currency: data-amount} of the totals table's cells of a class."""
    found = {}
    for currency, row in re.findall(r'<tr data-currency="(\w+)">(.*?)</tr>', html, re.S):
        found[currency] = re.search(rf'class="{css_class}" data-amount="([^"]+)"', row).group(1)
    return found


def test_totals_and_aging_equal_the_reports(company, staff_user, other_staff):
    today = company_today()
    _book(staff_user, today=today)
    _book(other_staff, today=today)  # someone else's: not in staff's figures

    html = _admin_index(staff_user)
    summary = _api(staff_user, "/api/reports/summary/")
    aging = _api(staff_user, "/api/reports/aging/")

    outstanding = {row["currency"]: row["outstanding"] for row in summary["currencies"]}
    assert outstanding == {"EUR": "319.00", "USD": "100.00"}  # 119 + 238 - 38; 100
    assert _amounts(html, "outstanding") == outstanding
    assert (
        _amounts(html, "overdue")
        == {row["currency"]: row["overdue"] for row in summary["currencies"]}
        == {"EUR": "119.00", "USD": "100.00"}
    )
    for row in aging["currencies"]:
        section = re.search(
            rf'class="dashboard-card aging" data-currency="{row["currency"]}">(.*?)</section>',
            html,
            re.S,
        ).group(1)
        bars = re.findall(r'data-value="([^"]+)"', section)
        assert bars == [bucket["amount_due"] for bucket in row["buckets"]]
    assert "Dollar Buyer" in html and html.count("Euro Buyer") == 2  # debtor + overdue row


def test_admins_see_everyones_figures(company, admin_user, staff_user, other_staff):
    today = company_today()
    _book(staff_user, today=today)
    _book(other_staff, today=today)

    html = _admin_index(admin_user)

    assert _amounts(html, "outstanding") == {"EUR": "638.00", "USD": "200.00"}


def test_lists_and_months(company, staff_user):
    today = company_today()
    booked = _book(staff_user, today=today)

    figures = dashboard_figures(user=staff_user, today=today)

    debtors = [
        (row["customer__name"], row["currency"], row["amount_due"]) for row in figures["debtors"]
    ]
    assert debtors == [
        ("Big Buyer", "EUR", Decimal("200.00")),
        ("Euro Buyer", "EUR", Decimal("119.00")),
        ("Dollar Buyer", "USD", Decimal("100.00")),
    ]
    overdue = [(row["id"], row["days_overdue"]) for row in figures["overdue"]]
    assert overdue == [(booked["late"].id, 80), (booked["usd_late"].id, 10)]
    this_month = figures["months"][-1]
    assert this_month["start"] == today.replace(day=1)
    assert this_month["invoiced"]["EUR"] == Decimal("238.00") + (
        Decimal("119.00") if (today - dt.timedelta(days=94)).month == today.month else 0
    )
    assert {k: str(v) for k, v in this_month["collected"].items()} == {"EUR": "38.00"}
    assert len(figures["months"]) == 12


def test_collected_from_the_rollups_equals_the_payments(company, staff_user, admin_user):
    """The months' "collected" (payment rollups for a report scope) equals the payments
    summed directly, after payments, a removed payment and a refund."""
    today = company_today()
    booked = _book(staff_user, today=today)
    _book(admin_user, today=today)
    late = booked["late"]
    kept = services.payment_record(invoice=late, amount=Decimal("9.00"), date=today)
    removed = services.payment_record(invoice=late, amount=Decimal("5.00"), date=today)
    services.payment_delete(payment=removed)
    note = services.invoice_credit_note_create(invoice=late)
    services.invoice_issue(invoice=note)  # credits the rest, 9.00 are owed back
    refunded = services.payment_record(
        invoice=type(note).objects.get(pk=note.pk), amount=Decimal("4.00"), date=today
    )
    assert kept.pk and refunded.pk
    for user in (staff_user, admin_user):
        scoped = invoice_list(user=user)
        months = dashboard_months(invoices=scoped, today=today)
        assert months == dashboard_months(invoices=scoped.filter(pk__gt=0), today=today)
    mine = dashboard_months(invoices=invoice_list(user=staff_user), today=today)[-1]
    assert mine["collected"] == {"EUR": Decimal("47.00")}  # 38 + 9, refunds aside


def test_debtors_are_the_customers_balances_per_currency(company, staff_user, other_staff):
    today = company_today()
    _book(staff_user, today=today)
    _book(other_staff, today=today)
    rows = dashboard_figures(user=staff_user, today=today)["debtors"]
    assert [(r["customer__name"], r["currency"]) for r in rows] == [
        ("Big Buyer", "EUR"),
        ("Euro Buyer", "EUR"),
        ("Dollar Buyer", "USD"),
    ]
    balances = {r["customer_id"]: r["amount_due"] for r in rows}
    customers = type(staff_user).objects.get(pk=staff_user.pk).customers.all()
    assert balances == {c.id: c.balance_due for c in customers if c.balance_due > 0}


def test_index_query_count_does_not_grow_with_the_data(company, staff_user):
    today = company_today()
    _book(staff_user, today=today)
    client = Client()
    client.force_login(staff_user)
    client.get("/admin/")  # the time zone, read anew per test, is kept from here on

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/admin/")
        assert response.status_code == 200
        return len(captured.captured_queries)

    before = queries()
    for _ in range(5):
        make_issued(
            owner=staff_user,
            issue_date=today - dt.timedelta(days=3),
            due_date=today - dt.timedelta(days=1),
        )
    after = queries()

    # session, user, summary + 12 monthly summaries, 2 aging, payments, debtors, overdue,
    # and the admin's own (two for the app list's permissions, recent actions)
    assert before == after == 23
    assert '<tr data-invoice="' in client.get("/admin/").content.decode()


def test_month_starts_cross_the_year():
    assert month_starts(dt.date(2026, 2, 15), count=3) == [
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]


def test_chart_axis_and_escaping():
    svg = charts.bar_chart(
        [charts.Group("<b>", [charts.Bar(Decimal("730.50"), 'a "title"', "/x?a=1&b=2")])],
        label="L",
    )

    assert charts.nice_ceiling(Decimal("730.50")) == Decimal("1000")
    assert charts.nice_ceiling(Decimal("180")) == Decimal("200")
    assert charts.short_amount(Decimal("1500")) == "1.5k"
    assert "&lt;b&gt;" in svg and "/x?a=1&amp;b=2" in svg and "<b>" not in svg
    assert 'data-value="730.50"' in svg


def test_every_link_opens_its_admin_list(company, staff_user):
    today = company_today()
    booked = _book(staff_user, today=today)
    client = Client()
    client.force_login(staff_user)
    html = client.get("/admin/").content.decode()
    panel = html[html.index('<div id="dashboard">') : html.index('<div id="content-main">')]

    links = set(re.findall(r'href="(/admin/[^"]+)"', panel))
    late_bucket = next(
        link
        for link in links
        if "due_date__gte" in link
        and "due_date__lte" in link
        and "EUR" in link
        and (today - dt.timedelta(days=90)).isoformat() in link
    )

    assert len(links) > 10
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
    # the 61-90 days bar of EUR lists exactly the invoice 80 days overdue
    rows = client.get(late_bucket.replace("&amp;", "&")).content.decode()
    assert booked["late"].number in rows and booked["current"].number not in rows
