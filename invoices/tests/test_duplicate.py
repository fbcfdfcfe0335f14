"""`POST /api/invoices/{id}/duplicate/`: a new draft of the caller with the same lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from common.tests.factories import CustomerFactory
from invoices import services
from invoices.models import Invoice, InvoiceStatus
from invoices.tests.admin_helpers import change_url, logged_in, messages_of
from invoices.tests.factories import allowance, line, make_draft, make_issued
from products import services as product_services
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(company, staff_user):
    return CustomerFactory(owner=staff_user, payment_terms_days=14)


def _duplicate(client, invoice):
    return client.post(f"/api/invoices/{invoice.pk}/duplicate/")


def test_an_issued_invoice_becomes_a_new_dated_draft_with_the_same_lines(
    staff_client, staff_user, customer
):
    product = make_product(unit_price=Decimal("80"))
    original = make_issued(
        owner=staff_user,
        customer=customer,
        items=[line(quantity="3", unit_price="12.50"), {"product": product.pk, "quantity": 1}],
        allowances_charges=[allowance("5.00")],
        notes="Thanks",
        order_reference="PO-7",
        buyer_reference="REF-1",
        issue_date=dt.date(2026, 3, 2),
    )

    response = _duplicate(staff_client, original)

    assert response.status_code == 201, response.json()
    copy = response.json()
    today = timezone.localdate()
    assert copy["id"] != original.pk
    assert (copy["status"], copy["number"]) == ("draft", None)
    assert copy["issue_date"] == today.isoformat()
    assert copy["due_date"] == (today + dt.timedelta(days=14)).isoformat()
    assert (copy["customer"], copy["owner"]) == (customer.pk, staff_user.pk)
    assert (copy["notes"], copy["order_reference"], copy["buyer_reference"]) == (
        "Thanks",
        "PO-7",
        "REF-1",
    )
    assert [(i["description"], i["quantity"], i["net_amount"]) for i in copy["items"]] == [
        ("Consulting", "3.0000", "37.50"),
        ("Consulting hour", "1.0000", "80.00"),
    ]
    assert copy["items"][1]["product"] == product.pk
    assert [(a["amount"], a["reason"]) for a in copy["allowances_charges"]] == [
        ("5.00", "Discount")
    ]
    assert (copy["net_total"], copy["gross_total"]) == ("112.50", "133.88")
    assert copy["gross_total"] == str(original.gross_total.quantize(Decimal("0.01")))
    # Issuing wrote a payment-terms sentence naming the old due date: not copied.
    assert original.payment_terms and copy["payment_terms"] == ""
    original.refresh_from_db()
    assert original.status == InvoiceStatus.ISSUED


def test_typed_payment_terms_are_kept(staff_client, staff_user, customer):
    original = make_issued(owner=staff_user, customer=customer, payment_terms="Net 10, 2% skonto")

    assert _duplicate(staff_client, original).json()["payment_terms"] == "Net 10, 2% skonto"


def test_drafts_and_void_invoices_are_duplicated_too(staff_client, staff_user, customer):
    draft = make_draft(owner=staff_user, customer=customer)
    void = services.invoice_void(
        invoice=make_issued(owner=staff_user, customer=customer), reason="Typo"
    )

    for invoice in (draft, void):
        response = _duplicate(staff_client, invoice)
        assert response.status_code == 201, response.json()
        assert response.json()["gross_total"] == "119.00"


def test_a_credit_note_is_refused(staff_client, staff_user, customer):
    note = services.invoice_credit_note_create(
        invoice=make_issued(owner=staff_user, customer=customer)
    )
    count = Invoice.objects.count()

    response = _duplicate(staff_client, note)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invoice_not_duplicable"
    assert Invoice.objects.count() == count


def test_an_archived_product_leaves_its_lines_without_the_reference(
    staff_client, staff_user, customer
):
    product = make_product()
    original = make_issued(
        owner=staff_user, customer=customer, items=[{"product": product.pk, "quantity": 2}]
    )
    product_services.product_update(product=product, archived=True, unit_price=Decimal("1"))

    response = _duplicate(staff_client, original)

    assert response.status_code == 201, response.json()
    item = response.json()["items"][0]
    assert (item["product"], item["unit_price"], item["net_amount"]) == (None, "120.0000", "240.00")


def test_a_deleted_customer_is_a_400_on_customer(staff_client, staff_user, customer):
    original = make_issued(owner=staff_user, customer=customer)
    customer.delete()

    response = _duplicate(staff_client, original)

    assert response.status_code == 400
    assert "customer" in response.json()["error"]["details"]


def test_another_users_invoice_is_404_and_an_admins_copy_is_the_admins(
    other_client, admin_client, admin_user, staff_user, customer
):
    original = make_issued(owner=staff_user, customer=customer)

    refused = _duplicate(other_client, original)
    copied = _duplicate(admin_client, original)

    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"
    assert copied.status_code == 201
    assert copied.json()["owner"] == admin_user.pk
    assert Invoice.objects.filter(owner=admin_user).count() == 1


@pytest.mark.parametrize("lines", [3, 60])
def test_duplicate_queries_do_not_grow_with_the_lines(
    staff_client, staff_user, customer, lines, django_assert_max_num_queries
):
    original = make_issued(owner=staff_user, customer=customer, items=[line()] * lines)

    with django_assert_max_num_queries(16):
        response = _duplicate(staff_client, original)

    assert response.status_code == 201
    assert len(response.json()["items"]) == lines


# --- the admin ----------------------------------------------------------------------------


def test_the_admin_button_duplicates_an_issued_invoice(staff_user, customer):
    original = make_issued(owner=staff_user, customer=customer, items=[line(quantity="2")])
    client = logged_in(staff_user)

    page = client.get(change_url(original))
    response = client.post(change_url(original, "duplicate"))

    assert b'value="Duplicate as new draft"' in page.content
    copy = Invoice.objects.exclude(pk=original.pk).get()
    assert response.status_code == 302
    assert response["Location"] == change_url(copy)
    assert (copy.status, copy.number, copy.gross_total) == ("draft", None, Decimal("238.00"))
    assert copy.owner == staff_user
    assert any("New draft from" in text for text in messages_of(response))


def test_the_admin_refuses_a_credit_note_and_another_users_invoice(
    staff_user, other_staff, customer
):
    note = services.invoice_credit_note_create(
        invoice=make_issued(owner=staff_user, customer=customer)
    )
    count = Invoice.objects.count()

    refused = logged_in(staff_user).post(change_url(note, "duplicate"))
    hidden = logged_in(other_staff).post(change_url(note.credited_invoice, "duplicate"))

    assert refused.status_code == 302
    assert any("not duplicated" in text for text in messages_of(refused))
    assert b'name="_duplicate"' not in logged_in(staff_user).get(change_url(note)).content
    assert hidden.status_code == 404
    assert Invoice.objects.count() == count
