"""One truth for money: credit notes settle their invoice, cancellation is a document,
and every figure a user reads (invoice, credit note, customer, aging) tells the same."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from common.tests.factories import CustomerFactory
from customers.models import Customer
from invoices.models import Invoice, NumberSequence
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db
URL = "/api/invoices/"


def _gross_1212(staff_user, customer=None):
    # 1018.49 + 19 % (193.51) = 1212.00, the invoice of the demo story
    return make_issued(owner=staff_user, customer=customer, items=[line(unit_price="1018.49")])


def _issue(client, draft_id: int, **body):
    return client.post(f"{URL}{draft_id}/issue/", body or None, format="json")


def _credit_in_full(client, invoice_id: int) -> dict:
    draft = client.post(f"{URL}{invoice_id}/credit-note/")
    assert draft.status_code == 201
    issued = _issue(client, draft.json()["id"])
    assert issued.status_code == 200, issued.json()
    return issued.json()


def _balance(customer_id: int) -> Decimal:
    return Customer.all_objects.get(pk=customer_id).balance_due


def test_a_credit_note_after_a_payment_settles_and_owes_the_excess_back(
    staff_client, staff_user, company
):
    # given INV (1212.00) paid 500.00
    invoice = _gross_1212(staff_user)
    assert (
        staff_client.post(f"{URL}{invoice.id}/payments/", {"amount": "500.00"}).status_code == 201
    )

    # when it is credited in full
    credit_note = _credit_in_full(staff_client, invoice.id)

    # then the invoice owes nothing, the credit note owes 500.00 back, and every figure agrees
    body = staff_client.get(f"{URL}{invoice.id}/").json()
    assert (body["status"], body["paid_total"], body["credited_total"], body["amount_due"]) == (
        "paid",
        "500.00",
        "1212.00",
        "0.00",
    )
    assert body["credit_notes"] == [
        {
            "id": credit_note["id"],
            "number": "CN-2026-00001",
            "issue_date": credit_note["issue_date"],
            "gross_total": "1212.00",
        }
    ]
    assert (credit_note["status"], credit_note["refund_due"], credit_note["amount_due"]) == (
        "issued",
        "500.00",
        "0.00",
    )
    assert _balance(invoice.customer_id) == Decimal("-500.00")
    aging = staff_client.get("/api/reports/aging/").json()["currencies"][0]
    assert (aging["total_due"], aging["refund_due"], aging["balance"]) == (
        "0.00",
        "500.00",
        "-500.00",
    )
    assert aging["buckets"][0] == {"bucket": "current", "amount_due": "0.00", "invoice_count": 0}

    # when the refund is paid out as a payment on the credit note
    refund = staff_client.post(
        f"{URL}{credit_note['id']}/payments/", {"amount": "500.00", "method": "bank_transfer"}
    )
    assert refund.status_code == 201
    credit_note = staff_client.get(f"{URL}{credit_note['id']}/").json()
    assert (credit_note["status"], credit_note["refund_due"], credit_note["paid_total"]) == (
        "paid",
        "0.00",
        "500.00",
    )
    assert _balance(invoice.customer_id) == Decimal("0.00")
    summary = staff_client.get("/api/reports/summary/").json()["currencies"][0]
    assert (summary["refunded"], summary["refund_due"], summary["outstanding"]) == (
        "500.00",
        "0.00",
        "0.00",
    )


def test_a_refund_larger_than_what_is_owed_back_is_refused(staff_client, staff_user, company):
    invoice = _gross_1212(staff_user)
    staff_client.post(f"{URL}{invoice.id}/payments/", {"amount": "500.00"})
    credit_note = _credit_in_full(staff_client, invoice.id)

    refused = staff_client.post(f"{URL}{credit_note['id']}/payments/", {"amount": "500.01"})

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "payment_exceeds_refund_due"
    assert refused.json()["error"]["details"] == {"refund_due": "500.00"}
    assert Invoice.objects.get(pk=credit_note["id"]).payments.count() == 0


def test_a_partial_credit_lowers_the_amount_due(staff_client, staff_user, company):
    invoice = make_issued(owner=staff_user)  # 119.00
    draft = staff_client.post(f"{URL}{invoice.id}/credit-note/").json()
    staff_client.patch(
        f"{URL}{draft['id']}/",
        {"items": [{"description": "Goodwill", "quantity": "1", "unit_price": "50.00"}]},
        format="json",
    )
    credit_note = _issue(staff_client, draft["id"]).json()

    body = staff_client.get(f"{URL}{invoice.id}/").json()
    assert (body["status"], body["credited_total"], body["amount_due"]) == (
        "issued",
        "59.50",
        "59.50",
    )
    # fully allocated to its invoice: nothing to give back
    assert (credit_note["status"], credit_note["refund_due"]) == ("paid", "0.00")
    assert _balance(invoice.customer_id) == Decimal("59.50")

    over = staff_client.post(f"{URL}{invoice.id}/payments/", {"amount": "59.51"})
    assert (over.status_code, over.json()["error"]["code"]) == (409, "payment_exceeds_amount_due")
    staff_client.post(f"{URL}{invoice.id}/payments/", {"amount": "59.50"})
    body = staff_client.get(f"{URL}{invoice.id}/").json()
    assert (body["status"], body["amount_due"]) == ("paid", "0.00")
    assert _balance(invoice.customer_id) == Decimal("0.00")


def test_credited_in_full_without_payment_is_credited(staff_client, staff_user, company):
    invoice = make_issued(owner=staff_user)

    _credit_in_full(staff_client, invoice.id)

    body = staff_client.get(f"{URL}{invoice.id}/").json()
    assert (body["status"], body["amount_due"], body["is_overdue"]) == ("credited", "0.00", False)
    refused = staff_client.post(f"{URL}{invoice.id}/payments/", {"amount": "1.00"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "invoice_not_payable")
    again = staff_client.post(f"{URL}{invoice.id}/credit-note/")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "credit_exceeds_invoice")
    assert _balance(invoice.customer_id) == Decimal("0.00")


# --- cancellation is a document ---------------------------------------------------------


def test_void_issues_a_cancellation_credit_note_in_the_same_transaction(
    staff_client, staff_user, company
):
    invoice = make_issued(owner=staff_user)

    response = staff_client.post(f"{URL}{invoice.id}/void/", {"reason": "Wrong customer"})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["amount_due"], body["credited_total"]) == (
        "void",
        "0.00",
        "119.00",
    )
    assert body["void_reason"] == "Wrong customer"
    [reference] = body["credit_notes"]
    assert (reference["number"], reference["gross_total"]) == ("CN-2026-00001", "119.00")
    cancellation = staff_client.get(f"{URL}{reference['id']}/").json()
    assert (cancellation["kind"], cancellation["credited_invoice"]) == ("credit_note", invoice.id)
    assert "Wrong customer" in cancellation["notes"]
    assert cancellation["status"] == "paid"  # nothing to give back
    # the original's content never changes
    assert (body["number"], body["gross_total"], len(body["items"])) == (
        invoice.number,
        "119.00",
        1,
    )
    # counted once: the void invoice and its cancellation cancel out
    assert _balance(invoice.customer_id) == Decimal("0.00")
    customer = Customer.objects.get(pk=invoice.customer_id)
    assert (customer.total_invoiced, customer.total_paid) == (Decimal("0"), Decimal("0"))


def test_void_credits_only_what_earlier_credit_notes_left(staff_client, staff_user, company):
    invoice = make_issued(
        owner=staff_user,
        items=[line(unit_price="100.00"), line(unit_price="50.00", tax_rate="7.00")],
    )  # 119.00 + 53.50 = 172.50
    draft = staff_client.post(f"{URL}{invoice.id}/credit-note/").json()
    staff_client.patch(
        f"{URL}{draft['id']}/",
        {"items": [{"description": "Part", "quantity": "1", "unit_price": "40.00"}]},
        format="json",
    )
    _issue(staff_client, draft["id"])  # 47.60 credited

    body = staff_client.post(f"{URL}{invoice.id}/void/", {"reason": "Cancelled"}).json()

    assert (body["status"], body["credited_total"], body["amount_due"]) == (
        "void",
        "172.50",
        "0.00",
    )
    cancellation = Invoice.objects.get(pk=body["credit_notes"][1]["id"])
    assert cancellation.gross_total == Decimal("124.90")
    assert _balance(invoice.customer_id) == Decimal("0.00")


def test_void_is_refused_with_payments_or_when_nothing_is_left(staff_client, staff_user, company):
    paid = make_issued(owner=staff_user)
    staff_client.post(f"{URL}{paid.id}/payments/", {"amount": "1.00"})
    credited = make_issued(owner=staff_user)
    _credit_in_full(staff_client, credited.id)
    voided = make_issued(owner=staff_user)
    staff_client.post(f"{URL}{voided.id}/void/", {"reason": "x"})
    numbers_before = list(NumberSequence.objects.values_list("series", "last_value"))

    for invoice in (paid, credited, voided):
        refused = staff_client.post(f"{URL}{invoice.id}/void/", {"reason": "again"})
        assert refused.status_code == 409, invoice
        assert refused.json()["error"]["code"] == "invoice_not_voidable"

    assert list(NumberSequence.objects.values_list("series", "last_value")) == numbers_before
    assert Invoice.objects.filter(kind="credit_note").count() == 2


def test_a_credit_note_cannot_be_voided(staff_client, staff_user, company):
    invoice = make_issued(owner=staff_user)
    credit_note = _credit_in_full(staff_client, invoice.id)

    refused = staff_client.post(f"{URL}{credit_note['id']}/void/", {"reason": "x"})

    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "invoice_not_voidable")


# --- credit notes belong to their invoice -----------------------------------------------


def test_kind_is_fixed_after_creation(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user)
    draft = staff_client.post(
        URL,
        {
            "customer": customer.id,
            "items": [{"description": "x", "quantity": "1", "unit_price": "1"}],
        },
        format="json",
    ).json()

    response = staff_client.patch(f"{URL}{draft['id']}/", {"kind": "credit_note"}, format="json")

    assert response.status_code == 400
    assert "kind" in response.json()["error"]["details"]
    assert Invoice.objects.get(pk=draft["id"]).kind == "invoice"


def test_a_credit_note_keeps_the_customer_of_its_invoice(staff_client, staff_user, company):
    invoice = make_issued(owner=staff_user)
    stranger = CustomerFactory(owner=staff_user)
    draft = staff_client.post(f"{URL}{invoice.id}/credit-note/").json()

    response = staff_client.patch(f"{URL}{draft['id']}/", {"customer": stranger.id}, format="json")

    assert response.status_code == 400
    assert "customer" in response.json()["error"]["details"]
    assert Invoice.objects.get(pk=draft["id"]).customer_id == invoice.customer_id
    assert Customer.objects.get(pk=stranger.pk).balance_due == 0


def test_stand_alone_credit_notes_only_in_the_credit_note_series(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user)
    body = {
        "customer": customer.id,
        "kind": "credit_note",
        "items": [{"description": "Refund", "quantity": "1", "unit_price": "10.00"}],
    }

    refused = staff_client.post(URL, {**body, "series": "INV"}, format="json")
    created = staff_client.post(URL, body, format="json")

    assert refused.status_code == 400
    assert "series" in refused.json()["error"]["details"]
    assert created.status_code == 201
    issued = _issue(staff_client, created.json()["id"]).json()
    assert (issued["number"], issued["status"], issued["refund_due"]) == (
        "CN-2026-00001",
        "issued",
        "11.90",
    )
    assert _balance(customer.id) == Decimal("-11.90")


def test_staff_cannot_credit_another_staff_members_invoice(staff_client, other_staff, company):
    theirs = make_issued(owner=other_staff)

    response = staff_client.post(f"{URL}{theirs.id}/credit-note/")

    assert response.status_code == 404
    assert not Invoice.objects.filter(kind="credit_note").exists()


# --- dates follow the law of the numbering ----------------------------------------------


@pytest.mark.parametrize("date", ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"])
def test_dates_outside_the_century_are_400(staff_client, staff_user, company, date):
    customer = CustomerFactory(owner=staff_user)

    response = staff_client.post(
        URL, {"customer": customer.id, "issue_date": date, "due_date": date}, format="json"
    )

    assert response.status_code == 400
    assert {"issue_date", "due_date"} <= set(response.json()["error"]["details"])
    assert not Invoice.objects.exists()


def test_issue_date_in_the_future_is_refused(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user)
    draft = staff_client.post(
        URL,
        {
            "customer": customer.id,
            "issue_date": "2030-01-01",
            "items": [{"description": "x", "quantity": "1", "unit_price": "1"}],
        },
        format="json",
    ).json()

    stored = _issue(staff_client, draft["id"])
    in_body = _issue(staff_client, draft["id"], issue_date="2030-01-01")

    assert (stored.status_code, stored.json()["error"]["code"]) == (409, "invoice_not_issuable")
    assert "issue_date" in stored.json()["error"]["details"]
    assert in_body.status_code == 400
    assert "issue_date" in in_body.json()["error"]["details"]
    assert not NumberSequence.objects.exists()


def test_back_dating_before_a_used_date_is_refused_and_consumes_no_number(
    staff_client, staff_user, company
):
    make_issued(owner=staff_user, issue_date=dt.date(2026, 6, 15))
    draft = make_draft(owner=staff_user)

    refused = _issue(staff_client, draft.id, issue_date="2026-06-14")
    same_day = _issue(staff_client, draft.id, issue_date="2026-06-15")

    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "invoice_not_issuable")
    assert "2026-06-15" in refused.json()["error"]["details"]["issue_date"][0]
    assert same_day.json()["number"] == "INV-2026-00002"


def test_payment_dates_follow_the_invoice(staff_client, staff_user, company):
    invoice = make_issued(owner=staff_user, issue_date=dt.date(2026, 6, 15))

    for date in ("0001-01-01", "2026-06-14", "2099-01-01"):
        refused = staff_client.post(
            f"{URL}{invoice.id}/payments/", {"amount": "1.00", "date": date}
        )
        assert refused.status_code == 400, date
        assert "date" in refused.json()["error"]["details"]
    assert invoice.payments.count() == 0
    ok = staff_client.post(f"{URL}{invoice.id}/payments/", {"amount": "1.00", "date": "2026-06-15"})
    assert ok.status_code == 201


def test_drafts_of_a_deleted_customer_cannot_be_issued(staff_client, staff_user, company):
    draft = make_draft(owner=staff_user)
    staff_client.delete(f"/api/customers/{draft.customer_id}/")

    response = _issue(staff_client, draft.id)

    assert (response.status_code, response.json()["error"]["code"]) == (
        409,
        "invoice_not_issuable",
    )
    assert "customer" in response.json()["error"]["details"]
    assert Invoice.objects.get(pk=draft.id).number is None


def _arabic_indic(number: int) -> str:
    return "".join(chr(0x0660 + int(digit)) for digit in str(number))


@pytest.mark.parametrize(
    "given",
    [
        _arabic_indic,
        lambda pk: f" {pk}",
        lambda pk: f"{pk}.0",
        lambda pk: True,
        lambda pk: -pk,
        lambda pk: 0,
        lambda pk: 2**70,
        lambda pk: "9" * 30,
    ],
)
def test_a_customer_id_is_ascii_digits_or_an_integer(staff_client, staff_user, company, given):
    customer = CustomerFactory(owner=staff_user)  # what int() would find for most of these

    response = staff_client.post(URL, {"customer": given(customer.id)}, format="json")

    assert response.status_code == 400, given(customer.id)
    assert "customer" in response.json()["error"]["details"]
    assert not Invoice.objects.exists()


def test_a_customer_id_as_text_or_integer_is_taken(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user)

    for given in (customer.id, str(customer.id)):
        response = staff_client.post(URL, {"customer": given}, format="json")
        assert response.status_code == 201, response.json()
