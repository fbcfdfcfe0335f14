"""`GET /api/payments/`: payments across invoices, scoped by the invoices' owner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from common.tests.factories import CustomerFactory
from invoices import services
from invoices.tests.factories import make_issued

pytestmark = pytest.mark.django_db

URL = "/api/payments/"


@pytest.fixture
def ledger(company, staff_user, other_staff):
    """Two customers of staff with payments on three dates, one of another user."""
    acme = CustomerFactory(owner=staff_user, name="Acme")
    beta = CustomerFactory(owner=staff_user, name="Beta")
    first = make_issued(owner=staff_user, customer=acme, issue_date=dt.date(2026, 1, 5))
    second = make_issued(owner=staff_user, customer=beta, issue_date=dt.date(2026, 1, 5))
    theirs = make_issued(owner=other_staff, issue_date=dt.date(2026, 1, 5))
    pay = services.payment_record
    return {
        "jan": pay(invoice=first, amount=Decimal("10.00"), date=dt.date(2026, 1, 10)),
        "feb": pay(
            invoice=first, amount=Decimal("20.50"), date=dt.date(2026, 2, 10), method="card"
        ),
        "mar": pay(
            invoice=second,
            amount=Decimal("30.00"),
            date=dt.date(2026, 3, 10),
            method="cash",
            reference="Till 4",
        ),
        "theirs": pay(invoice=theirs, amount=Decimal("5.00"), date=dt.date(2026, 1, 20)),
        "first": first,
        "acme": acme,
    }


def _ids(client, query: str = "") -> list[int]:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_staff_see_their_invoices_payments_newest_first(staff_client, ledger):
    response = staff_client.get(URL)

    assert response.status_code == 200
    assert response.json()["count"] == 3
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [ledger[k].pk for k in ("mar", "feb", "jan")]
    assert rows[0] == {
        "id": ledger["mar"].pk,
        "invoice": ledger["mar"].invoice_id,
        "amount": "30.00",
        "date": "2026-03-10",
        "method": "cash",
        "reference": "Till 4",
        "created_at": rows[0]["created_at"],
        "currency": "EUR",
        "invoice_number": ledger["mar"].invoice.number,
        "invoice_kind": "invoice",
        "customer": ledger["mar"].invoice.customer_id,
        "customer_name": "Beta",
    }


def test_admins_see_every_payment(admin_client, ledger):
    assert ledger["theirs"].pk in _ids(admin_client)
    assert len(_ids(admin_client)) == 4


def test_another_users_payments_stay_out(other_client, ledger):
    assert _ids(other_client) == [ledger["theirs"].pk]
    assert _ids(other_client, f"invoice={ledger['first'].pk}") == []


def test_filters(staff_client, ledger):
    p = {k: v.pk for k, v in ledger.items() if hasattr(v, "amount")}

    assert _ids(staff_client, "date_from=2026-02-01") == [p["mar"], p["feb"]]
    assert _ids(staff_client, "date_to=2026-02-10") == [p["feb"], p["jan"]]
    assert _ids(staff_client, "date_from=2026-02-10&date_to=2026-02-10") == [p["feb"]]
    assert _ids(staff_client, "method=card&method=cash") == [p["mar"], p["feb"]]
    assert _ids(staff_client, f"customer={ledger['acme'].pk}") == [p["feb"], p["jan"]]
    assert _ids(staff_client, f"invoice={ledger['first'].pk}") == [p["feb"], p["jan"]]
    assert _ids(staff_client, "search=till") == [p["mar"]]
    assert _ids(staff_client, "ordering=amount") == [p["jan"], p["feb"], p["mar"]]


@pytest.mark.parametrize(
    "query",
    ["date_from=2026-13-01", "method=bitcoin", "customer=abc", "invoice=\u0661", "ordering=x"],
)
def test_bad_filters_are_400(staff_client, ledger, query):
    response = staff_client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_a_refund_on_a_credit_note_is_listed_as_such(staff_client, staff_user, ledger):
    invoice = ledger["first"]
    services.payment_record(invoice=invoice, amount=invoice.amount_due - Decimal("30.50"))
    note = services.invoice_credit_note_create(invoice=invoice)
    services.invoice_update_draft(
        invoice=note,
        items=[{"description": "Refund", "quantity": 1, "unit_price": Decimal("10")}],
    )
    note = services.invoice_issue(invoice=note)
    refund = services.payment_record(invoice=note, amount=Decimal("11.90"))

    row = staff_client.get(f"{URL}?invoice={note.pk}").json()["results"][0]

    assert (row["id"], row["invoice_kind"], row["amount"]) == (refund.pk, "credit_note", "11.90")


@pytest.mark.parametrize("extra", [0, 40])
def test_list_queries_do_not_grow(
    staff_client, ledger, staff_user, extra, django_assert_max_num_queries
):
    invoice = make_issued(owner=staff_user, issue_date=dt.date(2026, 1, 5))
    for _ in range(extra):
        services.payment_record(invoice=invoice, amount=Decimal("0.10"), date=dt.date(2026, 1, 6))

    with django_assert_max_num_queries(4):  # user, token state, count, page
        response = staff_client.get(f"{URL}?page_size=100")

    assert len(response.json()["results"]) == 3 + extra


def test_anonymous_is_401(api_client, ledger):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
