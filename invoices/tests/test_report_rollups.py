"""The report rollups: after any sequence of writes (issue, pay, remove a payment, credit,
void, refund; through the API and the admin) every report, for every scope, "as of" day
and period, equals a brute-force recomputation from the invoices; the rollup rows equal
a rebuild; a rollback takes them back; the aging report's per-invoice list."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from common.tests.factories import CustomerFactory
from common.tests.properties import database_examples
from invoices import services
from invoices.calculation import round_money
from invoices.models import Invoice, Payment, PaymentRollup, ReportRollup
from invoices.rollups import payment_rollup_rows, rollup_rows, rollup_scope
from invoices.selectors import (
    AGING_BUCKETS,
    invoice_aging,
    invoice_aging_invoices,
    invoice_list,
    invoice_summary,
)
from invoices.tests.factories import line, make_draft, make_issued
from invoices.tests.ledger_driver import ledger_rolled_back, write_steps

pytestmark = pytest.mark.django_db
ZERO = Decimal("0")
OPEN = ("issued", "partially_paid")


def _money(value: Decimal, currency: str) -> str:
    return str(round_money(value, currency))


def brute_aging(invoices: list[Invoice], today: dt.date) -> dict:
    """The aging report recomputed document by document."""
    due: dict[str, dict] = {}
    refunds: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for doc in invoices:
        if doc.kind == "credit_note" and doc.status == "issued":
            refunds[doc.currency] += doc.refund_due
            due.setdefault(doc.currency, {})
        if doc.kind != "invoice" or doc.status not in OPEN:
            continue
        row = due.setdefault(doc.currency, {})
        days = (today - doc.due_date).days
        for name, first, last in AGING_BUCKETS:
            if (first is None or days >= first) and (last is None or days <= last):
                amount, count = row.get(name, (ZERO, 0))
                row[name] = (amount + doc.amount_due, count + 1)
    currencies = []
    for currency in sorted(due):
        row = due[currency]
        total = sum((row.get(name, (ZERO, 0))[0] for name, _, _ in AGING_BUCKETS), ZERO)
        currencies.append(
            {
                "currency": currency,
                "total_due": _money(total, currency),
                "invoice_count": sum(row.get(n, (ZERO, 0))[1] for n, _, _ in AGING_BUCKETS),
                "refund_due": _money(refunds[currency], currency),
                "balance": _money(total - refunds[currency], currency),
                "buckets": [
                    {
                        "bucket": name,
                        "amount_due": _money(row.get(name, (ZERO, 0))[0], currency),
                        "invoice_count": row.get(name, (ZERO, 0))[1],
                    }
                    for name, _, _ in AGING_BUCKETS
                ],
            }
        )
    return {"as_of": today.isoformat(), "currencies": currencies}


def brute_summary(invoices, today, date_from=None, date_to=None) -> dict:
    """The summary report recomputed document by document."""
    acc: dict[str, dict] = {}
    for doc in invoices:
        if doc.status == "draft":
            continue
        if (date_from and doc.issue_date < date_from) or (date_to and doc.issue_date > date_to):
            continue
        a = acc.setdefault(doc.currency, defaultdict(lambda: ZERO))
        if doc.kind == "invoice":
            a["invoiced"] += doc.gross_total
            a["net"] += doc.net_total
            a["tax"] += doc.tax_total
            a["paid"] += doc.paid_total
            a["invoice_count"] += 1
            if doc.status in OPEN:
                a["outstanding"] += doc.amount_due
                a["open_count"] += 1
                if doc.due_date < today:
                    a["overdue"] += doc.amount_due
                    a["overdue_count"] += 1
        else:
            a["credited"] += doc.gross_total
            a["net"] -= doc.net_total
            a["tax"] -= doc.tax_total
            a["refunded"] += doc.paid_total
            a["refund_due"] += doc.refund_due
            a["credit_note_count"] += 1
        if doc.status == "void":
            a["void_count"] += 1
    money = (
        "invoiced",
        "credited",
        "net_revenue",
        "tax",
        "paid",
        "refunded",
        "refund_due",
        "outstanding",
        "overdue",
    )
    counts = ("invoice_count", "credit_note_count", "open_count", "overdue_count", "void_count")
    rows = []
    for currency in sorted(acc):
        a = acc[currency]
        a["net_revenue"], a["tax"] = a["net"], a["tax"]
        rows.append(
            {
                "currency": currency,
                **{name: _money(a[name], currency) for name in money},
                **{name: int(a[name]) for name in counts},
            }
        )
    return {
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
        "as_of": today.isoformat(),
        "currencies": rows,
    }


def _live_rollups() -> set[tuple]:
    fields = ("owner_id", "issue_date", "due_date", "currency", "kind", "status", "count")
    sums = ("gross_total", "net_total", "tax_total", "paid_total", "amount_due", "refund_due")
    return {
        tuple(getattr(row, name) for name in (*fields, *sums))
        for row in ReportRollup.objects.filter(count__gt=0)
    }


def _rebuilt_rollups() -> set[tuple]:
    fields = ("owner_id", "issue_date", "due_date", "currency", "kind", "status", "count")
    sums = ("gross_total", "net_total", "tax_total", "paid_total", "amount_due", "refund_due")
    return {
        tuple(getattr(row, name) for name in (*fields, *sums))
        for row in rollup_rows(Invoice.objects.all())
    }


def _payment_rollups(rows) -> set[tuple]:
    fields = ("owner_id", "date", "currency", "kind", "count", "amount")
    return {tuple(getattr(row, name) for name in fields) for row in rows if row.count}


def assert_payment_rollups_match() -> None:
    """The payment rollups (the dashboard's collected money) equal a recomputation."""
    assert _payment_rollups(PaymentRollup.objects.all()) == _payment_rollups(
        payment_rollup_rows(Payment.objects.all())
    )


def assert_reports_match(users, days: list[int], periods) -> None:
    """Every report from the rollups equals its brute-force recomputation."""
    assert _live_rollups() == _rebuilt_rollups()
    assert_payment_rollups_match()
    today = timezone.localdate()
    for user in users:
        scoped = invoice_list(user=user)
        assert rollup_scope(scoped) is not None  # the reports really read the rollups
        documents = list(scoped)
        for offset in days:
            as_of = today + dt.timedelta(days=offset)
            assert invoice_aging(invoices=scoped, today=as_of) == brute_aging(documents, as_of)
            for date_from, date_to in periods:
                assert invoice_summary(
                    invoices=scoped, today=as_of, date_from=date_from, date_to=date_to
                ) == brute_summary(documents, as_of, date_from, date_to)


AS_OF_DAYS = st.lists(st.integers(min_value=-40, max_value=200), min_size=1, max_size=3)
PERIOD = st.tuples(
    st.one_of(st.none(), st.integers(min_value=-5, max_value=5)),
    st.one_of(st.none(), st.integers(min_value=-5, max_value=5)),
)


@database_examples(max_examples=15)
@given(
    steps=write_steps(max_size=12),
    days=AS_OF_DAYS,
    periods=st.lists(PERIOD, min_size=1, max_size=2),
)
def test_reports_equal_a_recomputation_after_any_writes(
    staff_client, admin_client, staff_user, admin_user, other_staff, company, steps, days, periods
):
    today = timezone.localdate()
    spans = [
        (
            None if start is None else today + dt.timedelta(days=start),
            None if end is None else today + dt.timedelta(days=end),
        )
        for start, end in periods
    ]
    with ledger_rolled_back(staff_client, admin_client, staff_user, admin_user) as ledger:
        for operation, pick, fraction, via in steps:
            ledger.step(operation, pick, fraction, via)
        # Someone else's receivable (after the steps: the ledger works on every invoice):
        # in the admin's reports, not in the staff member's.
        make_issued(owner=other_staff, items=[line(unit_price="70.00")])
        assert_reports_match([staff_user, admin_user, other_staff], days, spans)


def test_a_rolled_back_write_leaves_the_rollups_as_they_were(company, staff_user):
    invoice = make_issued(owner=staff_user, items=[line(unit_price="100.00")])
    before = _live_rollups()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.payment_record(invoice=invoice, amount=Decimal("50.00"))
        raise RuntimeError
    assert _live_rollups() == before == _rebuilt_rollups()
    assert_payment_rollups_match()


def test_writes_add_one_statement(company, staff_user):
    """The upkeep is one upsert per write (a payment, a credit note's issue); a payment's
    also moves the payment rollups, in the same statement on PostgreSQL."""
    invoice = make_issued(owner=staff_user, items=[line(unit_price="100.00")])
    with CaptureQueriesContext(connection) as queries:
        services.payment_record(invoice=invoice, amount=Decimal("10.00"))
    note = services.invoice_credit_note_create(invoice=invoice)
    with CaptureQueriesContext(connection) as issue_queries:
        services.invoice_issue(invoice=note)
    for captured in (queries, issue_queries):
        upserts = [q["sql"] for q in captured if "invoices_reportrollup" in q["sql"]]
        assert len(upserts) == 1 and upserts[0].startswith(("INSERT", "WITH"))
    payment_upserts = [q["sql"] for q in queries if "invoices_paymentrollup" in q["sql"]]
    if connection.vendor == "postgresql":
        assert payment_upserts == upserts_of(queries)  # the one statement
    else:
        assert len(payment_upserts) == 1
    assert _live_rollups() == _rebuilt_rollups()
    assert_payment_rollups_match()


def upserts_of(captured) -> list[str]:
    return [q["sql"] for q in captured if "invoices_reportrollup" in q["sql"]]


def test_rebuild_command_repairs_the_rollups(company, staff_user, other_staff):
    invoice = make_issued(owner=staff_user, items=[line(unit_price="100.00")])
    services.payment_record(invoice=invoice, amount=Decimal("19.00"))
    make_issued(owner=other_staff, items=[line(unit_price="5.00")])
    make_draft(owner=staff_user)
    expected = _live_rollups()
    ReportRollup.objects.update(amount_due=Decimal("12345"))  # damaged
    ReportRollup.objects.create(
        owner=staff_user,
        issue_date=dt.date(2020, 1, 1),
        due_date=dt.date(2020, 1, 1),
        currency="EUR",
        kind="invoice",
        status="issued",
        count=3,
    )
    call_command("rebuild_report_rollups", verbosity=0)
    assert _live_rollups() == expected
    ReportRollup.objects.filter(owner=other_staff).delete()
    call_command("rebuild_report_rollups", "--owner", str(other_staff.id), verbosity=0)
    assert _live_rollups() == expected
    PaymentRollup.objects.update(amount=Decimal("1"))  # damaged
    call_command("rebuild_report_rollups", "--owner", str(staff_user.id), verbosity=0)
    assert_payment_rollups_match()
    assert PaymentRollup.objects.get().amount == Decimal("19.00")


def test_reports_of_other_querysets_sum_the_invoices(company, staff_user):
    """A queryset that is no report scope (one customer) is summed from the invoices."""
    customer = CustomerFactory(owner=staff_user, payment_terms_days=0)
    make_issued(owner=staff_user, customer=customer, items=[line(unit_price="100.00")])
    make_issued(owner=staff_user, items=[line(unit_price="1.00")])
    mine = invoice_list(user=staff_user).filter(customer_id=customer.id)
    assert rollup_scope(mine) is None
    assert rollup_scope(invoice_list(user=staff_user).exclude(owner_id=staff_user.id)) is None
    today = timezone.localdate()
    aging = invoice_aging(invoices=mine, today=today)
    assert aging == brute_aging(list(mine), today)
    assert aging["currencies"][0]["total_due"] == "119.00"


# --- the aging report's per-invoice list (issue 16) -------------------------------------


def _overdue_by(owner, days: int, price: str, **kwargs) -> Invoice:
    customer = CustomerFactory(owner=owner, payment_terms_days=0, name=f"Buyer {days}")
    issue_date = timezone.localdate() - dt.timedelta(days=days)
    return make_issued(
        owner=owner, customer=customer, items=[line(unit_price=price)], issue_date=issue_date
    )


def test_aging_lists_open_invoices_with_their_reminder_level(staff_client, company, staff_user):
    old = _overdue_by(staff_user, 40, "100.00")
    services.payment_record(invoice=old, amount=Decimal("19.00"))
    Invoice.objects.filter(pk=old.pk).update(reminder_level=2)
    paid = _overdue_by(staff_user, 20, "10.00")  # issued in date order: chronological numbers
    services.payment_record(invoice=paid, amount=paid.gross_total)
    recent = _overdue_by(staff_user, 0, "10.00")

    plain = staff_client.get("/api/reports/aging/").json()
    assert "invoices" not in plain
    body = staff_client.get("/api/reports/aging/?include=invoices").json()

    assert {k: v for k, v in body.items() if k not in ("invoices", "invoices_truncated")} == plain
    assert body["invoices_truncated"] is False
    assert body["invoices"] == [
        {
            "id": old.id,
            "number": old.number,
            "customer": {"id": old.customer_id, "name": "Buyer 40"},
            "currency": "EUR",
            "due_date": old.due_date.isoformat(),
            "days_overdue": 40,
            "amount_due": "100.00",
            "bucket": "31_60",
            "last_reminder_level": 2,
        },
        {
            "id": recent.id,
            "number": recent.number,
            "customer": {"id": recent.customer_id, "name": "Buyer 0"},
            "currency": "EUR",
            "due_date": recent.due_date.isoformat(),
            "days_overdue": 0,
            "amount_due": "11.90",
            "bucket": "current",
            "last_reminder_level": 0,
        },
    ]


def test_aging_invoice_list_is_bounded_and_scoped(
    staff_client, other_client, company, staff_user, django_assert_max_num_queries
):
    for days in (3, 2, 1):
        _overdue_by(staff_user, days, "1.00")
    listed, truncated = invoice_aging_invoices(
        invoices=invoice_list(user=staff_user), today=timezone.localdate(), limit=2
    )
    assert [row["days_overdue"] for row in listed] == [3, 2] and truncated is True
    assert other_client.get("/api/reports/aging/?include=invoices").json()["invoices"] == []
    # the report's two grouped queries and the list's one, besides auth and throttling
    with django_assert_max_num_queries(6):
        body = staff_client.get("/api/reports/aging/?include=invoices").json()
    assert len(body["invoices"]) == 3 and body["invoices_truncated"] is False


def test_aging_include_refuses_unknown_values(staff_client, company):
    response = staff_client.get("/api/reports/aging/?include=customers")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "include" in response.json()["error"]["details"]


# --- the invoice list's search (issue 18: by id lists, not an OR across the join) -------


@pytest.mark.parametrize("at_most", [1000, 0])
def test_search_finds_numbers_and_customer_names_either_way(
    staff_client, company, staff_user, monkeypatch, at_most
):
    """The same answers whether the customers are named by id or joined (too many)."""
    from invoices import filters

    monkeypatch.setattr(filters, "SEARCH_CUSTOMERS_AT_MOST", at_most)
    monkeypatch.setattr(filters, "SEARCH_CUSTOMERS_LISTED", min(at_most, 20))
    alpha = CustomerFactory(owner=staff_user, name="Alpha Tools GmbH")
    beta = CustomerFactory(owner=staff_user, name="Beta Works")
    first = make_issued(owner=staff_user, customer=alpha, items=[line()])
    second = make_issued(owner=staff_user, customer=beta, items=[line()])
    draft = make_draft(owner=staff_user, customer=alpha)

    def ids(query: str) -> list[int]:
        response = staff_client.get(f"/api/invoices/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("search=alpha") == [draft.id, first.id]
    assert ids(f"search={second.number}") == [second.id]
    assert ids("search=works") == [second.id]
    assert ids("search=tools+gmbh") == [draft.id, first.id]  # every term must match
    assert ids("search=alpha+works") == []
    assert ids("search=nobody") == []
