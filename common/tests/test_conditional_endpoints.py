"""ETag, 304 and 412 on the endpoints added after invoices and customers: products,
payments, currencies, tax categories, the invoicing defaults, recurring invoices, an
invoice's reminders and the draft PDF preview (common.conditional)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from documents import rendering
from documents.models import InvoiceSending, SendingStatus
from invoices.services import payment_record
from invoices.tests.factories import make_draft, make_issued
from products.models import Product
from products.services import product_update
from products.tests.factories import make_product
from recurring.models import RecurringInvoice
from recurring.services import recurring_invoice_update
from recurring.tests.factories import make_schedule
from reminders.models import PaymentReminder
from reminders.services import payment_reminder_send_due
from reminders.tests.helpers import issued_due, set_levels, today
from settings_app.models import CompanySettings

pytestmark = pytest.mark.django_db


def _read(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["ETag"].startswith('"')
    assert response["Cache-Control"] == "private, no-cache"
    return response


def _revalidate(client, url: str, etag: str):
    return client.get(url, HTTP_IF_NONE_MATCH=etag)


def _holds(client, url: str, etag: str, queries, max_queries: int) -> None:
    with queries(max_queries):
        response = _revalidate(client, url, etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""


def _moved(client, url: str, etag: str):
    response = _revalidate(client, url, etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response["ETag"] == _read(client, url)["ETag"]  # as an unconditional read
    return response


def _refused(response) -> None:
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"


# --- products -------------------------------------------------------------------------


# A 304 in a test reads the access row from the database (inside the test's transaction
# the shared cache's copy is not used: accounts.access), one query more than served.
@pytest.mark.parametrize(
    "url, queries", [("/api/products/", 3), ("/api/products/{id}/", 2)], ids=["list", "detail"]
)
def test_product_reads_revalidate_and_follow_a_change(
    staff_client, company, url, queries, django_assert_max_num_queries
):
    product = make_product()
    url = url.format(id=product.id)
    etag = _read(staff_client, url)["ETag"]

    _holds(staff_client, url, etag, django_assert_max_num_queries, queries)
    product_update(product=product, unit_price=Decimal("99.50"))  # the service, not the API

    changed = _moved(staff_client, url, etag).json()
    shown = changed["results"][0] if "results" in changed else changed
    assert shown["unit_price"] == "99.5000"


def test_a_stale_if_match_on_a_product_writes_nothing(
    staff_client, admin_client, company, django_assert_max_num_queries
):
    product = make_product()
    url = f"/api/products/{product.id}/"
    stale = _read(staff_client, url)["ETag"]
    assert admin_client.patch(url, {"name": "Renamed"}, format="json").status_code == 200

    with django_assert_max_num_queries(6):
        patched = staff_client.patch(
            url, {"unit_price": "1.00"}, format="json", HTTP_IF_MATCH=stale
        )
    put = staff_client.put(
        url,
        {"name": "Other", "unit_price": "2.00", "tax_category": "S", "tax_rate": "19.00"},
        format="json",
        HTTP_IF_MATCH=stale,
    )
    deleted = staff_client.delete(url, HTTP_IF_MATCH=stale)

    for response in (patched, put, deleted):
        _refused(response)
    row = Product.objects.get(pk=product.pk)
    assert (row.name, row.unit_price) == ("Renamed", Decimal("120.00"))


def test_a_current_if_match_saves_the_product_and_answers_the_next_tag(staff_client, company):
    product = make_product()
    url = f"/api/products/{product.id}/"
    etag = _read(staff_client, url)["ETag"]

    saved = staff_client.patch(url, {"unit_price": "80"}, format="json", HTTP_IF_MATCH=etag)

    assert saved.status_code == 200
    assert saved.json()["unit_price"] == "80.0000"
    assert saved["ETag"] == _read(staff_client, url)["ETag"]
    assert staff_client.delete(url, HTTP_IF_MATCH=saved["ETag"]).status_code == 204
    assert not Product.objects.filter(pk=product.pk).exists()


# --- payments, lookups, invoicing defaults --------------------------------------------


def test_the_payments_list_revalidates_and_follows_a_payment(
    staff_client, company, staff_user, django_assert_max_num_queries
):
    invoice = make_issued(owner=staff_user)
    payment_record(invoice=invoice, amount=Decimal("10.00"))
    url = "/api/payments/"
    etag = _read(staff_client, url)["ETag"]

    _holds(staff_client, url, etag, django_assert_max_num_queries, 3)
    payment_record(invoice=invoice, amount=Decimal("20.00"))

    changed = _moved(staff_client, url, etag).json()
    assert [row["amount"] for row in changed["results"]] == ["20.00", "10.00"]


def test_currencies_revalidate(staff_client, company, django_assert_max_num_queries):
    url = "/api/currencies/"
    etag = _read(staff_client, url)["ETag"]

    _holds(staff_client, url, etag, django_assert_max_num_queries, 1)
    assert _revalidate(staff_client, url, '"another"').status_code == 200


@pytest.mark.parametrize("url", ["/api/tax-categories/", "/api/settings/invoicing/"])
def test_company_defaults_revalidate_and_follow_an_admins_change(
    staff_client, admin_client, company, url, django_assert_max_num_queries
):
    etag = _read(staff_client, url)["ETag"]

    _holds(staff_client, url, etag, django_assert_max_num_queries, 2)
    changed = admin_client.patch(
        "/api/settings/company/", {"default_tax_rate": "7.00"}, format="json"
    )
    assert changed.status_code == 200, changed.content

    body = _moved(staff_client, url, etag).json()
    assert "7.00" in str(body)


# --- recurring invoices ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url, queries",
    # the detail's object comes with its lines (the selector's prefetch), unrendered
    [("/api/recurring-invoices/", 3), ("/api/recurring-invoices/{id}/", 4)],
    ids=["list", "detail"],
)
def test_recurring_reads_revalidate_and_follow_a_change(
    staff_client, company, staff_user, url, queries, django_assert_max_num_queries
):
    schedule = make_schedule(owner=staff_user)
    url = url.format(id=schedule.id)
    etag = _read(staff_client, url)["ETag"]

    _holds(staff_client, url, etag, django_assert_max_num_queries, queries)
    recurring_invoice_update(schedule=schedule, notes="Changed by the service")

    changed = _moved(staff_client, url, etag).json()
    shown = changed["results"][0] if "results" in changed else changed
    assert shown["notes"] == "Changed by the service"


def test_a_stale_if_match_on_a_schedule_refuses_writes_and_actions(
    staff_client, company, staff_user, django_assert_max_num_queries
):
    schedule = make_schedule(owner=staff_user, notes="first")
    url = f"/api/recurring-invoices/{schedule.id}/"
    stale = _read(staff_client, url)["ETag"]
    recurring_invoice_update(schedule=schedule, notes="second")
    before = RecurringInvoice.objects.get(pk=schedule.pk)

    with django_assert_max_num_queries(6):
        patched = staff_client.patch(url, {"notes": "third"}, format="json", HTTP_IF_MATCH=stale)
    paused = staff_client.post(f"{url}pause/", HTTP_IF_MATCH=stale)
    deleted = staff_client.delete(url, HTTP_IF_MATCH=stale)

    for response in (patched, paused, deleted):
        _refused(response)
    after = RecurringInvoice.objects.get(pk=schedule.pk)
    assert (after.notes, after.status, after.updated_at) == (
        "second",
        before.status,
        before.updated_at,
    )
    current = _read(staff_client, url)["ETag"]
    resumed = staff_client.post(f"{url}pause/", HTTP_IF_MATCH=current)
    assert resumed.status_code == 200
    assert resumed["ETag"] == _read(staff_client, url)["ETag"]


# --- an invoice's reminders -----------------------------------------------------------


def test_reminders_revalidate_and_follow_a_sending(
    staff_client, company, staff_user, django_assert_max_num_queries
):
    set_levels(company, [{"days_after_due": 7, "fee_amount": "0"}])
    due = today() - dt.timedelta(days=10)
    invoice = issued_due(owner=staff_user, due=due)
    payment_reminder_send_due(invoice_id=invoice.pk, run_date=due + dt.timedelta(days=7))
    url = f"/api/invoices/{invoice.pk}/reminders/"
    etag = _read(staff_client, url)["ETag"]

    _holds(staff_client, url, etag, django_assert_max_num_queries, 3)
    reminder = PaymentReminder.objects.get(invoice=invoice)
    InvoiceSending.objects.filter(pk=reminder.sending_id).update(status=SendingStatus.FAILED)

    changed = _moved(staff_client, url, etag).json()
    assert [row["sending_status"] for row in changed] == [SendingStatus.FAILED]


# --- the draft PDF preview ------------------------------------------------------------


def test_a_draft_preview_revalidates_without_rendering(
    monkeypatch, staff_client, company, staff_user, django_assert_max_num_queries
):
    draft = make_draft(owner=staff_user)
    url = f"/api/invoices/{draft.pk}/pdf/"
    first = _read(staff_client, url)
    assert first.content.startswith(b"%PDF")
    etag = first["ETag"]

    def no_render(**kwargs):
        raise AssertionError("a 304 must not render")

    monkeypatch.setattr(rendering, "invoice_document_serve", no_render)
    _holds(staff_client, url, etag, django_assert_max_num_queries, 4)
    monkeypatch.undo()

    CompanySettings.objects.update(legal_name="Renamed Seller GmbH")  # the seller, not the draft
    assert _moved(staff_client, url, etag).content.startswith(b"%PDF")
